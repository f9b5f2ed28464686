/**
 * The main-thread `Reranker`: a Comlink proxy over the worker with the same interface as the engine.
 * It checks arguments before posting them (so errors name the offending position and nothing is lost to
 * a DataCloneError), gives every call an id so an `AbortSignal` can cancel exactly that call, and keeps
 * its own table of pending calls so that a worker that dies rejects them all with `worker-crashed`
 * (Comlink alone would leave them pending forever). The next call after a crash starts a new worker and
 * loads the model again (from the browser cache).
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type { WorkerFactory, WorkerHandle } from './worker-handle.js';
import { RerankerError, fromWireError, isWireError, describeCause } from '../shared/errors.js';
import type { LoadRequest, Outcome, WorkerApi } from '../shared/protocol.js';
import type {
  CallTimings,
  Reranker,
  RerankerInfo,
  RerankerOptions,
  RerankOptions,
  RerankResult,
  ScoreOptions,
} from '../shared/types.js';
import { validateDocuments, validatePairs, validateQuery, validateRerankOptions, validateScoreOptions } from '../shared/validate.js';

interface Connection {
  readonly handle: WorkerHandle;
  readonly remote: Remote<WorkerApi>;
  /** Resolves once the model is loaded in this worker. */
  readonly ready: Promise<RerankerInfo>;
}

interface PendingCall {
  reject(error: RerankerError): void;
}

export class WorkerReranker implements Reranker {
  readonly #startWorker: WorkerFactory;
  readonly #options: RerankerOptions;
  #info: RerankerInfo | undefined;
  #connection: Connection | undefined;
  readonly #pending = new Map<number, PendingCall>();
  #nextCallId = 1;
  #disposed = false;

  private constructor(startWorker: WorkerFactory, options: RerankerOptions) {
    this.#startWorker = startWorker;
    this.#options = options;
  }

  /** Starts the worker and resolves once the model is loaded and warmed up. */
  static async create(startWorker: WorkerFactory, options: RerankerOptions): Promise<WorkerReranker> {
    const reranker = new WorkerReranker(startWorker, options);
    reranker.#info = await reranker.#connect().ready;
    return reranker;
  }

  get info(): RerankerInfo {
    if (this.#info === undefined) throw new RerankerError('disposed', 'The reranker never finished loading.');
    return this.#info;
  }

  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult[]> {
    return this.#call(options?.signal, () => {
      validateQuery(query);
      validateDocuments(documents);
      validateRerankOptions(options);
      const wire = { topK: options?.topK, returnDocuments: options?.returnDocuments, normalize: options?.normalize };
      return (remote, callId) => remote.rerank(callId, query, documents, wire);
    });
  }

  score(pairs: readonly (readonly [string, string])[], options?: ScoreOptions): Promise<number[]> {
    return this.#call(options?.signal, () => {
      validatePairs(pairs);
      validateScoreOptions(options);
      const wire = { normalize: options?.normalize };
      return (remote, callId) => remote.score(callId, pairs, wire);
    });
  }

  async lastTimings(): Promise<CallTimings | undefined> {
    if (this.#disposed || this.#connection === undefined) return undefined;
    return this.#connection.remote.lastTimings();
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#rejectAll(new RerankerError('disposed', 'The reranker was disposed while this call was pending.'));
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    // Give the worker a moment to free its sessions, then end it whatever happens.
    await Promise.race([connection.remote.dispose().catch(() => undefined), delay(2000)]);
    connection.remote[releaseProxy]();
    connection.handle.terminate();
  }

  #connect(): Connection {
    const handle = this.#startWorker();
    const remote = wrap<WorkerApi>(handle.endpoint);
    const { onProgress, ...request } = this.#options;
    let markFailed: (error: RerankerError) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      markFailed = reject;
    });
    failed.catch(() => undefined);
    const connection: Connection = {
      handle,
      remote,
      ready: Promise.race<RerankerInfo>([
        remote
          .load(request as LoadRequest, onProgress === undefined ? undefined : proxy(onProgress))
          .then((outcome) => unwrap(outcome as Outcome<RerankerInfo>)),
        failed,
      ]),
    };
    handle.onFailure((reason) => {
      const error = new RerankerError(
        'worker-crashed',
        `The reranker worker stopped (${reason}). Pending calls were rejected; the next call starts a new worker ` +
          'and reloads the model from the browser cache.',
      );
      markFailed(error);
      if (this.#connection === connection) this.#connection = undefined;
      handle.terminate();
      this.#rejectAll(error);
    });
    connection.ready.catch(() => {
      // A worker whose model failed to load is of no further use.
      if (this.#connection === connection) this.#connection = undefined;
      handle.terminate();
    });
    this.#connection = connection;
    return connection;
  }

  #call<T>(
    signal: AbortSignal | undefined,
    prepare: () => (remote: Remote<WorkerApi>, callId: number) => Promise<Outcome<T>>,
  ): Promise<T> {
    if (this.#disposed) return Promise.reject(new RerankerError('disposed', 'This reranker was disposed; create a new one with createReranker().'));
    let invoke: (remote: Remote<WorkerApi>, callId: number) => Promise<Outcome<T>>;
    try {
      invoke = prepare();
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted === true) return Promise.reject(abortedError());
    const callId = this.#nextCallId++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let remote: Remote<WorkerApi> | undefined;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        this.#pending.delete(callId);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (!finish()) return;
        // Answer at once; the worker drops the call when it reaches it (or at its next batch).
        reject(abortedError());
        void remote?.abort(callId);
      };
      this.#pending.set(callId, { reject: (error) => finish() && reject(error) });
      signal?.addEventListener('abort', onAbort, { once: true });

      const connection = this.#connection ?? this.#connect();
      connection.ready
        .then(() => {
          remote = connection.remote;
          if (settled) return undefined;
          return invoke(connection.remote, callId).then(unwrap);
        })
        .then(
          (value) => finish() && resolve(value as T),
          (error: unknown) => finish() && reject(asRerankerError(error)),
        );
    });
  }

  #rejectAll(error: RerankerError): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error);
    this.#pending.clear();
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw fromWireError(outcome.error);
}

function asRerankerError(error: unknown): RerankerError {
  if (error instanceof RerankerError) return error;
  if (isWireError(error)) return fromWireError(error);
  return new RerankerError('inference-failed', `The reranker call failed: ${describeCause(error)}`, { cause: error });
}

function abortedError(): RerankerError {
  return new RerankerError('aborted', 'The call was aborted by its AbortSignal before it finished.');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
