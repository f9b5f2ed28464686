/**
 * How many rows a batch may hold at each length so that a run does not exhaust memory, and whether even one
 * row of `maxLength` tokens fits. Pure (the device's limits are passed in), so the rules are unit-tested
 * without a browser.
 *
 * Attention keeps [rows, heads, length, length] matrices of scores (and of their softmax) per layer while it
 * runs: at 8,192 tokens one row of a 16-head model is 16 x 8,192^2 x 4 bytes = 4 GiB for each of them.
 * Everything else a layer holds grows only linearly with the length. So:
 *
 * - **WASM**: a session's WebAssembly memory stops at 4 GiB and holds the weights too; the activations of
 *   one batch must fit in what is left (less a reserve for the tokenizer's and onnxruntime's own heap).
 * - **WebGPU**: no browser tells how much memory the GPU has, but every tensor is one buffer, which may not
 *   pass the device's `maxBufferSize` or `maxStorageBufferBindingSize`: the largest tensor of a batch (the
 *   scores) must fit in the smaller of the two. The activations of a batch also stay under
 *   `WEBGPU_ACTIVATION_BYTES` in all.
 *
 * Where one row of `maxLength` cannot fit, a `maxLength` the caller passed is refused at load naming the
 * longest that fits; a default one is lowered to it, and `info.memory.reason` says so.
 */
import { RerankerError } from '../shared/errors.js';
import type { Device, Dtype, MemoryInfo } from '../shared/types.js';

/** WebAssembly's 32-bit address space: the most memory one WASM session can have. */
export const WASM_MEMORY_BYTES = 4 * 1024 ** 3;
/** Left free in WebAssembly memory for what is not the model's: onnxruntime's arena, inputs and outputs, the tokenizer. */
export const WASM_RESERVE_BYTES = 512 * 1024 ** 2;
/** The least a WASM batch may use for activations, whatever the weight estimate says (it is only an estimate). */
const WASM_MIN_ACTIVATION_BYTES = 256 * 1024 ** 2;
/**
 * WebGPU: the most one batch's activations may take in all. A bound chosen, not measured: browsers expose no
 * GPU memory size, and this keeps a batch within what integrated GPUs give one tab.
 */
export const WEBGPU_ACTIVATION_BYTES = 2 * 1024 ** 3;
/** Lengths a lowered `maxLength` is rounded down to a multiple of. */
const LENGTH_STEP = 64;

/** The config.json fields the estimate reads (names as in BERT, XLM-R, ModernBERT and the LLM configs). */
export interface ShapeConfig {
  readonly num_hidden_layers?: number;
  readonly num_attention_heads?: number;
  readonly hidden_size?: number;
  readonly intermediate_size?: number;
}

/** The WebGPU device's buffer limits (`GPUDevice.limits`). */
export interface GpuBufferLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

export interface MemoryPlanInput {
  readonly config: ShapeConfig;
  readonly device: Device;
  readonly dtype: Dtype;
  /** Estimated bytes of the weights (estimateWeightBytes); undefined when the config does not say. */
  readonly weightBytes: number | undefined;
  readonly maxLength: number;
  /** Whether the caller passed `maxLength` (then it is never lowered: a length that cannot fit is refused). */
  readonly maxLengthAsked: boolean;
  /** The WebGPU device's limits; undefined on WASM or when they could not be read. */
  readonly gpuLimits: GpuBufferLimits | undefined;
  readonly model: string;
}

export interface MemoryPlan {
  /** The max length to use: the one given, or the longest that fits one row when that was lower. */
  readonly maxLength: number;
  /** Most rows a batch padded to `length` may hold (at least 1 up to `maxLength`). */
  rowsAt(length: number): number;
  readonly info: MemoryInfo;
}

/** Bytes of one activation value: fp16 graphs keep fp16 activations on WebGPU; the rest run in fp32. */
function activationBytes(device: Device, dtype: Dtype): number {
  return device === 'webgpu' && (dtype === 'fp16' || dtype === 'q4f16') ? 2 : 4;
}

interface Shape {
  readonly heads: number;
  readonly hidden: number;
  readonly inner: number;
  readonly bytes: number;
}

/** The largest single tensor of one row: the attention scores, or the feed-forward block's inner activations. */
export function largestTensorBytes(shape: Shape, length: number): number {
  return Math.max(shape.heads * length * length, length * shape.inner, 3 * length * shape.hidden) * shape.bytes;
}

/**
 * What one row holds at its peak: three [heads, length, length] tensors (the scores, the scores plus the
 * mask, their softmax: eager-attention exports keep each), and the linear parts (query, key, value, context,
 * residual, the feed-forward block's two inner tensors).
 */
export function rowPeakBytes(shape: Shape, length: number): number {
  return (3 * shape.heads * length * length + length * (5 * shape.hidden + 2 * shape.inner)) * shape.bytes;
}

export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const { config, device } = input;
  const heads = config.num_attention_heads;
  const hidden = config.hidden_size;
  if (heads === undefined || hidden === undefined || !(heads > 0) || !(hidden > 0)) {
    return {
      maxLength: input.maxLength,
      rowsAt: () => Number.MAX_SAFE_INTEGER,
      info: { rowsAtMaxLength: undefined, reason: "the model's config.json gives no num_attention_heads / hidden_size, so rows per batch are not limited by memory." },
    };
  }
  const shape: Shape = { heads, hidden, inner: config.intermediate_size ?? 4 * hidden, bytes: activationBytes(device, input.dtype) };
  const limit = deviceLimit(input);
  const rowsAt = (length: number): number => {
    const byTotal = Math.floor(limit.total / rowPeakBytes(shape, length));
    const byBuffer = limit.buffer === undefined ? byTotal : Math.floor(limit.buffer / largestTensorBytes(shape, length));
    return Math.max(0, Math.min(byTotal, byBuffer));
  };
  let maxLength = input.maxLength;
  let lowered = '';
  if (rowsAt(maxLength) < 1) {
    const fits = longestFitting(rowsAt, maxLength);
    const need = megabytes(Math.max(rowPeakBytes(shape, maxLength), largestTensorBytes(shape, maxLength)));
    if (input.maxLengthAsked || fits === undefined) {
      throw new RerankerError(
        'invalid-input',
        `maxLength ${maxLength}: one pair of ${maxLength} tokens of ${input.model} needs about ${need} MB of attention ` +
          `memory, more than ${limit.what} allows. ` +
          (fits === undefined ? 'Use a smaller model.' : `Pass maxLength ${fits} or less${device === 'wasm' ? '' : ", or device: 'wasm'"}.`),
        { details: { argument: 'maxLength', limit: fits ?? 0 } },
      );
    }
    lowered = `maxLength lowered from ${maxLength} (the model's own limit) to ${fits}: one pair of ${maxLength} tokens needs about ${need} MB of attention memory, more than ${limit.what} allows. `;
    maxLength = fits;
  }
  const rows = rowsAt(maxLength);
  return {
    maxLength,
    rowsAt: (length) => Math.max(1, rowsAt(Math.min(length, maxLength))),
    info: { rowsAtMaxLength: rows, reason: `${lowered}At ${maxLength} tokens a batch holds at most ${rows} rows (${limit.what}).` },
  };
}

/** The longest multiple of LENGTH_STEP (or the length itself) below `from` at which one row fits. */
function longestFitting(rowsAt: (length: number) => number, from: number): number | undefined {
  for (let length = Math.floor((from - 1) / LENGTH_STEP) * LENGTH_STEP; length >= LENGTH_STEP; length -= LENGTH_STEP) {
    if (rowsAt(length) >= 1) return length;
  }
  return undefined;
}

function deviceLimit(input: MemoryPlanInput): { total: number; buffer: number | undefined; what: string } {
  if (input.device === 'wasm') {
    const weights = input.weightBytes ?? 0;
    const total = Math.max(WASM_MIN_ACTIVATION_BYTES, WASM_MEMORY_BYTES - WASM_RESERVE_BYTES - weights);
    return { total, buffer: undefined, what: `WebAssembly's 4 GiB less about ${megabytes(weights)} MB of weights (${megabytes(total)} MB for activations)` };
  }
  const gpu = input.gpuLimits;
  if (gpu === undefined) {
    return { total: WEBGPU_ACTIVATION_BYTES, buffer: undefined, what: `${megabytes(WEBGPU_ACTIVATION_BYTES)} MB of activations per batch on WebGPU` };
  }
  const buffer = Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize);
  return {
    total: WEBGPU_ACTIVATION_BYTES,
    buffer,
    what: `the WebGPU device's largest buffer (${megabytes(buffer)} MB) and ${megabytes(WEBGPU_ACTIVATION_BYTES)} MB of activations per batch`,
  };
}

/** `GPUDevice.limits` of onnxruntime-web's WebGPU device (`env.webgpu`), once a WebGPU session was built. */
export async function readGpuBufferLimits(webgpuEnv: { readonly device?: Promise<GPUDevice> | GPUDevice } | undefined): Promise<GpuBufferLimits | undefined> {
  try {
    const device = await Promise.resolve(webgpuEnv?.device);
    if (device === undefined) return undefined;
    return { maxBufferSize: device.limits.maxBufferSize, maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize };
  } catch {
    return undefined;
  }
}

function megabytes(bytes: number): string {
  return Math.round(bytes / 1e6).toLocaleString('en-US');
}
