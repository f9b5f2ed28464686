/**
 * The public contract of `createSearch`: documents, options, results and the `Search` interface.
 * First stage (lexical and dense) in the search worker, fusion there too, then an optional `Reranker`.
 */
import type { Reranker } from './types.js';

/** One document: a unique `id` and text fields. A field that is absent counts as empty text. */
export interface SearchDocument {
  readonly id: string;
  readonly [field: string]: string | undefined;
}

/**
 * What the search needs of an embedder; `createEmbedder`'s `Embedder` satisfies it structurally, and any object
 * of this shape works (a server call, a test embedder).
 */
export interface SearchEmbedder {
  readonly info: { readonly model: string; readonly revision: string; readonly dtype: string; readonly dimensions: number };
  /** kind 'query' applies the model's query prefix/instruction, 'document' (default) the document side. Vectors are
   *  L2-normalized when the model prescribes it (they all do here), one Float32Array per text, in order. */
  embed(texts: readonly string[], options?: { kind?: 'query' | 'document'; signal?: AbortSignal }): Promise<Float32Array[]>;
}

/** The lexical first stage (MiniSearch, BM25+ over the fields). */
export interface LexicalOptions {
  /**
   * Which query terms also match as prefixes (`pand` finds `panda`): `'last'` only the last one (the word being
   * typed), `true` every term, `false` none. Default `'last'` (every term as a prefix was about 2-3x slower over
   * 100,000 passages).
   */
  readonly prefix?: boolean | 'last';
  /** Edit distance allowed per term, as a fraction of its length (0.2: one edit in five letters); 0 is off. Default `0`. */
  readonly fuzzy?: number;
  /** `'OR'`: a document needs one query term; `'AND'`: every term. Default `'OR'`. */
  readonly combineWith?: 'OR' | 'AND';
  /**
   * Words left out of the lexical index and of queries (compared lowercased), such as `['the', 'a', 'of', ...]`.
   * Over real prose this makes the lexical stage several times faster (a word in most passages is scored for
   * each of them) and changes its ranking (MiniSearch multiplies a score by the number of query words a passage
   * matches, stop words included). Fixed at `createSearch`; a persisted index built with another list is
   * rebuilt. At most 10,000 words. The library exports one list, `englishStopWords` (Snowball's English list).
   * Default `[]` (none).
   */
  readonly stopWords?: readonly string[];
}

/** Where the index is kept between visits. */
export interface PersistOptions {
  /** The index's name in IndexedDB (one stored index per name and origin). */
  readonly name: string;
}

/** Progress while `createSearch` or `add` works; `stage` tells which counts apply. */
export type SearchProgress =
  | { readonly stage: 'load'; readonly documents: number }
  | { readonly stage: 'embed'; readonly done: number; readonly total: number; readonly reused: number }
  | { readonly stage: 'store' }
  | { readonly stage: 'ready'; readonly info: SearchInfo };

export interface SearchOptions {
  /** The corpus to index. Default `[]` (add documents later with `add`). */
  readonly documents?: readonly SearchDocument[];
  /**
   * Text fields to index, in order: names, or names with a lexical boost (`{ title: 2, body: 1 }`). The embedder and
   * the reranker see the fields joined by a blank line, in this order. Default `['text']`.
   */
  readonly fields?: readonly string[] | Readonly<Record<string, number>>;
  /** The lexical stage's options, or `false` to search with the embedder alone. Default `{}` (on). */
  readonly lexical?: LexicalOptions | false;
  /** Dense first stage: embeds every document and each query. Default none (lexical only). */
  readonly embedder?: SearchEmbedder;
  /** Reranks the fused candidates (with the reranker's own chunking). Default none (fused order is final). */
  readonly reranker?: Reranker;
  /**
   * Keep the lexical index and the embeddings in IndexedDB, keyed by model id, revision, dtype and each document's
   * content hash, so a reload re-embeds only changed documents. Default none (memory only).
   */
  readonly persist?: PersistOptions;
  /** Texts per `embed` call while indexing. Default `32`. */
  readonly embedBatchSize?: number;
  /** Reciprocal rank fusion's constant `k` (score = sum of 1 / (k + rank)). Default `60`. */
  readonly fusionK?: number;
  /** Aborts indexing (`aborted`); the search worker ends. */
  readonly signal?: AbortSignal;
  /** Called while indexing. Default none. */
  readonly onProgress?: (progress: SearchProgress) => void;
}

export interface SearchCallOptions {
  /** Results returned. Default `10`. */
  readonly topK?: number;
  /** Candidates each first stage keeps and fusion passes on to the reranker. Default `50` (at least `topK`). */
  readonly candidates?: number;
  /** Put each document in its result. Default `false`. */
  readonly returnDocuments?: boolean;
  /** Aborts this call (`aborted`). */
  readonly signal?: AbortSignal;
}

/** One stage's view of a result: 1-based rank in that stage's list and its score there. */
export interface StageHit {
  readonly rank: number;
  readonly score: number;
}

export interface SearchResult {
  readonly id: string;
  /** The final score: the reranker's when there is one, else the fused score. */
  readonly score: number;
  readonly document?: SearchDocument;
  /** `lexical` (BM25+), `dense` (cosine), `fused` (reciprocal rank), `rerank` (the reranker's raw score): each when run and matched. */
  readonly stages: {
    readonly lexical?: StageHit;
    readonly dense?: StageHit;
    readonly fused: StageHit;
    readonly rerank?: StageHit;
  };
}

/** Milliseconds each stage took; a stage that did not run is absent. */
export interface SearchTimings {
  readonly embedQueryMs?: number;
  readonly lexicalMs?: number;
  readonly denseMs?: number;
  readonly fusionMs: number;
  readonly rerankMs?: number;
  readonly totalMs: number;
}

export interface SearchResponse {
  readonly results: SearchResult[];
  readonly timings: SearchTimings;
}

export interface SearchInfo {
  readonly documents: number;
  readonly fields: readonly string[];
  readonly lexical: boolean;
  /** The embedder's model key (`model@revision/dtype/dimensions`), when there is one. */
  readonly embedder?: string;
  readonly reranker: boolean;
  /** The IndexedDB name, when persisted. */
  readonly persisted?: string;
  /** What the last indexing did: documents embedded now, and embeddings reused from IndexedDB. */
  readonly lastIndexing: {
    readonly embedded: number;
    readonly reused: number;
    readonly lexicalFromStore: boolean;
    /** Where its time went, for diagnosis (docs/search.md, "The persisted index"). */
    readonly timings: IndexingTimings;
  };
}

/**
 * Where an indexing's time went, in milliseconds (`createSearch` or `add`); a part that did not run is 0.
 * Worker-side parts are measured in the search worker.
 */
export interface IndexingTimings {
  /** Starting the search worker and configuring it (`createSearch` only). */
  readonly workerMs: number;
  /** Copying the documents to the search worker. */
  readonly sendMs: number;
  /** Content hashes of the documents (worker). */
  readonly hashMs: number;
  /**
   * Waiting for the stored lexical index, manifest and embeddings (worker): one IndexedDB read, started when the
   * worker is configured, so it overlaps sending and hashing; this is what is left of it after them.
   */
  readonly readStoreMs: number;
  /** Loading the stored lexical index into MiniSearch and dropping what changed (worker). */
  readonly lexicalLoadMs: number;
  /** Placing documents and reused vectors in the indexes (worker). */
  readonly placeMs: number;
  /** Embedding what was not stored, vectors sent to the worker included. */
  readonly embedMs: number;
  /** Writing what changed to IndexedDB (and the worker's answer). */
  readonly storeMs: number;
  /** The whole indexing, as the page saw it. */
  readonly totalMs: number;
}

export interface Search {
  /** Adds documents, or replaces those whose id exists; only new or changed text is embedded. */
  add(documents: readonly SearchDocument[], options?: { signal?: AbortSignal; onProgress?: (progress: SearchProgress) => void }): Promise<void>;
  /** Removes documents by id; unknown ids are ignored. Resolves to how many were removed. */
  remove(ids: readonly string[]): Promise<number>;
  search(query: string, options?: SearchCallOptions): Promise<SearchResponse>;
  readonly info: SearchInfo;
  /** Ends the search worker; later calls reject with `disposed`. The stored index stays (see `deleteStoredSearch`). */
  dispose(): void;
}
