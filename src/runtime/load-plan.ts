/**
 * The decisions of a load that need no model library: the checks of a plain cross-encoder's config, the pair
 * length, the dtype an export has, the rows per batch. transformers-runtime.ts feeds them what it read from
 * the model's files; unit tests feed them plain objects.
 */
import { pairLengthLimit } from '../engine/max-length.js';
import type { RerankerManifest } from '../engine/reranker-manifest.js';
import { RerankerError } from '../shared/errors.js';
import type { LoadRequest } from '../shared/protocol.js';
import { MAX_SUPPORTED_LENGTH } from '../shared/validate.js';
import { DEFAULT_BATCH_TOKEN_BUDGET } from '../engine/rerank-engine.js';
import type { Device, Dtype } from '../shared/types.js';
import { estimateWeightBytes, planGraphCapture, type CapturePlan } from './capture-policy.js';
import { refreshOnError } from './load-errors.js';
import { planMemory, readGpuBufferLimits, type MemoryPlan } from './memory-plan.js';
import { planWasmParallelism, type WasmParallelPlan } from './wasm-parallel-policy.js';

/** Rows per batch for float and weight-only-quantized graphs; the token budget usually binds first. */
export const MAX_BATCH_ROWS = 64;

/** RoBERTa-family configs (position ids start after the padding index, so two positions are never used). */
const ROBERTA_TYPES = ['roberta', 'xlm-roberta', 'camembert'];
const ROBERTA_ARCHITECTURES = /^(Roberta|XLMRoberta|Camembert)For/;

/** The fields of a model's config.json the plan reads. */
export interface ModelConfig {
  model_type?: string;
  webgpu_reranker?: unknown;
  /** The cross-encoder export preset's record (scripts/export/cross_encoder.py); only `masks` is read. */
  webgpu_reranker_export?: { masks?: unknown };
  architectures?: string[];
  id2label?: Record<string, string>;
  num_labels?: number;
  max_position_embeddings?: number;
  num_attention_heads?: number;
  pad_token_id?: number;
  vocab_size?: number;
  hidden_size?: number;
  num_hidden_layers?: number;
  intermediate_size?: number;
}

/** A plain cross-encoder must be a sequence classifier with one relevance logit. */
export function checkHead(config: ModelConfig, model: string): void {
  const labels = config.id2label === undefined ? config.num_labels ?? 1 : Object.keys(config.id2label).length;
  const architectures = config.architectures ?? [];
  const isClassifier = architectures.length === 0 || architectures.some((name) => name.endsWith('ForSequenceClassification'));
  if (!isClassifier) {
    throw new RerankerError(
      'unsupported-model',
      `${model} is a ${architectures.join(', ')}, not a sequence-classification cross-encoder; only ` +
        'one-logit cross-encoders (ms-marco-MiniLM, bge-reranker-base/large/v2-m3, ...) are supported.',
      { details: { architectures: architectures.join(',') } },
    );
  }
  if (labels !== 1) {
    throw new RerankerError(
      'unsupported-model',
      `${model} has a classification head with ${labels} labels; a reranker needs exactly one relevance logit. ` +
        'Pick a cross-encoder reranker (one label).',
      { details: { labels } },
    );
  }
}

/**
 * Cross-encoders: the tokenizer's and the position embeddings' limit (8,192 for bge-reranker-v2-m3 and
 * ModernBERT, 1,024 for jina-reranker-v2, 512 for most others), at most MAX_SUPPORTED_LENGTH, by default.
 * Exported LLM rerankers: the manifest's default, up to the position embeddings less the prompt that follows
 * the budget. Memory may lower a default further once the device is known (memory-plan.ts).
 */
export function resolveMaxLength(
  request: LoadRequest,
  tokenizerMaxLength: number | undefined,
  config: ModelConfig,
  manifest: RerankerManifest | undefined,
  tailLength: number,
): number {
  const positionOffset = isRobertaFamily(config) ? 2 : 0;
  const limit = refreshOnError(() =>
    pairLengthLimit(
      {
        cap: MAX_SUPPORTED_LENGTH,
        modelMaxLength: tokenizerMaxLength,
        maxPositionEmbeddings: config.max_position_embeddings,
        positionOffset,
        maxPositions: manifest?.max_positions,
        tailLength,
      },
      request.model,
    ),
  );
  if (request.maxLength === undefined) return manifest === undefined ? limit : Math.min(manifest.max_length, limit);
  if (request.maxLength > limit) {
    throw new RerankerError(
      'invalid-input',
      `maxLength ${request.maxLength} exceeds what ${request.model} supports (${limit} tokens); use at most ${limit}.`,
      { details: { argument: 'maxLength', limit } },
    );
  }
  return request.maxLength;
}

/**
 * RoBERTa-family position embeddings, by model_type or, for configs without one (jina-reranker-v2's names
 * its own classes through `auto_map`), by architecture.
 */
export function isRobertaFamily(config: ModelConfig): boolean {
  if (typeof config.model_type === 'string') return ROBERTA_TYPES.includes(config.model_type);
  return (config.architectures ?? []).some((name) => ROBERTA_ARCHITECTURES.test(name));
}

/**
 * Whether the graph loads through transformers.js's base class as one plain session: exported rerankers
 * (their graphs are no transformers.js architecture) and cross-encoders whose config.json has no
 * `model_type` for transformers.js to pick a class by (jina-reranker-v2's Hub config). A cross-encoder's
 * graph returns `logits` either way.
 */
export function loadsAsPlainSession(config: ModelConfig, manifest: RerankerManifest | undefined): boolean {
  // transformers.js reads a missing model_type as null.
  return manifest !== undefined || typeof config.model_type !== 'string';
}

/**
 * A dtype the export has: `'auto'` falls back to fp32 when the preferred file was not exported; an explicit
 * dtype that was not exported is refused with the list of those that were.
 */
export function availableDtype(manifest: RerankerManifest | undefined, request: LoadRequest, dtype: Dtype): Dtype {
  const exported = manifest?.dtypes;
  if (exported === undefined || exported.includes(dtype)) return dtype;
  if ((request.dtype ?? 'auto') === 'auto' && exported.includes('fp32')) return 'fp32';
  throw new RerankerError(
    'model-not-found',
    `${request.model} was exported without ${dtype} weights; it has ${exported.join(', ')}. Pick one of those dtypes ` +
      'or re-export with scripts/export/export_reranker.py --dtypes.',
    { details: { argument: 'dtype', available: exported.join(',') } },
  );
}

/** The cross-encoder preset's record of a ModernBERT export whose masks WebGPU computes right (cross_encoder.py). */
const WEBGPU_SAFE_MODERNBERT_MASKS = 'float-expanded';

/**
 * Why `device: 'auto'` must not put this model on WebGPU, if it must not. ModernBERT graphs as transformers
 * exports them build the sliding-window mask with a boolean And broadcasting [1, 1, L, L] against [B, 1, 1, L],
 * which onnxruntime-web's WebGPU provider gets wrong for batches of more than one row (0.17 off PyTorch on the
 * fixture; docs/export.md). The cross-encoder export preset builds those masks another way and says so in its
 * record. Correct scores first: an explicit `device: 'webgpu'` still gets WebGPU.
 */
export function webgpuRefusal(config: ModelConfig): string | undefined {
  if (config.model_type === 'modernbert' && config.webgpu_reranker_export?.masks !== WEBGPU_SAFE_MODERNBERT_MASKS) {
    return "ModernBERT exports score wrong on WebGPU in batches (a broadcast boolean And in their sliding-window mask); re-export with the cross-encoder preset (docs/export.md) or pass device: 'webgpu' to use this file anyway";
  }
  return undefined;
}

/** How many WASM sessions and threads per session, from the request and what this browser offers. */
export function wasmPlanFor(request: LoadRequest, config: ModelConfig, dtype: Dtype): WasmParallelPlan {
  return planWasmParallelism({
    request: request.wasmSessions ?? 'auto',
    cores: globalThis.navigator?.hardwareConcurrency ?? 1,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    weightBytes: estimateWeightBytes(config, dtype),
    refetchesModel: request.modelFiles === undefined && request.useBrowserCache === false,
  });
}

export interface RunPlanInput {
  readonly request: LoadRequest;
  readonly config: ModelConfig;
  readonly device: Device;
  readonly dtype: Dtype;
  readonly maxLength: number;
  /** Values per row of the graph's output, when the graph fixes it. */
  readonly outputWidth: number | undefined;
  /** Most rows memory allows at a length (memory-plan.ts). */
  readonly rowsAt?: ((length: number) => number) | undefined;
}

/** Rows per batch and graph capture, once the session is built (the device and dtype are final). */
export function runPlanFor(input: RunPlanInput): { readonly maxBatchRows: number; readonly capture: CapturePlan } {
  const { request, dtype } = input;
  // See LoadedModel.maxBatchRows: q8 activations are quantized per batch, so q8 pairs run one by one.
  const maxBatchRows = dtype === 'q8' ? 1 : MAX_BATCH_ROWS;
  const capture = planGraphCapture({
    request: request.webgpuGraphCapture ?? 'auto',
    device: input.device,
    dtype,
    weightBytes: estimateWeightBytes(input.config, dtype),
    maxLength: input.maxLength,
    batchTokenBudget: request.batchTokenBudget ?? DEFAULT_BATCH_TOKEN_BUDGET,
    maxBatchRows,
    rowsAt: input.rowsAt,
    outputWidth: input.outputWidth,
    refetchesModel: request.modelFiles === undefined && request.useBrowserCache === false,
  });
  return { maxBatchRows, capture };
}

export interface MemoryPlanRequest {
  readonly request: LoadRequest;
  readonly config: ModelConfig;
  readonly device: Device;
  readonly dtype: Dtype;
  /** The model's own limit (resolveMaxLength). */
  readonly maxLength: number;
  /** onnxruntime-web's `env.webgpu`, whose device gives the buffer limits on WebGPU. */
  readonly webgpuEnv: { readonly device?: Promise<GPUDevice> | GPUDevice } | undefined;
  /** The built model, disposed when the plan refuses the load. */
  readonly built: { dispose(): Promise<unknown> };
}

/** Rows per batch as memory allows, once the session is built (memory-plan.ts); a refusal frees the session. */
export async function memoryPlanFor(input: MemoryPlanRequest): Promise<MemoryPlan> {
  const { request, config, device, dtype } = input;
  const gpuLimits = device === 'webgpu' ? await readGpuBufferLimits(input.webgpuEnv) : undefined;
  try {
    return planMemory({
      config,
      device,
      dtype,
      weightBytes: estimateWeightBytes(config, dtype),
      maxLength: input.maxLength,
      maxLengthAsked: request.maxLength !== undefined,
      gpuLimits,
      model: request.model,
    });
  } catch (error) {
    await input.built.dispose().catch(() => undefined);
    throw error;
  }
}
