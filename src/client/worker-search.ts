/**
 * The page side of `createSearch`: checks arguments, drives the embedder over the documents the search worker
 * could not find stored embeddings for, and runs a query through the stages: query embedding (the embedder's own
 * worker), first stage and fusion (the search worker), then the reranker (its worker). Changes to the corpus run
 * one at a time, in call order.
 */
import { RerankerError, describeCause } from '../shared/errors.js';
import { modelKey } from '../shared/search-keys.js';
import type { FirstStageHit, PrepareAnswer } from '../shared/search-protocol.js';
import type {
  IndexingTimings,
  LexicalOptions,
  Search,
  SearchCallOptions,
  SearchDocument,
  SearchEmbedder,
  SearchInfo,
  SearchOptions,
  SearchProgress,
  SearchResponse,
  SearchResult,
} from '../shared/search-types.js';
import type { Reranker } from '../shared/types.js';
import { resolveFields, validateSearchCall, validateSearchDocuments, validateSearchOptions } from '../shared/search-validate.js';
import { abortedError } from './call-errors.js';
import { SearchWorkerHandle } from './search-worker-handle.js';

const DEFAULT_EMBED_BATCH = 32;
const DEFAULT_FUSION_K = 60;
/** Documents per message to the worker. */
const SEND_SLICE = 2000;

type IndexingOptions = { signal?: AbortSignal | undefined; onProgress?: ((progress: SearchProgress) => void) | undefined };
/** The page's parts of an indexing's timings measured before `#finish`. */
type Started = { readonly at: number; readonly workerMs: number; readonly sendMs: number };

const NO_TIMINGS: IndexingTimings = { workerMs: 0, sendMs: 0, hashMs: 0, readStoreMs: 0, lexicalLoadMs: 0, placeMs: 0, embedMs: 0, storeMs: 0, totalMs: 0 };

export class WorkerSearch implements Search {
  readonly #handle: SearchWorkerHandle;
  readonly #fields: string[];
  readonly #boosts: Record<string, number>;
  readonly #lexical: LexicalOptions | false;
  readonly #embedder: SearchEmbedder | undefined;
  readonly #reranker: Reranker | undefined;
  readonly #batch: number;
  readonly #persist: string | undefined;
  #info: SearchInfo;
  #queue: Promise<unknown> = Promise.resolve();
  #disposed = false;

  private constructor(options: SearchOptions, handle: SearchWorkerHandle) {
    const { names, boosts } = resolveFields(options.fields);
    this.#handle = handle;
    this.#fields = names;
    this.#boosts = boosts;
    this.#lexical = options.lexical ?? {};
    this.#embedder = options.embedder;
    this.#reranker = options.reranker;
    this.#batch = options.embedBatchSize ?? DEFAULT_EMBED_BATCH;
    this.#persist = options.persist?.name;
    this.#info = {
      documents: 0,
      fields: names,
      lexical: this.#lexical !== false,
      ...(this.#embedder === undefined ? {} : { embedder: modelKey(this.#embedder.info) }),
      reranker: this.#reranker !== undefined,
      ...(this.#persist === undefined ? {} : { persisted: this.#persist }),
      lastIndexing: { embedded: 0, reused: 0, lexicalFromStore: false, timings: NO_TIMINGS },
    };
  }

  static async create(options: SearchOptions): Promise<WorkerSearch> {
    validateSearchOptions(options);
    const documents = options.documents ?? [];
    const { names } = resolveFields(options.fields);
    validateSearchDocuments(documents, names);
    throwIfAborted(options.signal);
    const at = performance.now();
    const search = new WorkerSearch(options, new SearchWorkerHandle());
    const onAbort = (): void => search.#end(abortedError());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const embedder = search.#embedder;
      await search.#handle.call(
        search.#handle.remote.configure({
          fields: names,
          lexical: search.#lexical !== false,
          stopWords: search.#lexical === false ? [] : (search.#lexical.stopWords ?? []).map((word) => word.toLowerCase()),
          fusionK: options.fusionK ?? DEFAULT_FUSION_K,
          ...(embedder === undefined ? {} : { model: modelKey(embedder.info), dimensions: embedder.info.dimensions }),
          ...(search.#persist === undefined ? {} : { persist: search.#persist }),
        }),
      );
      const workerMs = performance.now() - at;
      options.onProgress?.({ stage: 'load', documents: documents.length });
      const sendMs = await search.#send(documents);
      const prepared = await search.#handle.call(search.#handle.remote.load());
      await search.#finish(prepared, { signal: options.signal, onProgress: options.onProgress }, { at, workerMs, sendMs });
      return search;
    } catch (error) {
      const reason = options.signal?.aborted === true ? abortedError() : asError(error);
      search.#end(reason);
      throw reason;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  get info(): SearchInfo {
    return this.#info;
  }

  add(documents: readonly SearchDocument[], options: IndexingOptions = {}): Promise<void> {
    return this.#serial(async () => {
      validateSearchDocuments(documents, this.#fields);
      throwIfAborted(options.signal);
      const at = performance.now();
      const sendMs = await this.#send(documents);
      const prepared = await this.#handle.call(this.#handle.remote.upsert());
      try {
        await this.#finish(prepared, options, { at, workerMs: 0, sendMs });
      } catch (error) {
        // Unfinished documents leave no trace: each is searchable in its old version (if any) or not at all.
        await this.#handle.call(this.#handle.remote.dropPending());
        await this.#handle.call(this.#handle.remote.commit());
        throw error;
      }
    });
  }

  remove(ids: readonly string[]): Promise<number> {
    return this.#serial(async () => {
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
        throw new RerankerError('invalid-input', 'remove takes an array of document ids (strings).', { details: { argument: 'ids' } });
      }
      const removed = await this.#handle.call(this.#handle.remote.remove([...ids]));
      const documents = await this.#handle.call(this.#handle.remote.commit());
      this.#info = { ...this.#info, documents };
      return removed;
    });
  }

  async search(query: string, options: SearchCallOptions = {}): Promise<SearchResponse> {
    this.#checkOpen();
    const { topK, candidates } = validateSearchCall(query, options);
    const signal = options.signal;
    throwIfAborted(signal);
    const started = performance.now();
    if (query.trim().length === 0) return { results: [], timings: { fusionMs: 0, totalMs: 0 } };
    let vector: Float32Array | undefined;
    let embedQueryMs: number | undefined;
    if (this.#embedder !== undefined) {
      const start = performance.now();
      [vector] = await this.#embed([query], 'query', signal);
      embedQueryMs = performance.now() - start;
      throwIfAborted(signal);
    }
    const first = await this.#handle.call(
      this.#handle.remote.firstStage({
        query,
        candidates,
        lexical: this.#lexical === false ? {} : this.#lexical,
        boosts: this.#boosts,
        returnDocuments: options.returnDocuments === true,
        ...(vector === undefined ? {} : { vector }),
      }),
    );
    throwIfAborted(signal);
    let results: SearchResult[];
    let rerankMs: number | undefined;
    if (this.#reranker !== undefined && first.hits.length > 0) {
      const start = performance.now();
      const ranked = await this.#reranker.rerank(query, first.hits.map((hit) => hit.text), { topK, ...(signal === undefined ? {} : { signal }) });
      rerankMs = performance.now() - start;
      results = ranked.map((result, index) => toResult(first.hits[result.index] as FirstStageHit, result.score, { rank: index + 1, score: result.score }));
    } else {
      results = first.hits.slice(0, topK).map((hit) => toResult(hit, hit.fused.score, undefined));
    }
    const timings = {
      ...(embedQueryMs === undefined ? {} : { embedQueryMs }),
      ...(first.lexicalMs === undefined ? {} : { lexicalMs: first.lexicalMs }),
      ...(first.denseMs === undefined ? {} : { denseMs: first.denseMs }),
      fusionMs: first.fusionMs,
      ...(rerankMs === undefined ? {} : { rerankMs }),
      totalMs: performance.now() - started,
    };
    return { results, timings };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#end(new RerankerError('disposed', 'This search was disposed; create a new one with createSearch.'));
  }

  #end(reason: RerankerError): void {
    this.#disposed = true;
    this.#handle.end(reason);
  }

  #checkOpen(): void {
    if (this.#disposed) throw new RerankerError('disposed', 'This search was disposed; create a new one with createSearch.');
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      this.#checkOpen();
      return work();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Copies the documents to the worker in slices, yielding between them (100,000 at once held the page for seconds); resolves to the ms it took. */
  async #send(documents: readonly SearchDocument[]): Promise<number> {
    const start = performance.now();
    for (let start = 0; start < documents.length; start += SEND_SLICE) {
      await this.#handle.call(this.#handle.remote.receive(plainDocuments(documents.slice(start, start + SEND_SLICE), this.#fields)));
    }
    return performance.now() - start;
  }

  /** Embeds what the worker asked for, batch by batch, then stores the index. */
  async #finish(prepared: PrepareAnswer, options: IndexingOptions, started: Started): Promise<void> {
    const { embedCount: total, reused } = prepared;
    const embedStart = performance.now();
    let done = 0;
    if (total > 0) options.onProgress?.({ stage: 'embed', done, total, reused });
    while (done < total) {
      throwIfAborted(options.signal);
      const batch = await this.#handle.call(this.#handle.remote.nextToEmbed(this.#batch));
      if (batch.length === 0) throw new RerankerError('inference-failed', `The search worker ran out of texts to embed at ${done} of ${total}; this is a bug, please report it.`);
      const vectors = await this.#embed(batch.map((item) => item.text), 'document', options.signal);
      throwIfAborted(options.signal);
      await this.#handle.call(this.#handle.remote.putVectors(batch.map((item) => item.id), vectors));
      done += batch.length;
      options.onProgress?.({ stage: 'embed', done, total, reused });
    }
    const embedMs = total === 0 ? 0 : performance.now() - embedStart;
    options.onProgress?.({ stage: 'store' });
    const storeStart = performance.now();
    const documents = await this.#handle.call(this.#handle.remote.commit());
    const end = performance.now();
    const timings: IndexingTimings = { workerMs: started.workerMs, sendMs: started.sendMs, ...prepared.timings, embedMs, storeMs: end - storeStart, totalMs: end - started.at };
    this.#info = { ...this.#info, documents, lastIndexing: { embedded: total, reused, lexicalFromStore: prepared.lexicalFromStore, timings } };
    options.onProgress?.({ stage: 'ready', info: this.#info });
  }

  /** The embedder's vectors, checked: one per text, `dimensions` long, finite. */
  async #embed(texts: string[], kind: 'query' | 'document', signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const embedder = this.#embedder as SearchEmbedder;
    let vectors: Float32Array[];
    try {
      vectors = await embedder.embed(texts, { kind, ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      if (signal?.aborted === true) throw abortedError();
      throw asError(error);
    }
    const dimensions = embedder.info.dimensions;
    const bad = !Array.isArray(vectors) || vectors.length !== texts.length
      ? 'not one vector per text'
      : vectors.findIndex((vector) => !(vector instanceof Float32Array) || vector.length !== dimensions || !vector.every(Number.isFinite)) >= 0
        ? `a vector that is not a finite Float32Array of ${dimensions} numbers`
        : undefined;
    if (bad !== undefined) {
      throw new RerankerError('inference-failed', `The embedder returned ${bad} (${texts.length} ${kind} texts asked); check that its info.dimensions matches its model.`, {
        details: { stage: 'embed' },
      });
    }
    return vectors;
  }
}

function toResult(hit: FirstStageHit, score: number, rerank: { rank: number; score: number } | undefined): SearchResult {
  return {
    id: hit.id,
    score,
    ...(hit.document === undefined ? {} : { document: hit.document }),
    stages: {
      ...(hit.lexical === undefined ? {} : { lexical: hit.lexical }),
      ...(hit.dense === undefined ? {} : { dense: hit.dense }),
      fused: hit.fused,
      ...(rerank === undefined ? {} : { rerank }),
    },
  };
}

/** Only `id` and the indexed fields cross to the worker (other properties could be unclonable or large). */
function plainDocuments(documents: readonly SearchDocument[], fields: readonly string[]): SearchDocument[] {
  return documents.map((document) => {
    const plain: Record<string, string> = { id: document.id };
    for (const field of fields) {
      const value = document[field];
      if (value !== undefined) plain[field] = value;
    }
    return plain as SearchDocument;
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortedError();
}

function asError(error: unknown): RerankerError {
  return error instanceof RerankerError ? error : new RerankerError('inference-failed', `The search failed: ${describeCause(error)}`, { cause: error });
}
