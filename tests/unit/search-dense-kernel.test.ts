/**
 * The dense scan's WebAssembly SIMD kernel and the bounded top-k: the kernel's scores against dot products
 * computed here in float64, the kernel and the JavaScript scan against a full sort (same ids, padding, growth,
 * deletion), the stored blocks without padding, the committed bytes against the .wat source, and TopK against
 * a sort (ties to the earlier offer).
 */
import { readFileSync } from 'node:fs';
import initWabt from 'wabt';
import { describe, expect, it } from 'vitest';
import { DenseIndex } from '../../src/search/dense-index.js';
import { DotKernel, paddedStride } from '../../src/search/dot-kernel.js';
import { DOT_KERNEL_WASM_BASE64 } from '../../src/search/dot-kernel-wasm.js';
import { TopK } from '../../src/search/top-k.js';
import { seededRandom } from '../../scripts/shared/seeded-random.js';

function unitVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const vector = Float32Array.from({ length: dimensions }, () => random() * 2 - 1);
    const norm = Math.hypot(...vector);
    return vector.map((value) => value / norm);
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function reference(vectors: readonly Float32Array[], query: Float32Array, k: number): { id: string; score: number }[] {
  return vectors
    .map((vector, i) => ({ id: `d${i}`, score: dot(vector, query), slot: i }))
    .sort((a, b) => b.score - a.score || a.slot - b.slot)
    .slice(0, k)
    .map(({ id, score }) => ({ id, score }));
}

describe('DotKernel', () => {
  it('is the module compiled from dot-kernel.wat (run npm run build:dot-kernel after editing it)', async () => {
    const wabt = await initWabt();
    const module = wabt.parseWat('dot-kernel.wat', readFileSync('src/search/dot-kernel.wat', 'utf8'), { simd: true });
    const { buffer } = module.toBinary({});
    module.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(DOT_KERNEL_WASM_BASE64);
  });

  it('scores every row as float64 dot products do, to float32 rounding (padded dimensions)', () => {
    for (const dimensions of [384, 37, 16, 1]) {
      const vectors = unitVectors(300, dimensions, dimensions);
      const [query] = unitVectors(1, dimensions, 99) as [Float32Array];
      const kernel = DotKernel.create(paddedStride(dimensions), 8) as DotKernel;
      expect(kernel).toBeDefined();
      kernel.reserve(vectors.length);
      vectors.forEach((vector, slot) => kernel.rows.set(vector, slot * kernel.stride));
      const scores = kernel.scores(query, vectors.length);
      expect(scores).toHaveLength(300);
      vectors.forEach((vector, slot) => expect(Math.abs((scores[slot] as number) - dot(vector, query))).toBeLessThan(1e-6));
    }
  });
});

describe('DenseIndex, kernel and JavaScript scans', () => {
  for (const kernel of [true, false]) {
    it(`${kernel ? 'kernel' : 'JavaScript'}: exactly the k best, best first, through growth and deletion`, () => {
      const dimensions = 384;
      const vectors = unitVectors(3000, dimensions, 5);
      const index = new DenseIndex(dimensions, 4, { kernel });
      expect(index.usesKernel).toBe(kernel);
      vectors.forEach((vector, i) => index.set(`d${i}`, vector, `h${i}`));
      for (const [query] of [unitVectors(1, dimensions, 11), unitVectors(1, dimensions, 12)] as [Float32Array][]) {
        const expected = reference(vectors, query, 50);
        const got = index.search(query, 50);
        expect(got.map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id));
        got.forEach((hit, i) => expect(Math.abs(hit.score - (expected[i]?.score as number))).toBeLessThan(1e-6));
      }
      // Delete a third: the moved rows must carry their padding and still score right.
      const alive = new Map(vectors.map((vector, i) => [`d${i}`, vector]));
      for (let i = 0; i < 3000; i += 3) {
        index.delete(`d${i}`);
        alive.delete(`d${i}`);
      }
      const [query] = unitVectors(1, dimensions, 13) as [Float32Array];
      const expected = [...alive].map(([id, vector]) => ({ id, score: dot(vector, query) })).sort((a, b) => b.score - a.score).slice(0, 20);
      expect(index.search(query, 20).map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id));
      expect(index.search(query, 5000)).toHaveLength(2000);
    });
  }

  it('stores blocks without the padding', () => {
    const vectors = unitVectors(10, 37, 3);
    const index = new DenseIndex(37);
    vectors.forEach((vector, i) => index.set(`d${i}`, vector, `h${i}`));
    const { blocks, count } = index.takeDirtyBlocks(4);
    expect(count).toBe(3);
    expect(blocks.map((block) => block.vectors.length)).toEqual([4 * 37, 4 * 37, 2 * 37]);
    expect([...(blocks[2]?.vectors.subarray(37) ?? [])]).toEqual([...(vectors[9] as Float32Array)]);
  });
});

describe('TopK', () => {
  it('keeps the k best offers, ties to the earlier one, as a sort does', () => {
    const random = seededRandom(42);
    // Scores from a few values, so there are many ties.
    const scores = Array.from({ length: 2000 }, () => Math.floor(random() * 40));
    for (const k of [0, 1, 7, 50, 2000, 3000]) {
      const best = new TopK(k);
      const admitted = scores.map((score, position) => best.offer(score, position));
      const expected = scores.map((score, position) => ({ score, position })).sort((a, b) => b.score - a.score || a.position - b.position).slice(0, k);
      expect(best.sorted()).toEqual(expected);
      // Every final entry was admitted when offered.
      for (const { position } of expected) expect(admitted[position]).toBe(true);
    }
  });
});

describe('DenseIndex.setMany', () => {
  /** Vectors back to back in blocks (as read from IndexedDB), with views into them. */
  function blocks(vectors: readonly Float32Array[], size: number, dimensions: number): Float32Array[] {
    const views: Float32Array[] = [];
    for (let start = 0; start < vectors.length; start += size) {
      const block = new Float32Array(Math.min(size, vectors.length - start) * dimensions);
      vectors.slice(start, start + size).forEach((vector, i) => block.set(vector, i * dimensions));
      for (let i = 0; i * dimensions < block.length; i++) views.push(block.subarray(i * dimensions, (i + 1) * dimensions));
    }
    return views;
  }

  for (const dimensions of [384, 37]) {
    for (const kernel of [true, false]) {
      it(`equals set one by one (${dimensions} dimensions, ${kernel ? 'kernel' : 'JavaScript'}): runs, a broken run, ids already held`, () => {
        const vectors = unitVectors(700, dimensions, dimensions);
        const views = blocks(vectors, 256, dimensions);
        // Out of order in the middle (breaks a run), and two ids set before.
        const rest = Array.from({ length: 700 }, (_, i) => i).filter((i) => i !== 450);
        const order = [...rest.slice(0, 300), 450, ...rest.slice(300)];
        const bulk = new DenseIndex(dimensions, 16, { kernel });
        const single = new DenseIndex(dimensions, 16, { kernel });
        for (const index of [bulk, single]) {
          index.set('d5', vectors[699] as Float32Array, 'old');
          index.set('d600', vectors[0] as Float32Array, 'old');
        }
        const items = order.map((i) => ({ id: `d${i}`, vector: views[i] as Float32Array, hash: `h${i}` }));
        bulk.setMany(items);
        for (const item of items) single.set(item.id, item.vector, item.hash);
        expect(bulk.size).toBe(700);
        for (const query of unitVectors(5, dimensions, 99)) {
          expect(bulk.search(query, 50)).toEqual(single.search(query, 50));
          const expected = reference(vectors, query, 10);
          const found = bulk.search(query, 10);
          expect(found.map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id));
          found.forEach((hit, i) => expect(hit.score).toBeCloseTo((expected[i] as { score: number }).score, 6));
        }
        expect(bulk.takeDirtyBlocks(128)).toEqual(single.takeDirtyBlocks(128));
      });
    }
  }
});
