/**
 * The batch plan of fixed-shape (captured) models: full buckets handed out as rows come in, leftovers
 * packed longest first. Checked on its own (every row once, within its shape, padded tokens) and through
 * the engine (scores and result order unchanged where short rows ride in a longer batch).
 */
import { describe, expect, it } from 'vitest';
import type { BatchPlan } from '../../src/engine/batching.js';
import { BucketBatcher, bucketOf } from '../../src/engine/bucket-batches.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import { captureShapes } from '../../src/runtime/capture-policy.js';
import { seededRandom } from '../../scripts/shared/seeded-random.js';
import { charIds, fakeLoader, fakeLogit, type FakeModelControls } from './fake-model.js';

/** Feeds `lengths` in order, as the streamed path does; returns the full batches, then the leftovers. */
function plan(lengths: readonly number[], buckets: readonly number[], capacity: (length: number) => number): { full: BatchPlan[]; left: BatchPlan[] } {
  const batcher = new BucketBatcher(buckets, capacity);
  const full = lengths.flatMap((length, row) => batcher.add(row, length) ?? []);
  return { full, left: batcher.finish() };
}

const padded = (batches: readonly BatchPlan[], capacity: (length: number) => number): number =>
  batches.reduce((sum, batch) => sum + batch.length * capacity(batch.length), 0);

/** What leftovers cost when each bucket's rows run in a batch of their own (the plan before packing). */
function perBucketLeftovers(lengths: readonly number[], buckets: readonly number[], capacity: (length: number) => number): number {
  const counts = new Map<number, number>();
  for (const length of lengths) {
    const bucket = bucketOf(length, buckets);
    counts.set(bucket, ((counts.get(bucket) ?? 0) + 1) % capacity(bucket));
  }
  return [...counts].reduce((sum, [bucket, left]) => sum + (left > 0 ? bucket * capacity(bucket) : 0), 0);
}

describe('BucketBatcher', () => {
  const buckets = [32, 64, 128, 256, 512];
  const capacity = (length: number): number => Math.min(64, Math.floor(4096 / length));

  it('hands a bucket out as soon as it is full, padded to the bucket', () => {
    const batcher = new BucketBatcher(buckets, capacity);
    for (let row = 0; row < 7; row++) expect(batcher.add(row, 300 + row)).toBeUndefined();
    expect(batcher.add(7, 512)).toEqual({ members: [0, 1, 2, 3, 4, 5, 6, 7], length: 512 });
    expect(batcher.finish()).toEqual([]);
  });

  it('packs leftovers longest first: short rows fill the free rows of a longer batch', () => {
    // 3 rows for 8x512, 5 for 16x256, 2 for 32x128: one 8x512 batch takes the 3 long and 5 middle rows.
    const lengths = [400, 200, 100, 450, 210, 220, 90, 230, 240, 500];
    const { full, left } = plan(lengths, buckets, capacity);
    expect(full).toEqual([]);
    expect(left).toEqual([
      { members: [9, 3, 0, 8, 7, 5, 4, 1], length: 512 },
      { members: [2, 6], length: 128 },
    ]);
    expect(padded(left, capacity)).toBe(4096 + 4096);
    expect(perBucketLeftovers(lengths, buckets, capacity)).toBe(3 * 4096);
  });

  it('keeps every row exactly once, within its shape, and never pads more than a batch per bucket', () => {
    const random = seededRandom(13);
    const fine = captureShapes(512, 4096, 64, undefined, [32, 64, 96, 128, 192, 256, 320, 384]);
    const rowsOf = (length: number): number => fine.find((shape) => shape.length === length)?.rows ?? 1;
    for (let trial = 0; trial < 200; trial++) {
      const count = 1 + Math.floor(random() * 150);
      const lengths = Array.from({ length: count }, () => 3 + Math.floor(random() * 510));
      const lengthsOf = fine.map((shape) => shape.length);
      const { full, left } = plan(lengths, lengthsOf, rowsOf);
      const all = [...full, ...left];
      expect(all.flatMap((batch) => batch.members).sort((a, b) => a - b)).toEqual(lengths.map((_, row) => row));
      for (const batch of all) {
        expect(lengthsOf).toContain(batch.length);
        expect(batch.members.length).toBeLessThanOrEqual(rowsOf(batch.length));
        for (const member of batch.members) expect(lengths[member]).toBeLessThanOrEqual(batch.length);
      }
      for (const batch of full) expect(batch.members.length).toBe(rowsOf(batch.length));
      // Packing only ever drops whole batches of the per-bucket plan: never more padded tokens.
      expect(padded(left, rowsOf)).toBeLessThanOrEqual(perBucketLeftovers(lengths, lengthsOf, rowsOf));
    }
  });

  it('gives a row longer than the last bucket a batch of its own length', () => {
    expect(plan([700, 20], [32, 512], () => 1).full).toEqual([
      { members: [0], length: 700 },
      { members: [1], length: 32 },
    ]);
  });
});

describe('the engine with packed leftovers', () => {
  it('scores every pair as alone and returns them in order when short rows ride in a longer batch', async () => {
    const controls: FakeModelControls = { batches: [], disposed: false };
    const base = fakeLoader(controls, 128);
    // Buckets 16 / 32 / 64 / 128 with 8 / 4 / 2 / 1 rows (budget 128): the 105-token row fills 1x128 at once;
    // the 25-token row rides in the free row of the 55-token row's 2x64 batch; the three 7-token rows share 16.
    const engine = new RerankEngine(async (request, progress) => ({
      ...(await base(request, progress)),
      batchLengths: [16, 32, 64, 128],
    }));
    await engine.load({ model: 'fake', batchTokenBudget: 128 });
    controls.batches.length = 0;
    const documents = ['x'.repeat(50), 'ab', 'y'.repeat(20), 'cd', 'z'.repeat(100), 'ef'];
    const results = await engine.rerank(1, 'q?', documents);
    expect(controls.batches.map((batch) => `${batch.batchSize}x${batch.length}`)).toEqual(['1x128', '2x64', '3x16']);
    expect(engine.lastTimings()?.batches).toBe(3);
    const expected = documents.map((text) => fakeLogit([101, ...charIds('q?'), 102, ...charIds(text), 102]));
    expect(results.map((result) => result.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const result of results) {
      expect(result.score).toBeCloseTo(expected[result.index] ?? Number.NaN, 6);
    }
    expect(results.map((result) => result.score)).toEqual([...results.map((result) => result.score)].sort((a, b) => b - a));
  });
});
