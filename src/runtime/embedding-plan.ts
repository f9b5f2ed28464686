/**
 * The pure decisions of an embedder's load: pooling, normalization and prefixes from the sentence-transformers
 * files (engine/embedding-config.ts), the token limit, and which graph output holds the token vectors.
 */
import { embeddingSetup, manifestSetup, type EmbeddingSetup } from '../engine/embedding-config.js';
import { readEmbedderManifest, type EmbedderManifest } from '../engine/embedding-manifest.js';
import type { EmbedderLoadRequest } from '../shared/embedder-protocol.js';
import { RerankerError } from '../shared/errors.js';
import { resolveMaxLength, type ModelConfig } from './load-plan.js';
import { readSentenceTransformersFiles, type JsonFileSource } from './sentence-transformers-files.js';

/** Output names of the token vectors: Hub (Optimum / transformers.js) exports, sentence-transformers' own. */
const HIDDEN_STATE_OUTPUTS = ['last_hidden_state', 'token_embeddings'] as const;

export async function embeddingPlan(
  request: EmbedderLoadRequest,
  config: ModelConfig,
  tokenizerMaxLength: number | undefined,
  source: JsonFileSource,
): Promise<{ readonly setup: EmbeddingSetup; readonly maxLength: number; readonly manifest: EmbedderManifest | undefined }> {
  // An exported embedder (MiniCPM-Embedding) says everything in config.json and has no sentence-transformers files.
  const manifest = readEmbedderManifest(config, request.model);
  const setup =
    manifest === undefined
      ? embeddingSetup(request.model, await readSentenceTransformersFiles(source), request)
      : manifestSetup(request.model, manifest, request);
  // The model's own limit (tokenizer, position embeddings, at most 512); sentence_bert_config.json's
  // max_seq_length within it is the default, as sentence-transformers truncates there.
  const limit = resolveMaxLength({ model: request.model }, tokenizerMaxLength, config, undefined, 0);
  if (request.maxLength !== undefined) return { setup, manifest, maxLength: resolveMaxLength(request, tokenizerMaxLength, config, undefined, 0) };
  return { setup, manifest, maxLength: Math.min(setup.maxSeqLength ?? limit, limit) };
}

/**
 * The graph output holding [rows, tokens, hidden] vectors, or for an exported embedder the manifest's pooled
 * output; a graph without it is refused, naming the file.
 */
export function hiddenStateOutput(model: string, file: string, outputNames: readonly string[], setup?: Pick<EmbeddingSetup, 'graphOutput'>): string {
  const pooled = setup?.graphOutput;
  if (pooled !== undefined) {
    if (outputNames.includes(pooled)) return pooled;
    throw new RerankerError(
      'unsupported-model',
      `${model}: ${file} has outputs ${outputNames.join(', ') || '(none)'}, not the "${pooled}" output its config.json manifest names; ` +
        'the ONNX file and config.json are of different exports: re-export the model.',
      { details: { file } },
    );
  }
  const found = HIDDEN_STATE_OUTPUTS.find((name) => outputNames.includes(name));
  if (found !== undefined) return found;
  throw new RerankerError(
    'unsupported-model',
    `${model}: ${file} has outputs ${outputNames.join(', ') || '(none)'}, none of ${HIDDEN_STATE_OUTPUTS.join(', ')}; ` +
      'an embedder needs the per-token vectors [batch, tokens, hidden] (a feature-extraction export).',
    { details: { file } },
  );
}
