/** What the browser GPU bench's search scenario (search-bench.ts, in page.js) puts on `window.gpuSearchBench`, as search-drive.ts calls it. */
import type { SearchTimings } from '../../../src/index.js';

export interface SearchBenchModel {
  readonly model: string;
  /** URL of the folder that holds `<model>/` in the Hub layout. */
  readonly modelBaseUrl: string;
  readonly device: 'webgpu' | 'wasm';
  readonly dtype: string;
}

export interface SearchBenchOptions {
  /** URL of the man-page paragraphs (demo-data/man-pages.json: `{ id, title, text }[]`). */
  readonly corpusUrl: string;
  /** How many paragraphs to index (the corpus's first ones; at most its length). */
  readonly passages: number;
  readonly embedder: SearchBenchModel;
  readonly reranker: SearchBenchModel;
  /** `lexical: { stopWords: englishStopWords }`, as the search demo. */
  readonly stopWords: boolean;
}

export interface SearchBenchLoaded {
  readonly device: string;
  readonly dtype: string;
  /** createEmbedder / createReranker, from the call to the resolved object (download, session, warm-up). */
  readonly ms: number;
  readonly fallbackReason?: string;
}

export interface SearchBenchIndexed {
  readonly passages: number;
  readonly embedder: SearchBenchLoaded & { readonly dimensions: number };
  readonly reranker: SearchBenchLoaded;
  /** createSearch over the passages, from the call to the resolved search (lexical index and every embedding). */
  readonly createSearchMs: number;
  /** From createSearch's call to its last `embed` progress (every passage embedded). */
  readonly embedAllMs: number;
  readonly embedded: number;
}

export interface SearchBenchQuery {
  /** The whole `search()` call as the page sees it (worker round trips included). */
  readonly ms: number;
  /** The stages' times the response carries. */
  readonly timings: SearchTimings;
  readonly results: number;
  readonly topIds: string[];
  /** After the call, unmeasured: the wait for the reranker's captured sessions built in idle time. */
  readonly idleBuildsMs: number;
}

export interface SearchBench {
  index(options: SearchBenchOptions): Promise<SearchBenchIndexed>;
  query(question: string, topK: number, candidates: number): Promise<SearchBenchQuery>;
  dispose(): Promise<void>;
}

declare global {
  interface Window {
    gpuSearchBench?: SearchBench;
  }
}
