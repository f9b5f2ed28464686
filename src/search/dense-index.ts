/**
 * Exact dense search: every document's embedding in one Float32Array (rows zero-padded to 16 floats, in the
 * WebAssembly SIMD kernel's memory where it runs), scored by dot product (cosine for the L2-normalized vectors the
 * embedders return) against the query, every row scored, the best `k` kept by a bounded heap (top-k.ts).
 * It also knows each slot's content hash and which blocks of slots changed since the store last saved them.
 */
import { DotKernel, paddedStride } from './dot-kernel.js';
import type { ScoredId } from './fusion.js';
import { TopK } from './top-k.js';

/** Slots changed since the last save, as whole blocks of `size` slots, ready to store. */
export interface VectorBlock {
  readonly block: number;
  readonly hashes: string[];
  readonly vectors: Float32Array;
}

export interface DenseIndexOptions {
  /** Scan with the WebAssembly SIMD kernel where it can run. Default `true` (`false`: the JavaScript scan, for tests). */
  readonly kernel?: boolean;
}

export class DenseIndex {
  readonly dimensions: number;
  /** Floats per stored row: `dimensions` zero-padded to the kernel's 16-float step. */
  readonly #stride: number;
  #kernel: DotKernel | undefined;
  /** `capacity * stride` floats: the kernel's memory, or a plain array where the kernel cannot run. */
  #vectors: Float32Array;
  #ids: string[] = [];
  #hashes: string[] = [];
  readonly #slots = new Map<string, number>();
  /** Slots written or moved since `takeDirtyBlocks`. */
  readonly #dirty = new Set<number>();

  constructor(dimensions: number, capacity = 1024, options: DenseIndexOptions = {}) {
    this.dimensions = dimensions;
    this.#stride = paddedStride(dimensions);
    const rows = Math.max(1, capacity);
    this.#kernel = options.kernel === false ? undefined : DotKernel.create(this.#stride, rows);
    this.#vectors = this.#kernel?.rows ?? new Float32Array(rows * this.#stride);
  }

  /** Whether the scan runs in the WebAssembly SIMD kernel. */
  get usesKernel(): boolean {
    return this.#kernel !== undefined;
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
    this.#vectors.set(vector, slot * this.#stride);
    this.#dirty.add(slot);
  }

  /**
   * Stores many vectors, as `set` does for each (ids unique). Runs of new ids whose vectors lie back to back in
   * one buffer (the blocks read from IndexedDB, in stored order) are copied in one call: copying row by row into
   * the kernel's memory was most of the time of placing 10,000 stored vectors.
   */
  setMany(items: readonly { readonly id: string; readonly vector: Float32Array; readonly hash: string }[]): void {
    const d = this.dimensions;
    let i = 0;
    while (i < items.length) {
      const first = items[i] as (typeof items)[number];
      let end = i + 1;
      if (this.#stride === d && !this.#slots.has(first.id)) {
        while (end < items.length) {
          const next = (items[end] as (typeof items)[number]).vector;
          const previous = (items[end - 1] as (typeof items)[number]).vector;
          if (next.buffer !== first.vector.buffer || next.length !== d || next.byteOffset !== previous.byteOffset + d * 4 || this.#slots.has((items[end] as (typeof items)[number]).id)) break;
          end++;
        }
      }
      if (end - i < 2) {
        this.set(first.id, first.vector, first.hash);
        i++;
        continue;
      }
      const start = this.#ids.length;
      this.#grow(start + end - i);
      this.#vectors.set(new Float32Array(first.vector.buffer, first.vector.byteOffset, (end - i) * d), start * d);
      for (let k = i; k < end; k++) {
        const { id, hash } = items[k] as (typeof items)[number];
        const slot = start + k - i;
        this.#ids.push(id);
        this.#hashes.push(hash);
        this.#slots.set(id, slot);
        this.#dirty.add(slot);
      }
      i = end;
    }
  }

  /** Makes room for `rows` vectors at once (placing 10,000 stored vectors otherwise grows the memory step by step). */
  reserve(rows: number): void {
    this.#grow(rows);
  }

  /** Moves the last vector into the freed slot, so the scan stays over one dense block. */
  delete(id: string): boolean {
    const slot = this.#slots.get(id);
    if (slot === undefined) return false;
    const last = this.#ids.length - 1;
    const lastId = this.#ids[last] as string;
    if (slot !== last) {
      const stride = this.#stride;
      this.#vectors.copyWithin(slot * stride, last * stride, (last + 1) * stride);
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
    const count = this.#ids.length;
    const best = new TopK(Math.min(k, count));
    if (this.#kernel !== undefined) {
      const scores = this.#kernel.scores(query, count);
      for (let slot = 0; slot < count; slot++) best.offer(scores[slot] as number, slot);
    } else {
      for (let slot = 0; slot < count; slot++) best.offer(this.#dot(query, slot), slot);
    }
    return best.sorted().map(({ score, position }) => ({ id: this.#ids[position] as string, score }));
  }

  /** The scalar scan, four accumulators (where the kernel cannot run). */
  #dot(query: Float32Array, slot: number): number {
    const d = this.dimensions;
    const vectors = this.#vectors;
    const base = slot * this.#stride;
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
    return s0 + s1 + s2 + s3;
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
    const blocks = numbers.map((block) => {
      const start = block * size;
      const end = Math.min(this.#ids.length, start + size);
      return { block, hashes: this.#hashes.slice(start, end), vectors: this.#rowsOf(start, end) };
    });
    return { blocks, count };
  }

  /** Slots `start` to `end` as `dimensions`-float rows, without the padding (a copy). */
  #rowsOf(start: number, end: number): Float32Array {
    const d = this.dimensions;
    const stride = this.#stride;
    if (stride === d) return this.#vectors.slice(start * d, end * d);
    const out = new Float32Array((end - start) * d);
    for (let slot = start; slot < end; slot++) out.set(this.#vectors.subarray(slot * stride, slot * stride + d), (slot - start) * d);
    return out;
  }

  #grow(slots: number): void {
    const stride = this.#stride;
    const capacity = this.#vectors.length / stride;
    if (slots <= capacity) return;
    const next = Math.max(slots, capacity * 2);
    if (this.#kernel !== undefined) {
      try {
        this.#kernel.reserve(next);
        this.#vectors = this.#kernel.rows;
        return;
      } catch {
        // The kernel's memory cannot grow (32-bit WebAssembly memory is at most 4 GiB): scan in JavaScript.
        this.#kernel = undefined;
      }
    }
    const grown = new Float32Array(next * stride);
    grown.set(this.#vectors.subarray(0, this.#ids.length * stride));
    this.#vectors = grown;
  }
}
