/** What the search bench page (search.ts) offers the bench (phases/search.ts); no library imports, so Node can read it. */

export interface SearchIndexRun {
  readonly ms: number;
  /** Main-thread long tasks (> 50 ms) while indexing, in ms. */
  readonly longTasks: number[];
  readonly embedded: number;
  readonly reused: number;
  readonly lexicalFromStore: boolean;
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

export interface SearchBenchPage {
  index(count: number, persist: boolean): Promise<SearchIndexRun>;
  queries(queries: readonly string[]): Promise<SearchQueryRun[]>;
  dispose(): void;
}

declare global {
  interface Window {
    searchBench?: SearchBenchPage;
  }
}
