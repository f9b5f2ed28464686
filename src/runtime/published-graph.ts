/**
 * Running a published causal-LM graph (Hub exports of Qwen3 and the like: input_ids, attention_mask,
 * position_ids, past_key_values.N.key/value in; logits for every position and present.N.* out) as a reranker:
 * the graph is checked at load, each batch is fed an empty past of the config's kv-head and head-dim shape, only
 * `logits` is fetched, and each row's scoring-token logits at its last real position are gathered into the
 * [rows, k] output the engine's heads read (what the export tool's trimmed graph returns). Rows per batch are
 * bounded so the [rows, length, vocabulary] logits fit in memory. No model library here: transformers-runtime.ts
 * passes the session and a tensor constructor.
 */
import type { BatchTensors } from '../engine/batching.js';
import { RerankerError } from '../shared/errors.js';
import type { Dtype } from '../shared/types.js';

/**
 * Bytes of logits one batch may return. The logits are [rows, length, vocabulary] floats: 607 KB a token at
 * Qwen3's 151,669 entries, so 256 MiB is about 440 tokens a batch (a single longer row still runs alone).
 */
export const LOGITS_BUDGET_BYTES = 256 * 1024 * 1024;

/** The config.json fields that give the past tensors' shape. */
export interface PastConfig {
  readonly num_hidden_layers?: number;
  readonly num_attention_heads?: number;
  readonly num_key_value_heads?: number;
  readonly head_dim?: number;
  readonly hidden_size?: number;
  readonly vocab_size?: number;
}

export interface PastShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

/** The past tensors' shape from the config; refused, naming config.json's missing fields, when it does not say. */
export function pastShape(config: PastConfig, model: string): PastShape {
  const layers = config.num_hidden_layers;
  const heads = config.num_attention_heads;
  const kvHeads = config.num_key_value_heads ?? heads;
  const headDim = config.head_dim ?? (config.hidden_size !== undefined && heads !== undefined ? config.hidden_size / heads : undefined);
  const missing = [
    ...(isCount(layers) ? [] : ['num_hidden_layers']),
    ...(isCount(kvHeads) ? [] : ['num_key_value_heads (or num_attention_heads)']),
    ...(isCount(headDim) ? [] : ['head_dim (or hidden_size and num_attention_heads)']),
  ];
  if (missing.length > 0) {
    throw new RerankerError('unsupported-model', `${model}'s config.json lacks ${missing.join(', ')}, which give the shape of the graph's past inputs.`, {
      details: { file: 'config.json', missing: missing.join(',') },
    });
  }
  return { layers: layers as number, kvHeads: kvHeads as number, headDim: headDim as number };
}

function isCount(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** The names of the past inputs, layer by layer (key, then value). */
export function pastInputNames(layers: number): string[] {
  const names: string[] = [];
  for (let layer = 0; layer < layers; layer += 1) names.push(`past_key_values.${layer}.key`, `past_key_values.${layer}.value`);
  return names;
}

/**
 * Refuses, naming the file and what it lacks, a graph that cannot be scored as a published causal LM: the
 * inputs input_ids, attention_mask and every layer's past key and value, and the output logits. position_ids
 * is fed when the graph has it.
 */
export function checkPublishedGraph(io: { readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }, shape: PastShape, file: string, model: string): void {
  const inputs = ['input_ids', 'attention_mask', ...pastInputNames(shape.layers)].filter((name) => !io.inputNames.includes(name));
  const outputs = io.outputNames.includes('logits') ? [] : ['logits'];
  const unknown = io.inputNames.filter((name) => !['input_ids', 'attention_mask', 'position_ids', ...pastInputNames(shape.layers)].includes(name));
  if (inputs.length === 0 && outputs.length === 0 && unknown.length === 0) return;
  const parts = [
    ...(inputs.length === 0 ? [] : [`the input${inputs.length > 1 ? 's' : ''} ${summarize(inputs)}`]),
    ...(outputs.length === 0 ? [] : ['the output logits']),
  ];
  const what =
    parts.length > 0
      ? `lacks ${parts.join(' and ')}`
      : `has inputs this library does not feed (${summarize(unknown)})`;
  throw new RerankerError(
    'unsupported-model',
    `${model}'s ${file} ${what}; a published causal-LM reranker needs a causal-LM graph with input_ids, attention_mask, ` +
      `past_key_values.0..${shape.layers - 1}.key/value (config.json's num_hidden_layers) and logits for every position.`,
    { details: { file, missing: [...inputs, ...outputs].join(','), unexpected: unknown.join(',') } },
  );
}

function summarize(names: readonly string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Most rows a batch padded to `length` may hold so its logits stay within `budgetBytes` (at least 1). */
export function logitsRowsAt(length: number, vocabSize: number, budgetBytes = LOGITS_BUDGET_BYTES): number {
  return Math.max(1, Math.floor(budgetBytes / (Math.max(1, length) * Math.max(1, vocabSize) * 4)));
}

/** The element type of the past inputs: the graph's own when it says, else float16 for fp16 weights and activations. */
export function pastType(dtype: Dtype, declared: string | undefined): 'float32' | 'float16' {
  if (declared === 'float16' || declared === 'float32') return declared;
  return dtype === 'fp16' || dtype === 'q4f16' ? 'float16' : 'float32';
}

export interface FeedArrays {
  readonly input_ids: { readonly data: BigInt64Array; readonly dims: readonly number[] };
  readonly attention_mask: { readonly data: BigInt64Array; readonly dims: readonly number[] };
  readonly position_ids: { readonly data: BigInt64Array; readonly dims: readonly number[] };
  /** Dims of every (empty) past tensor: [rows, kv heads, 0, head dim]. */
  readonly pastDims: readonly number[];
}

/**
 * The feeds of one right-padded batch with an empty past: positions 0..length-1 on every row (a real token's
 * position is its index; padded positions are masked out and never read).
 */
export function publishedFeeds(batch: BatchTensors, shape: PastShape): FeedArrays {
  const dims = [batch.batchSize, batch.length];
  const positions = new BigInt64Array(batch.batchSize * batch.length);
  for (let row = 0; row < batch.batchSize; row += 1) {
    for (let index = 0; index < batch.length; index += 1) positions[row * batch.length + index] = BigInt(index);
  }
  return {
    input_ids: { data: batch.inputIds, dims },
    attention_mask: { data: batch.attentionMask, dims },
    position_ids: { data: positions, dims },
    pastDims: [batch.batchSize, shape.kvHeads, 0, shape.headDim],
  };
}

/**
 * From [rows, length, vocab] logits to [rows, k]: each row's values of `tokenIds` at its last real position
 * (the attention mask's count less one; rows are right-padded).
 */
export function gatherLastLogits(logits: ArrayLike<number>, batch: BatchTensors, vocabSize: number, tokenIds: readonly number[]): Float32Array {
  const out = new Float32Array(batch.batchSize * tokenIds.length);
  for (let row = 0; row < batch.batchSize; row += 1) {
    let real = 0;
    for (let index = 0; index < batch.length; index += 1) real += Number(batch.attentionMask[row * batch.length + index]);
    const base = (row * batch.length + Math.max(0, real - 1)) * vocabSize;
    tokenIds.forEach((id, k) => {
      out[row * tokenIds.length + k] = logits[base + id] as number;
    });
  }
  return out;
}

/** The members of an onnxruntime session the runner uses. */
export interface PublishedSession<T> {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, T>, fetches: readonly string[]): Promise<Record<string, { readonly type: string; readonly data: unknown; readonly dims: readonly number[] }>>;
}

export interface PublishedRunnerInput<T> {
  readonly session: PublishedSession<T>;
  readonly shape: PastShape;
  readonly pastType: 'float32' | 'float16';
  readonly tokenIds: readonly number[];
  /** onnxruntime's Tensor constructor. */
  readonly tensor: (type: 'int64' | 'float32' | 'float16', data: BigInt64Array | Float32Array | Uint16Array, dims: readonly number[]) => T;
  /**
   * Tokens a run at most, each row alone (its padding dropped), the presents of a run fed as the next run's
   * past: for GroupQueryAttention graphs on WebGPU (GQA_WEBGPU_CHUNK_TOKENS). Unset: the whole batch in one run.
   */
  readonly chunkTokens?: number | undefined;
}

/**
 * Tokens a run for a GroupQueryAttention graph on WebGPU: onnxruntime-web's WebGPU GQA computed a prompt with an
 * empty past wrong from 32 tokens on, but right at 5 to 31 tokens, and right for 1 to 16 new tokens after a past
 * of up to 200 (docs/published-llm.md, GroupQueryAttention graphs).
 */
export const GQA_WEBGPU_CHUNK_TOKENS = 16;

/** The names of the present outputs, layer by layer (key, then value), as the past inputs'. */
export function presentOutputNames(layers: number): string[] {
  const names: string[] = [];
  for (let layer = 0; layer < layers; layer += 1) names.push(`present.${layer}.key`, `present.${layer}.value`);
  return names;
}

/** [start, end) token ranges of a row of `length` tokens, `chunk` tokens each (the last one shorter). */
export function chunkRanges(length: number, chunk: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < length; start += chunk) ranges.push([start, Math.min(length, start + chunk)]);
  return ranges;
}

/** Runs a batch through the published graph; returns [rows, k] scoring-token logits for the head. */
export function publishedRunner<T>(input: PublishedRunnerInput<T>): (batch: BatchTensors) => Promise<Float32Array> {
  const { session, shape, tensor, tokenIds } = input;
  const pastNames = pastInputNames(shape.layers);
  const hasPositions = session.inputNames.includes('position_ids');
  if (input.chunkTokens !== undefined) return chunkedRunner(input, pastNames, hasPositions);
  return async (batch) => {
    const arrays = publishedFeeds(batch, shape);
    const feeds: Record<string, T> = {
      input_ids: tensor('int64', arrays.input_ids.data, arrays.input_ids.dims),
      attention_mask: tensor('int64', arrays.attention_mask.data, arrays.attention_mask.dims),
    };
    if (hasPositions) feeds['position_ids'] = tensor('int64', arrays.position_ids.data, arrays.position_ids.dims);
    for (const name of pastNames) {
      feeds[name] = input.pastType === 'float16' ? tensor('float16', new Uint16Array(0), arrays.pastDims) : tensor('float32', new Float32Array(0), arrays.pastDims);
    }
    const logits = (await session.run(feeds, ['logits']))['logits'];
    if (logits === undefined) throw new RerankerError('inference-failed', 'The model returned no "logits" output.');
    const vocab = logits.dims[2];
    if (logits.dims.length !== 3 || vocab === undefined || logits.dims[0] !== batch.batchSize || logits.dims[1] !== batch.length) {
      throw new RerankerError('inference-failed', `The model returned logits of shape [${logits.dims.join(', ')}]; expected [${batch.batchSize}, ${batch.length}, vocabulary].`);
    }
    return gatherLastLogits(floatValues(logits.type, logits.data), batch, vocab, tokenIds);
  };
}

/**
 * Each row alone, in runs of `chunkTokens` tokens: run k feeds the row's tokens [start, end), a mask of ones over
 * [0, end), positions start..end-1 and the previous run's presents as the past (empty at first); the scoring
 * tokens are read at the last run's last position, the row's last real token.
 */
function chunkedRunner<T>(input: PublishedRunnerInput<T>, pastNames: readonly string[], hasPositions: boolean): (batch: BatchTensors) => Promise<Float32Array> {
  const { session, shape, tensor, tokenIds } = input;
  const chunk = Math.max(1, Math.floor(input.chunkTokens ?? 1));
  const presentNames = presentOutputNames(shape.layers);
  const emptyPast = (): T => (input.pastType === 'float16' ? tensor('float16', new Uint16Array(0), [1, shape.kvHeads, 0, shape.headDim]) : tensor('float32', new Float32Array(0), [1, shape.kvHeads, 0, shape.headDim]));
  return async (batch) => {
    const out = new Float32Array(batch.batchSize * tokenIds.length);
    for (let row = 0; row < batch.batchSize; row += 1) {
      const offset = row * batch.length;
      let real = 0;
      for (let index = 0; index < batch.length; index += 1) real += Number(batch.attentionMask[offset + index]);
      const length = Math.max(1, real);
      let past: T[] = pastNames.map(() => emptyPast());
      let last: ArrayLike<number> | undefined;
      let vocab = 0;
      let lastWidth = 1;
      for (const [start, end] of chunkRanges(length, chunk)) {
        const width = end - start;
        lastWidth = width;
        const positions = new BigInt64Array(width);
        for (let index = 0; index < width; index += 1) positions[index] = BigInt(start + index);
        const feeds: Record<string, T> = {
          input_ids: tensor('int64', batch.inputIds.slice(offset + start, offset + end), [1, width]),
          attention_mask: tensor('int64', new BigInt64Array(end).fill(1n), [1, end]),
        };
        if (hasPositions) feeds['position_ids'] = tensor('int64', positions, [1, width]);
        pastNames.forEach((name, k) => {
          feeds[name] = past[k] as T;
        });
        const result = await session.run(feeds, ['logits', ...presentNames]);
        const logits = result['logits'];
        const dims = logits?.dims ?? [];
        if (logits === undefined || dims.length !== 3 || dims[0] !== 1 || dims[1] !== width || dims[2] === undefined) {
          throw new RerankerError('inference-failed', `The model returned logits of shape [${dims.join(', ')}]; expected [1, ${width}, vocabulary].`);
        }
        vocab = dims[2];
        last = floatValues(logits.type, logits.data);
        past = presentNames.map((name) => {
          const present = result[name];
          if (present === undefined) throw new RerankerError('inference-failed', `The model returned no "${name}" output, which the next run's past needs.`);
          return tensor(present.type === 'float16' ? 'float16' : 'float32', present.data as Float32Array | Uint16Array, present.dims);
        });
      }
      const base = (lastWidth - 1) * vocab;
      tokenIds.forEach((id, k) => {
        out[row * tokenIds.length + k] = (last as ArrayLike<number>)[base + id] as number;
      });
    }
    return out;
  };
}

/** float32 logits as they are; float16 ones (fp16 graphs) decoded. */
function floatValues(type: string, data: unknown): ArrayLike<number> {
  if (data instanceof Float32Array) return data;
  if (type === 'float16' && data instanceof Uint16Array) return halfView(data);
  if (type === 'float16' && ArrayBuffer.isView(data)) return data as unknown as ArrayLike<number>; // Float16Array
  throw new RerankerError('inference-failed', `The model returned ${type} logits; expected float32 or float16.`);
}

/** A read-only view decoding IEEE half floats on access (only k values a row are read). */
function halfView(bits: Uint16Array): ArrayLike<number> {
  return new Proxy(bits as unknown as ArrayLike<number>, {
    get: (target, key) => (typeof key === 'string' && /^\d+$/.test(key) ? halfToFloat(bits[Number(key)] ?? 0) : Reflect.get(target, key)),
  });
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
