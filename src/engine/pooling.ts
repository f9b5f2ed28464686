/**
 * Token vectors -> one vector per text, as sentence-transformers' Pooling and Normalize modules compute them:
 * `cls` takes the first token's vector, `mean` averages the vectors of the text's real tokens (padding left
 * out by the attention mask). Sums run in float64 so a long text's mean is not worse than PyTorch's.
 */
import type { EmbeddingPooling } from '../shared/embedder-types.js';

export interface HiddenStates {
  /** Flat [rows, length, dimensions] output of the graph (`last_hidden_state`). */
  readonly data: Float32Array;
  readonly rows: number;
  readonly length: number;
  readonly dimensions: number;
}

/** Pools one row; `realTokens` is how many leading positions of the row are the text's (the rest padding). */
export function poolRow(hidden: HiddenStates, row: number, realTokens: number, pooling: EmbeddingPooling, normalize: boolean): Float32Array {
  const { data, length, dimensions } = hidden;
  if (row < 0 || row >= hidden.rows) throw new RangeError(`row ${row} is outside the batch of ${hidden.rows}`);
  if (realTokens < 1 || realTokens > length) throw new RangeError(`a row holds 1 to ${length} tokens, got ${realTokens}`);
  const sums = new Float64Array(dimensions);
  const base = row * length * dimensions;
  const count = pooling === 'cls' ? 1 : realTokens;
  for (let token = 0; token < count; token += 1) {
    const offset = base + token * dimensions;
    for (let d = 0; d < dimensions; d += 1) sums[d] = (sums[d] ?? 0) + (data[offset + d] ?? 0);
  }
  let scale = 1 / count;
  if (normalize) {
    let squares = 0;
    for (let d = 0; d < dimensions; d += 1) squares += ((sums[d] ?? 0) * scale) ** 2;
    // sentence-transformers divides by max(norm, 1e-12): an all-zero vector stays zero.
    scale /= Math.max(Math.sqrt(squares), 1e-12);
  }
  const out = new Float32Array(dimensions);
  for (let d = 0; d < dimensions; d += 1) out[d] = (sums[d] ?? 0) * scale;
  return out;
}

/** The hidden states of a batch, with the width checked against what the flat output holds. */
export function hiddenStates(data: Float32Array, rows: number, length: number): HiddenStates {
  const perRow = rows * length;
  if (perRow === 0 || data.length % perRow !== 0 || data.length === 0) {
    throw new RangeError(`the graph returned ${data.length} values for ${rows} x ${length} tokens; expected rows x tokens x dimensions`);
  }
  return { data, rows, length, dimensions: data.length / perRow };
}

/**
 * One row of a graph that pools by itself ([rows, dimensions], an exported embedder): copied, and L2-normalized
 * again in float64 when `normalize` (the graph normalized in its own precision, float16 in fp16 graphs).
 */
export function pooledRow(data: Float32Array, rows: number, row: number, normalize: boolean): Float32Array {
  if (rows < 1 || data.length % rows !== 0 || data.length === 0) {
    throw new RangeError(`the graph returned ${data.length} values for ${rows} rows; expected rows x dimensions`);
  }
  if (row < 0 || row >= rows) throw new RangeError(`row ${row} is outside the batch of ${rows}`);
  const dimensions = data.length / rows;
  const vector = data.subarray(row * dimensions, (row + 1) * dimensions);
  if (!normalize) return Float32Array.from(vector);
  let squares = 0;
  for (const x of vector) squares += x * x;
  const scale = 1 / Math.max(Math.sqrt(squares), 1e-12);
  return Float32Array.from(vector, (x) => x * scale);
}
