/**
 * The one seeded random generator of the tests and the benchmarks (the fuzz suites, `npm run bench`,
 * `npm run bench:gpu`): mulberry32, small, fast, and the same sequence on every engine for a given seed, so
 * a printed seed reproduces the same inputs. Plain TypeScript with no Node or DOM imports: it runs in Node,
 * in Vitest and in a page served by Vite. Changing it changes every seeded input; don't.
 */

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Random {
  next(): number;
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/** Helpers over one `seededRandom(seed)` sequence; each call draws exactly one number. */
export function random(seed: number): Random {
  const next = seededRandom(seed);
  return {
    next,
    int: (below) => Math.floor(next() * below),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (probability) => next() < probability,
  };
}
