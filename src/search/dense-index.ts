/**
 * Exact dense search: every document's embedding in one Float32Array, scored by dot product (cosine for the
 * L2-normalized vectors the embedders return) against the query, best `k` kept by a bounded insertion list.
 * It also knows each slot's content hash and which blocks of slots changed since the store last saved them.
 */
import type { ScoredId } from './fusion.js';

/** Slots changed since the last save, as whole blocks of `size` slots, ready to store. */
export interface VectorBlock {
  readonly block: number;
  readonly hashes: string[];
  readonly vectors: Float32Array;
}

export class DenseIndex {
  readonly dimensions: number;
  #vectors: Float32Array;
  #ids: string[] = [];
  #hashes: string[] = [];
  readonly #slots = new Map<string, number>();
  /** Slots written or moved since `takeDirtyBlocks`. */
  readonly #dirty = new Set<number>();

  constructor(dimensions: number, capacity = 1024) {
    this.dimensions = dimensions;
    this.#vectors = new Float32Array(Math.max(1, capacity) * dimensions);
  }

  get size(): number {
    return this.#ids.length;
  }

  has(id: string): boolean {
    return this.#slots.has(id);
  }

  /** Stores (or replaces) `id`'s vector, made from content `hash`; the caller has checked its length. */
  set(id: string, vector: Float32Array, hash: string): void {
    let slot = this.#slots.get(id);
    if (slot === undefined) {
      slot = this.#ids.length;
      this.#grow(slot + 1);
      this.#ids.push(id);
      this.#hashes.push(hash);
      this.#slots.set(id, slot);
    }
    this.#hashes[slot] = hash;
    this.#vectors.set(vector, slot * this.dimensions);
    this.#dirty.add(slot);
  }

  /** Moves the last vector into the freed slot, so the scan stays over one dense block. */
  delete(id: string): boolean {
    const slot = this.#slots.get(id);
    if (slot === undefined) return false;
    const last = this.#ids.length - 1;
    const lastId = this.#ids[last] as string;
    if (slot !== last) {
      const d = this.dimensions;
      this.#vectors.copyWithin(slot * d, last * d, (last + 1) * d);
      this.#ids[slot] = lastId;
      this.#hashes[slot] = this.#hashes[last] as string;
      this.#slots.set(lastId, slot);
      this.#dirty.add(slot);
    }
    this.#dirty.add(last);
    this.#ids.pop();
    this.#hashes.pop();
    this.#slots.delete(id);
    return true;
  }

  /** The `k` best documents for `query`, best first (ties: the earlier slot first). */
  search(query: Float32Array, k: number): ScoredId[] {
    const d = this.dimensions;
    const count = this.#ids.length;
    const vectors = this.#vectors;
    const bestScores: number[] = [];
    const bestSlots: number[] = [];
    for (let slot = 0; slot < count; slot++) {
      const base = slot * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 3 < d; i += 4) {
        s0 += (vectors[base + i] as number) * (query[i] as number);
        s1 += (vectors[base + i + 1] as number) * (query[i + 1] as number);
        s2 += (vectors[base + i + 2] as number) * (query[i + 2] as number);
        s3 += (vectors[base + i + 3] as number) * (query[i + 3] as number);
      }
      for (; i < d; i++) s0 += (vectors[base + i] as number) * (query[i] as number);
      const score = s0 + s1 + s2 + s3;
      if (bestScores.length === k && !(score > (bestScores[k - 1] as number))) continue;
      let at = bestScores.length === k ? k - 1 : bestScores.length;
      while (at > 0 && score > (bestScores[at - 1] as number)) {
        bestScores[at] = bestScores[at - 1] as number;
        bestSlots[at] = bestSlots[at - 1] as number;
        at--;
      }
      bestScores[at] = score;
      bestSlots[at] = slot;
    }
    return bestSlots.map((slot, index) => ({ id: this.#ids[slot] as string, score: bestScores[index] as number }));
  }

  /** Forgets changes of slots that hold what `layout` (the stored slot order) says they hold. */
  markStored(layout: readonly string[]): void {
    for (const slot of this.#dirty) if (this.#hashes[slot] === layout[slot]) this.#dirty.delete(slot);
  }

  /** Copies of the blocks (of `size` slots) holding a changed slot, and how many blocks there are now. */
  takeDirtyBlocks(size: number): { blocks: VectorBlock[]; count: number } {
    const count = Math.ceil(this.#ids.length / size);
    const numbers = [...new Set([...this.#dirty].map((slot) => Math.floor(slot / size)))].filter((block) => block < count).sort((a, b) => a - b);
    this.#dirty.clear();
    const d = this.dimensions;
    const blocks = numbers.map((block) => {
      const start = block * size;
      const end = Math.min(this.#ids.length, start + size);
      return { block, hashes: this.#hashes.slice(start, end), vectors: this.#vectors.slice(start * d, end * d) };
    });
    return { blocks, count };
  }

  #grow(slots: number): void {
    if (slots * this.dimensions <= this.#vectors.length) return;
    const next = new Float32Array(Math.max(slots, (this.#vectors.length / this.dimensions) * 2) * this.dimensions);
    next.set(this.#vectors);
    this.#vectors = next;
  }
}
