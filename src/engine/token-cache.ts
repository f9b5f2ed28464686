/**
 * Token ids of texts tokenized before, kept by the engine across calls: apps rerank candidates drawn from
 * the same corpus again and again (a docs site, a notes app), and tokenizing is the CPU side of a GPU
 * rerank. Measured by `npm run bench:gpu` on an H200 host: tokenizing 100 mixed-length passages takes
 * 50-90 ms in transformers.js, as long as scoring them. Least recently used texts go first once the cache
 * holds `maxTokens` ids in all (about 8 bytes each).
 */
export class TokenCache {
  readonly #maxTokens: number;
  readonly #entries = new Map<string, readonly number[]>();
  #tokens = 0;

  constructor(maxTokens: number) {
    this.#maxTokens = maxTokens;
  }

  /** The ids of `text`, from the cache or from `tokenize` (then cached). */
  ids(text: string, tokenize: (text: string) => number[]): readonly number[] {
    const cached = this.#entries.get(text);
    if (cached !== undefined) {
      // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
      this.#entries.delete(text);
      this.#entries.set(text, cached);
      return cached;
    }
    const ids = tokenize(text);
    if (ids.length > this.#maxTokens) return ids;
    this.#entries.set(text, ids);
    this.#tokens += ids.length;
    for (const [key, value] of this.#entries) {
      if (this.#tokens <= this.#maxTokens) break;
      this.#entries.delete(key);
      this.#tokens -= value.length;
    }
    return ids;
  }

  get size(): number {
    return this.#entries.size;
  }

  get tokens(): number {
    return this.#tokens;
  }
}
