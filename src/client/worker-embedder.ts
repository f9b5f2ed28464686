/**
 * The main-thread `Embedder`: a Comlink proxy over the embedding worker. As the reranker's proxy does, it
 * checks arguments before posting them, gives every call an id so an `AbortSignal` or `timeoutMs` cancels
 * exactly that call, watches the worker's life lock so a worker that dies rejects every pending call with
 * `worker-crashed`, and starts a new worker (reloading the model from the browser cache) on the next call.
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { abortedError, asRerankerError, delay, workerStartError } from './call-errors.js';
import { endCallOnce } from './call-ending.js';
import type { WorkerFactory } from './worker-handle.js';
import type { EmbedderLoadRequest, EmbedderWorkerApi } from '../shared/embedder-protocol.js';
import type { Embedder, EmbedderInfo, EmbedderOptions, EmbedOptions } from '../shared/embedder-types.js';
import { validateEmbedCall } from '../shared/embedder-validate.js';
import { RerankerError, fromWireError } from '../shared/errors.js';
import { lifeLockName, watchLifeLock } from '../shared/life-lock.js';
import { normalizeModelFiles } from '../shared/model-files.js';
import { MAX_QUEUED_CALLS, queueFullError, type Outcome } from '../shared/protocol.js';

interface Connection {
  readonly remote: Remote<EmbedderWorkerApi>;
  readonly ready: Promise<EmbedderInfo>;
  /** Ends the worker: `reason` rejects what waits on it. */
  end(reason: RerankerError): void;
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw fromWireError(outcome.error);
}

export class WorkerEmbedder implements Embedder {
  readonly #startWorker: WorkerFactory;
  readonly #options: EmbedderOptions;
  #info: EmbedderInfo | undefined;
  #connection: Connection | undefined;
  readonly #pending = new Map<number, (error: RerankerError) => void>();
  #nextCallId = 1;
  #disposed = false;

  private constructor(startWorker: WorkerFactory, options: EmbedderOptions) {
    this.#startWorker = startWorker;
    this.#options = options;
  }

  /** Starts the worker and resolves once the model is loaded and warmed up (`signal` / `timeoutMs` bound it). */
  static async create(startWorker: WorkerFactory, options: EmbedderOptions): Promise<WorkerEmbedder> {
    const { model, signal, timeoutMs } = options;
    if (signal?.aborted === true) throw new RerankerError('aborted', `Loading ${model} was aborted by the AbortSignal passed to createEmbedder.`);
    const embedder = new WorkerEmbedder(startWorker, options);
    const connection = embedder.#connect();
    const stop = (error: RerankerError): void => connection.end(error);
    const onAbort = (): void => stop(new RerankerError('aborted', `Loading ${model} was aborted by the AbortSignal passed to createEmbedder; its worker was ended.`));
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => stop(new RerankerError('timeout', `Loading ${model} did not finish within timeoutMs (${timeoutMs} ms); its worker was ended. Check the model's files are reachable, or raise timeoutMs.`, { details: { argument: 'timeoutMs', limitValue: timeoutMs } })),
            timeoutMs,
          );
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      embedder.#info = await connection.ready;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    return embedder;
  }

  get info(): EmbedderInfo {
    if (this.#info === undefined) throw new RerankerError('disposed', 'The embedder never finished loading.');
    return this.#info;
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    if (this.#disposed) return Promise.reject(new RerankerError('disposed', 'This embedder was disposed; create a new one with createEmbedder().'));
    try {
      validateEmbedCall(texts, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(abortedError());
    if (this.#pending.size >= MAX_QUEUED_CALLS) return Promise.reject(queueFullError());
    const copy = Array.from(texts);
    const kind = options?.kind ?? 'document';
    const instruction = options?.instruction;
    const callId = this.#nextCallId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      let connection: Connection | undefined;
      const ending = endCallOnce({
        signal,
        timeoutMs: options?.timeoutMs,
        reject,
        leavePending: () => this.#pending.delete(callId),
        abortInWorker: () => void connection?.remote.abort(callId),
      });
      this.#pending.set(callId, (error) => ending.finish() && reject(error));
      try {
        connection = this.#connection ?? this.#connect();
      } catch (error) {
        if (ending.finish()) reject(asRerankerError(error));
        return;
      }
      const current = connection;
      current.ready
        .then(() => (ending.settled ? [] : current.remote.embed(callId, copy, kind, instruction).then((outcome) => unwrap(outcome as Outcome<Float32Array[]>))))
        .then(
          (vectors) => ending.finish() && resolve(vectors),
          (error: unknown) => ending.finish() && reject(asRerankerError(error)),
        );
    });
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#rejectAll(new RerankerError('disposed', 'The embedder was disposed while this call was pending.'));
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    await Promise.race([connection.remote.dispose().catch(() => undefined), delay(2000)]);
    connection.remote[releaseProxy]();
    connection.end(new RerankerError('disposed', 'The embedder was disposed.'));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #connect(): Connection {
    let handle: ReturnType<WorkerFactory>;
    try {
      handle = this.#startWorker();
    } catch (error) {
      throw workerStartError(error);
    }
    const remote = wrap<EmbedderWorkerApi>(handle.endpoint);
    const { onProgress, modelFiles, signal: _signal, timeoutMs: _timeout, ...options } = this.#options;
    const request: EmbedderLoadRequest = { ...options, ...(modelFiles === undefined ? {} : { modelFiles: normalizeModelFiles(modelFiles) }) };
    let markGone: (error: RerankerError) => void = () => undefined;
    const gone = new Promise<never>((_, reject) => {
      markGone = reject;
    });
    gone.catch(() => undefined);
    let ended = false;
    let started = false;
    let stopWatching: () => void = () => undefined;
    const end = (reason: RerankerError): void => {
      if (ended) return;
      ended = true;
      markGone(reason);
      stopWatching();
      handle.terminate();
      if (this.#connection === connection) this.#connection = undefined;
    };
    const fail = (why: string): void => {
      if (ended) return;
      const error = started
        ? new RerankerError('worker-crashed', `The embedding worker stopped (${why}). Pending calls were rejected; the next call starts a new worker and reloads the model from the browser cache.`)
        : workerStartError(why);
      end(error);
      this.#rejectAll(error);
    };
    const lockName = lifeLockName();
    remote.holdLifeLock(lockName).then(
      (held) => {
        started = true;
        if (held && !ended) stopWatching = watchLifeLock(lockName, () => fail('it ended without an error event: terminated, closed, or out of memory'));
      },
      () => undefined,
    );
    handle.onFailure(fail);
    const ready = Promise.race<EmbedderInfo>([
      remote.load(request, onProgress === undefined ? undefined : proxy(onProgress)).then((outcome) => unwrap(outcome as Outcome<EmbedderInfo>)),
      gone,
    ]);
    const connection: Connection = { remote, ready, end };
    // A worker whose model failed to load is of no further use.
    ready.catch((error: unknown) => end(asRerankerError(error)));
    this.#connection = connection;
    return connection;
  }

  #rejectAll(error: RerankerError): void {
    for (const reject of [...this.#pending.values()]) reject(error);
    this.#pending.clear();
  }
}
