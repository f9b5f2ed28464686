/**
 * Groups encoded pairs into padded batches. Pairs are sorted by length so that each batch pads only to
 * its own longest pair (padding 100 pairs to the longest of them wastes most of the work on mixed
 * lengths), and a batch holds at most `tokenBudget` padded tokens.
 */

export interface BatchPlan {
  /** Indices into the encoded pairs, in the order their rows appear in the batch. */
  readonly members: readonly number[];
  /** Padded sequence length of this batch. */
  readonly length: number;
}

export interface BatchTensors {
  readonly batchSize: number;
  readonly length: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
}

/**
 * `maxBatchSize`: most rows per batch, or a function of the batch's padded length (memory limits: fewer
 * rows at long lengths; it must allow at least one row).
 */
export function planBatches(
  lengths: readonly number[],
  tokenBudget: number,
  maxBatchSize: number | ((length: number) => number) = 64,
): BatchPlan[] {
  const rowsAt = typeof maxBatchSize === 'number' ? () => maxBatchSize : maxBatchSize;
  const order = lengths.map((_, index) => index).sort((a, b) => (lengths[a] ?? 0) - (lengths[b] ?? 0) || a - b);
  const batches: BatchPlan[] = [];
  let members: number[] = [];
  let longest = 0;
  for (const index of order) {
    const length = lengths[index] ?? 0;
    // Sorted ascending, so this pair is the longest so far: the batch would pad every row to it.
    const wouldHold = (members.length + 1) * Math.max(longest, length);
    if (members.length > 0 && (wouldHold > tokenBudget || members.length >= rowsAt(Math.max(longest, length)))) {
      batches.push({ members, length: longest });
      members = [];
      longest = 0;
    }
    members.push(index);
    longest = Math.max(longest, length);
  }
  if (members.length > 0) batches.push({ members, length: longest });
  return batches;
}

/** Right-pads the batch's rows into flat int64 tensors (the layout ONNX exports of these models take). */
export function buildBatchTensors(
  plan: BatchPlan,
  pairs: readonly { readonly inputIds: readonly number[]; readonly tokenTypeIds: readonly number[] }[],
  padTokenId: number,
): BatchTensors {
  const batchSize = plan.members.length;
  const { length } = plan;
  const inputIds = new BigInt64Array(batchSize * length).fill(BigInt(padTokenId));
  const attentionMask = new BigInt64Array(batchSize * length);
  const tokenTypeIds = new BigInt64Array(batchSize * length);
  plan.members.forEach((pairIndex, row) => {
    const pair = pairs[pairIndex];
    if (pair === undefined) throw new RangeError(`batch member ${pairIndex} has no encoded pair`);
    const offset = row * length;
    pair.inputIds.forEach((id, position) => {
      inputIds[offset + position] = BigInt(id);
      attentionMask[offset + position] = 1n;
      tokenTypeIds[offset + position] = BigInt(pair.tokenTypeIds[position] ?? 0);
    });
  });
  return { batchSize, length, inputIds, attentionMask, tokenTypeIds };
}
