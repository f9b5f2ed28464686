/** What the search bench page (search.ts) offers the bench (phases/search.ts); no library imports, so Node can read it. */

export interface SearchIndexRun {
  readonly ms: number;
  /** Main-thread long tasks (> 50 ms) while indexing, in ms. */
  readonly longTasks: number[];
  readonly embedded: number;
  readonly reused: number;
  readonly lexicalFromStore: boolean;
  /** `search.info.lastIndexing.timings`. */
  readonly timings: Record<string, number>;
}

export interface SearchQueryRun {
  /** lexicalMs + denseMs + fusionMs as the worker measured them. */
  readonly firstStageMs: number;
  readonly lexicalMs: number;
  readonly denseMs: number;
  readonly fusionMs: number;
  /** search() from the page, minus the query embedding: the worker round trip included. */
  readonly roundTripMs: number;
}

/** `synthetic`: the bench's seeded pseudo-English (every word in about 11% of passages, a worst case);
 * `man-pages`: the search demo's man-page paragraphs (demo-data/man-pages.json) repeated to `count`. */
export type SearchCorpus = 'synthetic' | 'man-pages';

export interface SearchIndexSetup {
  readonly count: number;
  readonly persist: boolean;
  readonly corpus: SearchCorpus;
  /** Index with the library's `englishStopWords` as `lexical.stopWords` (else none). */
  readonly stopWords: boolean;
}

export interface SearchBenchPage {
  index(setup: SearchIndexSetup): Promise<SearchIndexRun>;
  queries(queries: readonly string[]): Promise<SearchQueryRun[]>;
  dispose(): void;
}

declare global {
  interface Window {
    searchBench?: SearchBenchPage;
  }
}
