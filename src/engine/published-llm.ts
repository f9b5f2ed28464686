/**
 * Published causal-LM exports loaded as they are (onnx-community/Qwen3-Reranker-0.6B-ONNX and the like): no
 * `webgpu_reranker` manifest, so the user names the model card with `preset`, and the manifest the export tool
 * would have written for it is built here from the card's texts, the config and the tokenizer's vocabulary.
 * The graph itself (past inputs, logits for every position) is run by runtime/published-graph.ts.
 */
import { RerankerError } from '../shared/errors.js';
import type { PublishedPreset } from '../shared/reranker-options.js';
import type { RerankerManifest, WrappedPromptSpec } from './reranker-manifest.js';

const QWEN3_SYSTEM =
  'Judge whether the Document meets the requirements based on the Query and the Instruct provided. ' +
  'Note that the answer can only be "yes" or "no".';

/** Qwen/Qwen3-Reranker's card, as the export tool's `qwen3-reranker` preset writes it. */
const QWEN3_PROMPT: WrappedPromptSpec = {
  style: 'wrapped',
  prefix: `<|im_start|>system\n${QWEN3_SYSTEM}<|im_end|>\n<|im_start|>user\n`,
  template: '<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {passage}',
  suffix: '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
  default_instruction: 'Given a web search query, retrieve relevant passages that answer the query',
};

/** Default tokens per pair, as the export tool's preset. */
const DEFAULT_MAX_LENGTH = 1024;

/** The config.json fields read here. */
export interface CausalLmConfig {
  readonly model_type?: string;
  readonly architectures?: readonly string[];
  readonly pad_token_id?: number | null;
}

/** Whether a config is a Qwen3 causal LM (what `preset: 'qwen3-reranker'` needs). */
export function isQwen3CausalLm(config: CausalLmConfig): boolean {
  return config.model_type === 'qwen3' || (config.architectures ?? []).includes('Qwen3ForCausalLM');
}

/**
 * The manifest of a published graph under `preset`, without its scoring token ids (those need the tokenizer:
 * `withScoringTokens`). Refuses a config of another family, naming what it is.
 */
export function publishedManifest(preset: PublishedPreset, config: CausalLmConfig, model: string): RerankerManifest {
  if (!isQwen3CausalLm(config)) {
    const what = [config.model_type, ...(config.architectures ?? [])].filter((name) => typeof name === 'string').join(', ') || 'no model_type';
    throw new RerankerError(
      'unsupported-model',
      `${model}'s config.json names ${what}; preset '${preset}' needs a Qwen3 causal LM (model_type qwen3, Qwen3ForCausalLM). ` +
        'Drop the preset for a cross-encoder, or export the model with scripts/export/export_reranker.py.',
      { details: { argument: 'preset', modelType: config.model_type ?? '' } },
    );
  }
  return {
    format: 1,
    preset,
    card: 'Qwen/Qwen3-Reranker (0.6B, 4B, 8B), published causal-LM graph',
    head: 'yes-token',
    prompt: QWEN3_PROMPT,
    supports: ['instruction'],
    max_length: DEFAULT_MAX_LENGTH,
    pad_token_id: typeof config.pad_token_id === 'number' ? config.pad_token_id : 0,
    scoring_tokens: ['yes', 'no'],
    scoring_token_ids: [],
    output: 'logits',
  };
}

/**
 * The manifest with its scoring tokens' ids, read from the vocabulary as the card does
 * (`convert_tokens_to_ids("yes")`); a tokenizer without them is refused, naming its file.
 */
export function withScoringTokens(manifest: RerankerManifest, vocabularyId: (token: string) => number | undefined, model: string, padTokenId: number | undefined): RerankerManifest {
  const tokens = manifest.scoring_tokens ?? [];
  const ids = tokens.map((token) => vocabularyId(token));
  const missing = tokens.filter((_, index) => ids[index] === undefined);
  if (missing.length > 0) {
    throw new RerankerError(
      'unsupported-model',
      `${model}'s tokenizer.json has no vocabulary entry for ${missing.map((t) => `"${t}"`).join(' and ')}, which the ${manifest.preset} score reads; ` +
        'this is not a Qwen3-Reranker tokenizer.',
      { details: { file: 'tokenizer.json', missing: missing.join(',') } },
    );
  }
  return { ...manifest, scoring_token_ids: ids as number[], pad_token_id: padTokenId ?? manifest.pad_token_id };
}

/**
 * `preset` against a model that carries the export tool's manifest: the manifest says everything, so the preset
 * must agree with it (or be left out).
 */
export function checkPresetAgainstManifest(preset: PublishedPreset | undefined, manifest: RerankerManifest | undefined, model: string): void {
  if (preset === undefined || manifest === undefined || manifest.preset === preset) return;
  throw new RerankerError(
    'invalid-input',
    `preset '${preset}' does not match ${model}: its config.json carries an export manifest for '${manifest.preset}'. Leave preset out for exported models.`,
    { details: { argument: 'preset' } },
  );
}
