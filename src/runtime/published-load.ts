/**
 * The load decisions that tell an exported reranker, a published causal-LM graph under `preset`
 * (docs/published-llm.md) and a plain cross-encoder apart, and what a published graph changes in the plan:
 * its runner, rows per batch bounded by the logits' size, no graph capture, one WASM session, and on WebGPU
 * rows run alone in short runs when its attention is GroupQueryAttention. Called by
 * transformers-runtime.ts, which passes what it built; no model library here.
 */
import type { BatchTensors } from '../engine/batching.js';
import { checkScoringOptions } from '../engine/manifest-prompt.js';
import { checkPresetAgainstManifest, isQwen3CausalLm, publishedManifest, withScoringTokens } from '../engine/published-llm.js';
import { RerankerError } from '../shared/errors.js';
import { readManifest, type RerankerManifest } from '../engine/reranker-manifest.js';
import type { LoadRequest } from '../shared/protocol.js';
import type { Device, Dtype } from '../shared/types.js';
import type { CapturePlan } from './capture-policy.js';
import { checkHead, type ModelConfig } from './load-plan.js';
import type { MemoryPlan } from './memory-plan.js';
import { GQA_WEBGPU_CHUNK_TOKENS, checkPublishedGraph, logitsRowsAt, pastShape, pastType, presentOutputNames, publishedRunner, type PastConfig, type PublishedSession } from './published-graph.js';

export interface ResolvedManifest {
  /** The export's manifest, or the one built for a published graph (its scoring token ids still to fill in). */
  readonly manifest: RerankerManifest | undefined;
  /** A published causal-LM graph under `preset`, run by published-graph.ts. */
  readonly published: boolean;
}

/**
 * The manifest of config.json, or for a published graph the one its preset implies; options the model does not
 * take are refused, and a model with neither must be a one-logit cross-encoder.
 */
export function resolveManifest(config: ModelConfig, request: LoadRequest): ResolvedManifest {
  const read = readManifest(config, request.model);
  checkPresetAgainstManifest(request.preset, read, request.model);
  const published = read === undefined && request.preset !== undefined;
  const manifest = published ? publishedManifest(request.preset as NonNullable<LoadRequest['preset']>, config, request.model) : read;
  checkScoringOptions(manifest, request, request.model);
  if (manifest === undefined && isQwen3CausalLm(config)) {
    throw new RerankerError(
      'unsupported-model',
      `${request.model} is a Qwen3 causal LM without the export tool's manifest. If it is a Qwen3-Reranker (a published ` +
        `ONNX export such as onnx-community/Qwen3-Reranker-0.6B-ONNX), pass preset: 'qwen3-reranker'; or export it with ` +
        'scripts/export/export_reranker.py --preset qwen3-reranker (faster and lighter: docs/published-llm.md).',
      { details: { argument: 'preset', architectures: (config.architectures ?? []).join(',') } },
    );
  }
  if (manifest === undefined) checkHead(config, request.model);
  return { manifest, published };
}

/** A published graph's manifest with its scoring token ids from the tokenizer's vocabulary; others as they are. */
export function completeManifest(
  resolved: ResolvedManifest,
  vocabularyId: (token: string) => number | undefined,
  model: string,
  padTokenId: number | null | undefined,
): RerankerManifest | undefined {
  if (!resolved.published || resolved.manifest === undefined) return resolved.manifest;
  return withScoringTokens(resolved.manifest, vocabularyId, model, typeof padTokenId === 'number' ? padTokenId : undefined);
}

export interface PublishedBuild<T> {
  readonly request: LoadRequest;
  readonly config: ModelConfig & PastConfig;
  readonly dtype: Dtype;
  /** The graph's file, named in a refusal. */
  readonly file: string;
  readonly session: (PublishedSession<T> & { readonly outputNames: readonly string[]; readonly inputMetadata?: readonly { readonly name: string; readonly type?: string }[] }) | undefined;
  readonly manifest: RerankerManifest;
  readonly tensor: Parameters<typeof publishedRunner<T>>[0]['tensor'];
  /** The built model, disposed when the graph is refused. */
  readonly built: { dispose(): Promise<unknown> };
  /** publishedChunkTokens: set for a GroupQueryAttention graph on WebGPU. */
  readonly chunkTokens?: number | undefined;
}

export interface PublishedPlan {
  readonly run: (batch: BatchTensors) => Promise<Float32Array>;
  /** The memory plan with rows bounded by the logits' size. */
  bound(memory: MemoryPlan): MemoryPlan;
  readonly capture: CapturePlan;
}

/** The runner and plan changes of a published graph; a graph without what is needed is refused (and freed). */
export async function publishedPlan<T>(input: PublishedBuild<T>): Promise<PublishedPlan> {
  const { request, config, session } = input;
  try {
    const shape = pastShape(config, request.model);
    if (session === undefined) throw new TypeError('transformers.js built no "model" session');
    checkPublishedGraph(session, shape, input.file, request.model);
    const declared = session.inputMetadata?.find((meta) => meta.name === 'past_key_values.0.key')?.type;
    const chunkTokens = input.chunkTokens;
    if (chunkTokens !== undefined) {
      const missing = presentOutputNames(shape.layers).filter((name) => !session.outputNames.includes(name));
      if (missing.length > 0) {
        throw new RerankerError(
          'unsupported-model',
          `${request.model}'s ${input.file} uses GroupQueryAttention, which runs on WebGPU only in short runs that feed each run's present.N.key/value back as the past, but it lacks the outputs ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}; load it with device: 'wasm'.`,
          { details: { file: input.file, missing: missing.join(',') } },
        );
      }
    }
    const run = publishedRunner({ session, shape, pastType: pastType(input.dtype, declared), tokenIds: input.manifest.scoring_token_ids ?? [], tensor: input.tensor, chunkTokens });
    const vocab = config.vocab_size ?? 0;
    return {
      run,
      bound: (memory) => {
        const bounded = boundByLogits(memory, vocab);
        if (chunkTokens === undefined) return bounded;
        const reason = `${bounded.info.reason} Its attention is GroupQueryAttention, which onnxruntime-web's WebGPU backend computes wrong for a prompt of 32 tokens or more, so each row runs alone, ${chunkTokens} tokens a run with the previous run's keys and values as the past.`;
        return { ...bounded, info: { ...bounded.info, reason } };
      },
      capture: {
        enabled: false,
        reason: 'published causal-LM graphs run on the dynamic session: their past inputs and [rows, length, vocabulary] logits give no fixed-width output to capture.',
        shapes: [],
      },
    };
  } catch (error) {
    await input.built.dispose().catch(() => undefined);
    throw error;
  }
}

/** The memory plan with rows per batch also bounded so the logits stay within LOGITS_BUDGET_BYTES. */
export function boundByLogits(memory: MemoryPlan, vocabSize: number): MemoryPlan {
  const rowsAt = (length: number): number => Math.min(memory.rowsAt(length), logitsRowsAt(length, vocabSize));
  const rows = rowsAt(memory.maxLength);
  return {
    maxLength: memory.maxLength,
    rowsAt,
    info: {
      rowsAtMaxLength: rows,
      reason: `${memory.info.reason} The graph returns logits for every position and the whole vocabulary (${vocabSize} entries), so a batch holds at most ${rows} row${rows === 1 ? '' : 's'} at ${memory.maxLength} tokens.`,
    },
  };
}

/**
 * Tokens a run for a published graph on WebGPU whose attention is GroupQueryAttention (`usesGqa` reads the
 * file's head): onnxruntime-web's WebGPU GQA is wrong for a prompt of 32 tokens or more with an empty past, so
 * such a graph runs each row alone, GQA_WEBGPU_CHUNK_TOKENS tokens a run (docs/published-llm.md). Undefined
 * (one run a batch) on WASM, for graphs without GQA and for exports; nothing is read then.
 */
export async function publishedChunkTokens(device: Device, published: boolean, file: string, usesGqa: (file: string) => Promise<boolean>): Promise<number | undefined> {
  if (!published || device !== 'webgpu') return undefined;
  return (await usesGqa(file)) ? GQA_WEBGPU_CHUNK_TOKENS : undefined;
}
