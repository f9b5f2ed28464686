/**
 * The contract between `createSearch`'s page side and the search worker, carried by Comlink. Methods return an
 * `Outcome` (never throw across), as the reranker's worker does.
 */
import type { Outcome } from './protocol.js';
import type { IndexingTimings, LexicalOptions, SearchDocument, StageHit } from './search-types.js';

/** What the worker needs to know of the search's options (functions and objects with methods stay on the page). */
export interface SearchConfig {
  readonly fields: readonly string[];
  readonly lexical: boolean;
  /** `LexicalOptions.stopWords`, lowercased. Default none. */
  readonly stopWords?: readonly string[];
  /** `modelKey(embedder.info)`, when there is an embedder. */
  readonly model?: string;
  readonly dimensions?: number;
  /** The IndexedDB index name, when persisted. */
  readonly persist?: string;
  /** Reciprocal rank fusion's `k`. */
  readonly fusionK: number;
}

/** Documents the worker could not find an embedding for: the page embeds them and sends the vectors back. */
export interface PrepareResult {
  readonly toEmbed: readonly { readonly id: string; readonly text: string }[];
  /** Embeddings taken from IndexedDB (or unchanged documents) instead of embedded. */
  readonly reused: number;
  readonly lexicalFromStore: boolean;
  /** The worker's parts of `IndexingTimings`. */
  readonly timings: WorkerIndexingTimings;
}

export type WorkerIndexingTimings = Pick<IndexingTimings, 'hashMs' | 'readStoreMs' | 'lexicalLoadMs' | 'placeMs'>;

/**
 * `PrepareResult` as it crosses to the page: the texts to embed stay in the worker and come in batches
 * (`nextToEmbed`), since 100,000 texts in one message held the page's thread for about a second.
 */
export type PrepareAnswer = Omit<PrepareResult, 'toEmbed'> & { readonly embedCount: number };

export interface FirstStageRequest {
  readonly query: string;
  /** The query's embedding, when there is an embedder. */
  readonly vector?: Float32Array;
  readonly candidates: number;
  readonly lexical: LexicalOptions;
  readonly boosts: Readonly<Record<string, number>>;
  readonly returnDocuments: boolean;
}

export interface FirstStageHit {
  readonly id: string;
  /** The text the reranker scores (`documentText`). */
  readonly text: string;
  readonly document?: SearchDocument;
  readonly lexical?: StageHit;
  readonly dense?: StageHit;
  readonly fused: StageHit;
}

export interface FirstStageAnswer {
  readonly hits: FirstStageHit[];
  readonly lexicalMs?: number;
  readonly denseMs?: number;
  readonly fusionMs: number;
}

export interface SearchWorkerApi {
  /** Takes a Web Lock for the worker's life (see `shared/life-lock.ts`). */
  holdLifeLock(name: string): Promise<boolean>;
  configure(config: SearchConfig): Promise<Outcome<void>>;
  /**
   * Documents for the next `load` or `upsert`, sent in slices so that copying a large corpus never holds the
   * page's thread for long.
   */
  receive(documents: readonly SearchDocument[]): Promise<Outcome<void>>;
  /** The first indexing: reads the stored index (when persisted), then stages what `receive` brought as `upsert` does. */
  load(): Promise<Outcome<PrepareAnswer>>;
  /** New or changed documents become searchable now when no embedding is needed, else once `putVectors` brings it. */
  upsert(): Promise<Outcome<PrepareAnswer>>;
  /** The next `count` documents (id and text) of the last `load` or `upsert` to embed. */
  nextToEmbed(count: number): Promise<Outcome<{ id: string; text: string }[]>>;
  putVectors(ids: readonly string[], vectors: readonly Float32Array[]): Promise<Outcome<void>>;
  /** Drops staged documents that never got their vectors (an aborted `add`). */
  dropPending(): Promise<Outcome<void>>;
  remove(ids: readonly string[]): Promise<Outcome<number>>;
  /** Writes the lexical index and its manifest (when persisted); resolves to the searchable documents' count. */
  commit(): Promise<Outcome<number>>;
  firstStage(request: FirstStageRequest): Promise<Outcome<FirstStageAnswer>>;
}
