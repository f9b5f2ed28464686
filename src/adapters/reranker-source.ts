/**
 * What every framework adapter reranks with: a `Reranker` the caller made (shared by several adapters, one model
 * loaded once, never disposed by them) or the options to make one (the adapter loads it on first use and owns it).
 */
import { abortedError } from '../client/call-errors.js';
import { createReranker } from '../client/create-reranker.js';
import { RerankerError } from '../shared/errors.js';
import type { RerankerOptions } from '../shared/reranker-options.js';
import type { ChunkingOptions, Reranker, RerankResult } from '../shared/types.js';

/** An existing `Reranker` (shared; the adapter never disposes it) or `createReranker` options (the adapter owns it). */
export type RerankerSource = Reranker | RerankerOptions;

function isReranker(source: RerankerSource): source is Reranker {
  return typeof (source as Partial<Reranker>).rerank === 'function';
}

/** One adapter's reranker: created lazily from options, or the caller's. */
export class RerankerHolder {
  readonly #options: RerankerOptions | undefined;
  #reranker: Promise<Reranker> | undefined;
  #disposed = false;

  constructor(source: RerankerSource, adapter: string) {
    if (typeof source !== 'object' || source === null) {
      throw new RerankerError(
        'invalid-input',
        `${adapter} needs a reranker: an existing Reranker (from createReranker) or createReranker's options ({ model, ... }).`,
        { details: { argument: 'reranker' } },
      );
    }
    if (isReranker(source)) {
      this.#options = undefined;
      this.#reranker = Promise.resolve(source);
    } else {
      this.#options = source;
    }
  }

  /** Whether the adapter created the reranker (and disposes it). */
  get owned(): boolean {
    return this.#options !== undefined;
  }

  /**
   * The reranker, loading it on first use when the adapter owns it (a failed load is tried again on the next
   * call). `signal` stops the wait, not a shared load: it rejects with `aborted`.
   */
  get(signal?: AbortSignal): Promise<Reranker> {
    if (this.#disposed) return Promise.reject(new RerankerError('disposed', 'This adapter was disposed; create a new one.'));
    if (signal?.aborted === true) return Promise.reject(abortedError());
    if (this.#reranker === undefined && this.#options !== undefined) {
      const loading = createReranker(this.#options);
      this.#reranker = loading;
      loading.catch(() => {
        if (this.#reranker === loading) this.#reranker = undefined;
      });
    }
    const reranker = this.#reranker as Promise<Reranker>;
    if (signal === undefined) return reranker;
    return new Promise<Reranker>((resolve, reject) => {
      const onAbort = (): void => reject(abortedError());
      signal.addEventListener('abort', onAbort, { once: true });
      reranker.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Disposes the reranker when the adapter created it; a shared one is left running. Later calls reject `disposed`. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const reranker = this.#reranker;
    this.#reranker = undefined;
    if (!this.owned || reranker === undefined) return;
    const loaded = await reranker.catch(() => undefined);
    await loaded?.dispose();
  }
}

/** The options the document adapters (LangChain, LlamaIndex) take beside the reranker, as they document them. */
export interface DocumentAdapterOptions {
  readonly reranker: RerankerSource;
  readonly topN?: number | undefined;
  readonly normalize?: boolean | undefined;
  readonly chunking?: boolean | ChunkingOptions | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * A document adapter's reranking: the holder and `topN`, checked when the adapter is made, and the one rerank
 * call each adapter makes (its documents' text, the best `topN` best first, scores normalized by default).
 */
export class DocumentReranking {
  readonly topN: number | undefined;
  readonly holder: RerankerHolder;
  readonly #options: DocumentAdapterOptions;

  constructor(options: DocumentAdapterOptions, adapter: string) {
    this.holder = new RerankerHolder(options?.reranker, adapter);
    const topN = options.topN;
    if (topN !== undefined && !(Number.isInteger(topN) && topN > 0)) {
      throw new RerankerError('invalid-input', `topN must be a positive integer, got ${String(topN)}.`, { details: { argument: 'topN' } });
    }
    this.topN = topN;
    this.#options = options;
  }

  async rerank<D>(query: string, documents: readonly D[], documentText: (document: D) => string): Promise<RerankResult<D>[]> {
    const { signal, chunking } = this.#options;
    const reranker = await this.holder.get(signal);
    return reranker.rerank(query, documents, {
      documentText,
      normalize: this.#options.normalize ?? true,
      ...(this.topN === undefined ? {} : { topK: this.topN }),
      ...(signal === undefined ? {} : { signal }),
      ...(chunking === undefined ? {} : { chunking }),
    });
  }
}
