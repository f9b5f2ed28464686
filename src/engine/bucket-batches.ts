/**
 * The batch plan of fixed-shape models (graph capture): every row pads to its length bucket, and a batch
 * holds at most a bucket's capacity (the rows of the captured shape of that length). Rows come in while a
 * call is tokenized: a bucket's batch is handed out as soon as it is full, so it can run while later
 * passages are still being tokenized. What is left at the end is packed longest row first: each batch
 * pads to the bucket of its longest row and fills that shape's free rows with the next longest rows of any
 * bucket, so a leftover row of a short bucket rides in rows a longer batch would pad anyway instead of
 * starting a half-empty batch of its own (the padding is masked: a row's score does not depend on where it
 * runs). Pure, so the plan is unit-tested and measured without a model (scripts/bench-gpu/batch-plan.ts).
 */
import type { BatchPlan } from './batching.js';

export class BucketBatcher {
  readonly #buckets: readonly number[];
  readonly #capacity: (length: number) => number;
  /** Rows waiting, by the bucket they pad to. */
  readonly #waiting = new Map<number, number[]>();
  /** Each waiting row's own length in tokens. */
  readonly #lengths = new Map<number, number>();

  /**
   * `buckets`: the lengths rows pad to, ascending (a row longer than the last keeps its own length).
   * `capacity`: most rows of a batch padded to a length (at least 1).
   */
  constructor(buckets: readonly number[], capacity: (length: number) => number) {
    this.#buckets = buckets;
    this.#capacity = (length) => Math.max(1, capacity(length));
  }

  /** Adds row `row` of `length` tokens; returns its bucket's batch once that is full. */
  add(row: number, length: number): BatchPlan | undefined {
    const bucket = bucketOf(length, this.#buckets);
    const members = this.#waiting.get(bucket) ?? [];
    members.push(row);
    this.#lengths.set(row, length);
    if (members.length < this.#capacity(bucket)) {
      this.#waiting.set(bucket, members);
      return undefined;
    }
    this.#waiting.delete(bucket);
    for (const member of members) this.#lengths.delete(member);
    return { members, length: bucket };
  }

  /** The rows still waiting, packed longest first into as few batches as their buckets allow. */
  finish(): BatchPlan[] {
    const lengths = new Map(this.#lengths);
    const left = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    this.#lengths.clear();
    const length = (row: number): number => lengths.get(row) ?? 0;
    left.sort((a, b) => length(b) - length(a) || a - b);
    const batches: BatchPlan[] = [];
    for (let start = 0; start < left.length; ) {
      const bucket = bucketOf(length(left[start] as number), this.#buckets);
      const members = left.slice(start, start + this.#capacity(bucket));
      batches.push({ members, length: bucket });
      start += members.length;
    }
    return batches;
  }
}

/** The bucket a row of `length` tokens pads to: the first that holds it, or its own length past the last. */
export function bucketOf(length: number, buckets: readonly number[]): number {
  return buckets.find((bucket) => bucket >= length) ?? length;
}
