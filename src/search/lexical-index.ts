/**
 * The lexical first stage: MiniSearch (BM25+ over the fields, prefix and fuzzy terms, per-field boosts at query
 * time), indexing a document's fields only; the texts themselves stay in the search core.
 */
import MiniSearch from 'minisearch';
import type { LexicalOptions } from '../shared/search-types.js';
import type { ScoredId } from './fusion.js';
import { TopK } from './top-k.js';

type Row = { readonly id: string } & Record<string, string>;

export class LexicalIndex {
  readonly #fields: readonly string[];
  readonly #index: MiniSearch<Row>;

  private constructor(fields: readonly string[], index: MiniSearch<Row>) {
    this.#fields = fields;
    this.#index = index;
  }

  /** MiniSearch's options; stop words (lowercase) are dropped by its `processTerm`, at indexing and query time. */
  static #options(fields: readonly string[], stopWords: readonly string[]) {
    const options = { fields: [...fields], storeFields: [] as string[], idField: 'id' };
    if (stopWords.length === 0) return options;
    const stop = new Set(stopWords);
    return {
      ...options,
      processTerm: (term: string): string | null => {
        const lower = term.toLowerCase();
        return stop.has(lower) ? null : lower;
      },
    };
  }

  static create(fields: readonly string[], stopWords: readonly string[] = []): LexicalIndex {
    return new LexicalIndex(fields, new MiniSearch<Row>(LexicalIndex.#options(fields, stopWords)));
  }

  /** Rebuilds an index saved by `toJSON` (same fields and stop words). */
  static fromJSON(fields: readonly string[], stopWords: readonly string[], json: string): LexicalIndex {
    return new LexicalIndex(fields, MiniSearch.loadJSON<Row>(json, LexicalIndex.#options(fields, stopWords)));
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** Adds `id`, replacing the version it holds. */
  put(id: string, values: readonly string[]): void {
    const row: Record<string, string> = { id };
    this.#fields.forEach((field, index) => {
      row[field] = values[index] ?? '';
    });
    if (this.#index.has(id)) this.#index.discard(id);
    this.#index.add(row as Row);
  }

  delete(id: string): boolean {
    if (!this.#index.has(id)) return false;
    this.#index.discard(id);
    return true;
  }

  /**
   * The `k` best documents that pass `keep` (all when `keep` is absent), best first, in MiniSearch's order. Its
   * `filter` also admits only results that enter the best `k` seen so far, so MiniSearch collects and sorts a few
   * hundred results instead of every match (a third of a common-word corpus): the first `k` are the same.
   */
  search(query: string, k: number, options: LexicalOptions, boosts: Readonly<Record<string, number>>, keep?: (id: string) => boolean): ScoredId[] {
    const best = new TopK(k);
    const hits = this.#index.search(query, {
      filter: keep === undefined ? (result) => best.offer(result.score) : (result) => keep(result.id as string) && best.offer(result.score),
      prefix: options.prefix === 'last' || options.prefix === undefined ? (_term: string, index: number, terms: string[]) => index === terms.length - 1 : options.prefix,
      fuzzy: options.fuzzy ?? 0,
      combineWith: options.combineWith ?? 'OR',
      boost: { ...boosts },
    });
    return hits.slice(0, k).map((hit) => ({ id: hit.id as string, score: hit.score }));
  }

  toJSON(): string {
    return JSON.stringify(this.#index);
  }
}
