/**
 * Whether a WebGPU model runs through graph capture (src/runtime/webgpu-runner.ts), and on which padded
 * shapes. Pure, so the rules are unit-tested without a GPU.
 *
 * Shapes: one per length bucket, each with as many rows as the batch token budget allows at that length
 * (capped by the batch row limit), so a batch the engine plans under the budget always fits its bucket.
 * Every captured shape is a session with its own copy of the weights, so `'auto'` captures only models
 * whose weights, times the sessions that would hold them, stay under `AUTO_CAPTURE_BYTES`. The finer
 * buckets (`FINE_CAPTURE_LENGTHS`: less padding, more sessions) are used only where all their copies stay
 * under it too, `'auto'` or `true`; otherwise the powers of two alone.
 */
import type { Device, Dtype, GraphCaptureInfo } from '../shared/types.js';
import type { CaptureShape } from './webgpu-runner.js';

/**
 * Pairs are padded up to the next of these lengths (and the model's maxLength, the last bucket). Past 512
 * they keep doubling, so a long-context model does not pad a 600-token pair to 8,192 (attention grows with
 * the square of the padded length).
 */
export const CAPTURE_LENGTHS: readonly number[] = [32, 64, 128, 256, 512, 1024, 2048, 4096];

/**
 * Lengths added between the powers of two below 512 when the weights' copies allow it (see
 * planGraphCapture): a pair of 257-320 tokens pads to 320 rather than 512. On the GPU bench's 100 mixed
 * passages (87-357 tokens) padded tokens drop from 1.85x to 1.24x the real ones (docs/benchmarks.md,
 * "Batch plan for mixed reranks"); each costs one more session (weights copy, built in idle time after first use).
 */
export const FINE_CAPTURE_LENGTHS: readonly number[] = [96, 192, 320, 384];

/** The powers of two and the fine lengths, ascending. */
const FINE_LENGTHS: readonly number[] = [...CAPTURE_LENGTHS, ...FINE_CAPTURE_LENGTHS].sort((a, b) => a - b);

/**
 * `'auto'` captures when weights x (captured shapes + the dynamic session) stay under this: MiniLM-L6 in
 * fp32 (90 MB, 6 copies: 540 MB) does; bge-reranker-base in fp16 (560 MB) does not.
 */
export const AUTO_CAPTURE_BYTES = 1024 * 1024 * 1024;

/**
 * Even when asked, the sessions' weights must fit in WebAssembly's 4 GiB next to everything else: every
 * session keeps a copy there (XLM-R base with three captured shapes and the dynamic session ran out of it:
 * "memory access out of bounds"). Past this, the longest
 * buckets are kept and shorter rows pad up to them.
 */
export const MAX_CAPTURE_BYTES = 3 * 1024 * 1024 * 1024;

export interface CapturePolicyInput {
  readonly request: 'auto' | boolean;
  readonly device: Device;
  readonly dtype: Dtype;
  /** Estimated bytes of the weights (see estimateWeightBytes); undefined when the config does not say. */
  readonly weightBytes: number | undefined;
  readonly maxLength: number;
  readonly batchTokenBudget: number;
  readonly maxBatchRows: number;
  /** Most rows memory allows at a length (memory-plan.ts); unset: no limit beyond maxBatchRows. */
  readonly rowsAt?: ((length: number) => number) | undefined;
  /** Values per row of the graph's output; undefined when the graph does not fix it. */
  readonly outputWidth: number | undefined;
  /**
   * Whether building a captured session fetches the model file again (no browser cache, no picked files):
   * each shape is a session that transformers.js builds from the files.
   */
  readonly refetchesModel: boolean;
}

export interface CapturePlan extends GraphCaptureInfo {
  readonly shapes: readonly CaptureShape[];
  /** The shape built during the load (see preloadShape); the others are built in idle time after first use. */
  readonly preload?: CaptureShape;
}

/**
 * Pairs most often pad to this length (a short query and a passage of a paragraph), so its shape is the one
 * built during the load: it tells at load whether the graph can be captured at all (`info.graphCapture`) and is
 * ready before the first call. Building it costs the load one session build, as capturing the warm-up's shape
 * did before shapes were built in idle time (docs/design.md, graph capture).
 */
export const PRELOAD_LENGTH = 128;

/** The first shape at least PRELOAD_LENGTH long, or the longest when none is. */
export function preloadShape(shapes: readonly CaptureShape[]): CaptureShape | undefined {
  return shapes.find((shape) => shape.length >= PRELOAD_LENGTH) ?? shapes.at(-1);
}

export function planGraphCapture(input: CapturePolicyInput): CapturePlan {
  const off = (reason: string): CapturePlan => ({ enabled: false, reason, shapes: [] });
  if (input.device !== 'webgpu') return off('graph capture is a WebGPU feature; this model runs on WASM.');
  if (input.request === false) return off('webgpuGraphCapture: false was passed.');
  if (input.dtype === 'q8' || input.maxBatchRows === 1) {
    return off('q8 graphs quantize activations per batch, so each pair runs alone at its own length; padding it to a captured shape would change its score.');
  }
  if (input.outputWidth === undefined) return off('the graph output has no fixed width per row to bind a buffer to.');
  let shapes = captureShapes(input.maxLength, input.batchTokenBudget, input.maxBatchRows, input.rowsAt);
  const fine = captureShapes(input.maxLength, input.batchTokenBudget, input.maxBatchRows, input.rowsAt, FINE_LENGTHS);
  // Finer buckets only for a model whose size is known and all of whose copies stay within 1 GiB, even when
  // capture is forced: a large model's extra sessions cost GPU and WebAssembly memory and seconds to capture.
  const finer = input.weightBytes !== undefined && input.weightBytes * (fine.length + 1) <= AUTO_CAPTURE_BYTES;
  if (finer) shapes = fine;
  let trimmed = '';
  if (input.request === true && input.weightBytes !== undefined && input.weightBytes * (shapes.length + 1) > MAX_CAPTURE_BYTES) {
    const sessions = Math.floor(MAX_CAPTURE_BYTES / input.weightBytes);
    if (sessions < 2) {
      return off(
        `about ${megabytes(input.weightBytes)} MB of weights: a captured session beside the dynamic one would not fit ` +
          `in WebAssembly's 4 GiB memory.`,
      );
    }
    shapes = shapes.slice(-(sessions - 1));
    trimmed = ` (only the longest ${sessions - 1} of the length buckets: more copies of ${megabytes(input.weightBytes)} MB of weights would not fit in WebAssembly memory)`;
  }
  if (input.request === 'auto') {
    if (input.refetchesModel) {
      return off('useBrowserCache: false: each captured shape would download the model file again; pass webgpuGraphCapture: true to capture anyway.');
    }
    const copies = shapes.length + 1;
    if (input.weightBytes === undefined) {
      return off("the model's size cannot be estimated from its config; pass webgpuGraphCapture: true to capture anyway.");
    }
    if (input.weightBytes * copies > AUTO_CAPTURE_BYTES) {
      return off(
        `about ${megabytes(input.weightBytes)} MB of weights x ${copies} sessions would exceed ` +
          `${megabytes(AUTO_CAPTURE_BYTES)} MB of GPU memory; pass webgpuGraphCapture: true to capture anyway.`,
      );
    }
  }
  const listed = shapes.map((shape) => `${shape.rows}x${shape.length}`).join(', ');
  const coarse =
    finer || trimmed !== '' || fine.length === shapes.length
      ? ''
      : input.weightBytes === undefined
        ? ' (length buckets in powers of two only: the model size is unknown)'
        : ' (length buckets in powers of two only: the copies of the weights for finer ones would exceed 1 GiB)';
  const preload = preloadShape(shapes);
  return {
    enabled: true,
    reason:
      `${input.request === true ? 'webgpuGraphCapture: true' : 'the model is small enough'}; shapes ${listed} are captured` +
      `${preload === undefined ? '' : ` (${preload.rows}x${preload.length} during the load, the others`} in idle time after first use` +
      `${preload === undefined ? '' : ')'}${trimmed}${coarse}.`,
    shapes,
    ...(preload === undefined ? {} : { preload }),
  };
}

/** One shape per length of `bucketLengths` below maxLength, and maxLength itself. */
export function captureShapes(
  maxLength: number,
  batchTokenBudget: number,
  maxBatchRows: number,
  rowsAt?: (length: number) => number,
  bucketLengths: readonly number[] = CAPTURE_LENGTHS,
): CaptureShape[] {
  const lengths = [...bucketLengths.filter((length) => length < maxLength), maxLength];
  return lengths.map((length) => ({
    length,
    rows: Math.max(1, Math.min(maxBatchRows, Math.floor(batchTokenBudget / length), rowsAt?.(length) ?? maxBatchRows)),
  }));
}

export interface SizeConfig {
  readonly vocab_size?: number;
  readonly hidden_size?: number;
  readonly num_hidden_layers?: number;
  readonly intermediate_size?: number;
  readonly max_position_embeddings?: number;
}

const BYTES_PER_WEIGHT: Record<Dtype, number> = { fp32: 4, fp16: 2, q8: 1, q4: 0.6, q4f16: 0.6 };

/**
 * Bytes per value of the embedding table (a Gather, not a MatMul): q4 files keep it in fp32, as onnxruntime's
 * 4-bit quantizer (MatMulNBits) and scripts/export write them: Qwen3-Reranker-0.6B's shape in q4 is a 901 MB
 * file, 622 MB of it the fp32 table, where 0.6 bytes a weight counted 347 MB. q4f16 is left at the MatMul
 * rate: its figures (graph capture of XLM-R q4f16) were planned with it.
 */
const EMBEDDING_BYTES_PER_WEIGHT: Record<Dtype, number> = { ...BYTES_PER_WEIGHT, q4: 4 };

/**
 * Transformer weights from the config: embeddings plus, per layer, attention (4 h^2) and the feed-forward
 * block (2 h i; gated LLM blocks have a third matrix, counted too when the config has no BERT-style type).
 */
export function estimateWeightBytes(config: SizeConfig & { readonly model_type?: string }, dtype: Dtype): number | undefined {
  const { vocab_size: vocab, hidden_size: hidden, num_hidden_layers: layers, intermediate_size: inner } = config;
  if (vocab === undefined || hidden === undefined || layers === undefined || inner === undefined) return undefined;
  const gated = !['bert', 'roberta', 'xlm-roberta', 'camembert', 'electra', 'distilbert'].includes(config.model_type ?? '');
  const perLayer = 4 * hidden * hidden + (gated ? 3 : 2) * hidden * inner;
  const embeddings = (vocab + (config.max_position_embeddings ?? 0)) * hidden;
  return embeddings * EMBEDDING_BYTES_PER_WEIGHT[dtype] + layers * perLayer * BYTES_PER_WEIGHT[dtype];
}

function megabytes(bytes: number): string {
  return Math.round(bytes / 1e6).toLocaleString('en-US');
}
