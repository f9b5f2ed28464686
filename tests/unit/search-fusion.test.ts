/** Reciprocal rank fusion and the exact dense scan, against sums and sorts computed here from first principles. */
import { describe, expect, it } from 'vitest';
import { DenseIndex } from '../../src/search/dense-index.js';
import { reciprocalRankFusion } from '../../src/search/fusion.js';

const list = (...ids: string[]) => ids.map((id, index) => ({ id, score: 100 - index }));

describe('reciprocalRankFusion', () => {
  it('sums 1 / (k + rank) over the lists a document appears in', () => {
    const fused = reciprocalRankFusion([list('a', 'b', 'c'), list('c', 'a', 'd')], 60);
    const expected: Record<string, number> = { a: 1 / 61 + 1 / 62, b: 1 / 62, c: 1 / 63 + 1 / 61, d: 1 / 63 };
    expect(fused.map((hit) => hit.id)).toEqual(['a', 'c', 'b', 'd']);
    for (const hit of fused) expect(hit.score).toBeCloseTo(expected[hit.id] as number, 15);
    expect(fused.find((hit) => hit.id === 'd')?.ranks).toEqual([undefined, 3]);
  });

  it('breaks ties by the better single rank, then by list order', () => {
    // x and y are both first in one list: equal scores, so list order decides; with k 0, a and b tie at 1.5.
    const fused = reciprocalRankFusion([list('x', 'q'), list('y', 'r')], 60);
    expect(fused.map((hit) => hit.id)).toEqual(['x', 'y', 'q', 'r']);
    const k0 = reciprocalRankFusion([list('a', 'b'), list('b', 'a')], 0);
    expect(k0[0]?.score).toBe(k0[1]?.score);
    expect(k0.map((hit) => hit.id)).toEqual(['a', 'b']);
  });

  it('keeps one list in its own order and fuses nothing to nothing', () => {
    expect(reciprocalRankFusion([list('c', 'a', 'b')], 60).map((hit) => hit.id)).toEqual(['c', 'a', 'b']);
    expect(reciprocalRankFusion([], 60)).toEqual([]);
    expect(reciprocalRankFusion([[], []], 60)).toEqual([]);
  });
});

function randomVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  let state = seed;
  const next = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: count }, () => Float32Array.from({ length: dimensions }, next));
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

describe('DenseIndex', () => {
  it('returns exactly the k best dot products, best first (odd dimension count)', () => {
    const vectors = randomVectors(500, 37, 7);
    const index = new DenseIndex(37, 4);
    vectors.forEach((vector, i) => index.set(`d${i}`, vector, `h${i}`));
    const [query] = randomVectors(1, 37, 99) as [Float32Array];
    const expected = vectors.map((vector, i) => ({ id: `d${i}`, score: dot(vector, query) })).sort((a, b) => b.score - a.score).slice(0, 25);
    const got = index.search(query, 25);
    expect(got.map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id));
    got.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i]?.score as number, 4));
  });

  it('forgets deleted and replaced vectors, keeping the others findable', () => {
    const vectors = randomVectors(50, 8, 3);
    const index = new DenseIndex(8);
    vectors.forEach((vector, i) => index.set(`d${i}`, vector, `h${i}`));
    index.delete('d0');
    index.delete('d49');
    index.set('d10', vectors[20] as Float32Array, 'h20');
    expect(index.size).toBe(48);
    const all = index.search(vectors[5] as Float32Array, 100);
    expect(all).toHaveLength(48);
    expect(all.map((hit) => hit.id)).not.toContain('d0');
    expect(all.find((hit) => hit.id === 'd10')?.score).toBeCloseTo(dot(vectors[20] as Float32Array, vectors[5] as Float32Array), 4);
    expect(index.delete('nope')).toBe(false);
  });
});
