/**
 * Token ids of texts tokenized before, kept by the engine across calls: apps rerank candidates drawn from
 * the same corpus again and again (a docs site, a notes app), and tokenizing is the CPU side of a GPU
 * rerank, as long as the GPU's scoring for mixed-length passages (docs/design.md, token cache and word memo).
 *
 * Bounded by what it holds, not by how many texts: least recently used texts go first once the cache holds
 * `maxTokens` ids in all (about 8 bytes each) or `maxChars` characters of key text (2 bytes each), whichever
 * comes first. The key text counts because a text can cost many characters and no tokens (100,000 spaces
 * tokenize to nothing). A text longer than `maxTextChars` is never kept: it would push out hundreds of short
 * passages, and a long text is rarely reranked again verbatim.
 */
export interface TokenCacheLimits {
  /** Token ids kept in all. */
  readonly maxTokens: number;
  /** Characters (UTF-16 code units) of the cached texts in all. */
  readonly maxChars: number;
  /** Longest text (in characters) that is cached at all. */
  readonly maxTextChars: number;
}

export class TokenCache {
  readonly #limits: TokenCacheLimits;
  readonly #entries = new Map<string, readonly number[]>();
  #tokens = 0;
  #chars = 0;

  constructor(limits: TokenCacheLimits) {
    this.#limits = limits;
  }

  /** The ids of `text`, from the cache or from `tokenize` (then cached, when it fits). */
  ids(text: string, tokenize: (text: string) => number[]): readonly number[] {
    const cached = this.#entries.get(text);
    if (cached !== undefined) {
      // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
      this.#entries.delete(text);
      this.#entries.set(text, cached);
      return cached;
    }
    const ids = tokenize(text);
    const { maxTokens, maxChars, maxTextChars } = this.#limits;
    if (text.length > maxTextChars || text.length > maxChars || ids.length > maxTokens) return ids;
    this.#entries.set(text, ids);
    this.#tokens += ids.length;
    this.#chars += text.length;
    for (const [key, value] of this.#entries) {
      if (this.#tokens <= maxTokens && this.#chars <= maxChars) break;
      this.#entries.delete(key);
      this.#tokens -= value.length;
      this.#chars -= key.length;
    }
    return ids;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Token ids held. */
  get tokens(): number {
    return this.#tokens;
  }

  /** Characters of the texts held (the keys). */
  get chars(): number {
    return this.#chars;
  }
}
