/**
 * The main-thread `Reranker`: a Comlink proxy over the worker with the same interface as the engine.
 * It checks arguments before posting them (so errors name the offending position and nothing is lost to
 * a DataCloneError), gives every call an id so an `AbortSignal` can cancel exactly that call, and keeps
 * its own table of pending calls so that a worker that dies rejects them all with `worker-crashed`
 * (Comlink alone would leave them pending forever). The next call after a crash starts a new worker and
 * loads the model again (from the browser cache).
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { lifeLockName, watchLifeLock } from '../shared/life-lock.js';
import type { RerankerOptions } from '../shared/reranker-options.js';
import type { WorkerFactory } from './worker-handle.js';
import { endCallOnce } from './call-ending.js';
import { RerankerError, fromWireError } from '../shared/errors.js';
import {
  abortedError,
  asRerankerError,
  delay,
  loadAbortedError,
  loadTimeoutError,
  wireChunking,
  workerStartError,
} from './call-errors.js';
import { MAX_QUEUED_CALLS, queueFullError, type LoadRequest, type Outcome, type WorkerApi } from '../shared/protocol.js';
import { documentTexts, withOriginalDocuments } from '../shared/document-text.js';
import type {
  CallTimings,
  DocumentText,
  EncodedRow,
  EncodeOptions,
  Dtype,
  Reranker,
  RerankerInfo,
  RerankObjectOptions,
  RerankOptions,
  RerankResult,
  ResolvedLimits,
  ScoreOptions,
} from '../shared/types.js';
import { resolveLimits } from '../shared/limits.js';
import { normalizeModelFiles } from '../shared/model-files.js';
import { validateRerankCall, validateScoreCall } from '../shared/validate.js';

interface Connection {
  readonly remote: Remote<WorkerApi>;
  /** Resolves once the model is loaded in this worker. */
  readonly ready: Promise<RerankerInfo>;
  /**
   * Rejects once this worker is gone: `worker-crashed` when it died, `disposed` when it was ended on purpose.
   * Requests that get no outcome of their own (lastTimings) race it, so they never hang on a dead worker.
   */
  readonly gone: Promise<never>;
  /** Ends the worker on purpose (no crash is reported for it). */
  end(): void;
}

interface PendingCall {
  reject(error: RerankerError): void;
  /** Sends the call again, to the worker that replaced the one it was sent to. */
  retry(connection: Connection): void;
}

/** Set once the WebGPU device was lost under device 'auto': later workers load on WASM. */
interface WasmFallback {
  readonly dtype: Dtype;
  readonly reason: string;
}

export class WorkerReranker implements Reranker {
  readonly #startWorker: WorkerFactory;
  readonly #options: RerankerOptions;
  /** Checked here too, so an oversized call is refused before it is copied to the worker. */
  readonly #limits: ResolvedLimits;
  #info: RerankerInfo | undefined;
  #connection: Connection | undefined;
  readonly #pending = new Map<number, PendingCall>();
  #nextCallId = 1;
  #disposed = false;
  #wasmFallback: WasmFallback | undefined;

  private constructor(startWorker: WorkerFactory, options: RerankerOptions) {
    this.#startWorker = startWorker;
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
  }

  /**
   * Starts the worker and resolves once the model is loaded and warmed up. `options.signal` aborts the load
   * and `options.timeoutMs` bounds it: the worker is ended and the load rejects with `aborted` / `timeout`.
   */
  static async create(startWorker: WorkerFactory, options: RerankerOptions): Promise<WorkerReranker> {
    if (options.signal?.aborted === true) throw loadAbortedError(options.model);
    const reranker = new WorkerReranker(startWorker, options);
    reranker.#info = await reranker.#connect(options.signal).ready;
    return reranker;
  }

  get info(): RerankerInfo {
    if (this.#info === undefined) throw new RerankerError('disposed', 'The reranker never finished loading.');
    return this.#info;
  }

  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult[]>;
  rerank<D>(query: string, documents: readonly D[], options: RerankObjectOptions<D>): Promise<RerankResult<D>[]>;
  rerank<D>(query: string, documents: readonly D[], options?: RerankOptions & { documentText?: DocumentText<D> }): Promise<RerankResult<D>[]> {
    const documentText = options?.documentText;
    const results = this.#call(options?.signal, options?.timeoutMs, () => {
      // Objects become their texts here: only the texts are copied to the worker.
      const texts = documentTexts(documents, documentText);
      validateRerankCall(query, texts, options, this.#limits);
      const wire = {
        topK: options?.topK,
        returnDocuments: documentText === undefined ? options?.returnDocuments : false,
        normalize: options?.normalize,
        chunking: wireChunking(options?.chunking),
        instruction: options?.instruction,
      };
      // A plain copy: an array subclass or extra properties on the caller's array must not reach postMessage.
      const copy = Array.from(texts as readonly string[]);
      return (remote, callId) => remote.rerank(callId, query, copy, wire);
    });
    if (documentText === undefined || options?.returnDocuments === false) return results as Promise<RerankResult<D>[]>;
    return results.then((ranked) => withOriginalDocuments(ranked, documents));
  }

  score(pairs: readonly (readonly [string, string])[], options?: ScoreOptions): Promise<number[]> {
    return this.#call(options?.signal, options?.timeoutMs, () => {
      validateScoreCall(pairs, options, this.#limits);
      const wire = { normalize: options?.normalize, chunking: wireChunking(options?.chunking), instruction: options?.instruction };
      const texts = pairs.map(([query, passage]) => [query, passage] as [string, string]);
      return (remote, callId) => remote.score(callId, texts, wire);
    });
  }

  encode(pairs: readonly (readonly [string, string])[], options?: EncodeOptions): Promise<EncodedRow[]> {
    return this.#call(options?.signal, options?.timeoutMs, () => {
      validateScoreCall(pairs, options, this.#limits);
      const texts = pairs.map(([query, passage]) => [query, passage] as [string, string]);
      const wire = { instruction: options?.instruction };
      return (remote, callId) => remote.encode(callId, texts, wire);
    });
  }

  /**
   * Timings of the last call the current worker finished; `undefined` when it has finished none (also after a
   * crash, before the next call) or the reranker is disposed. Rejects with `worker-crashed` when the worker
   * dies before answering (and `disposed` when the reranker is disposed meanwhile), never hangs.
   */
  async lastTimings(): Promise<CallTimings | undefined> {
    const connection = this.#connection;
    if (this.#disposed || connection === undefined) return undefined;
    return Promise.race([connection.remote.lastTimings(), connection.gone]);
  }

  /** Calls not settled yet (queued, running, or waiting for the worker): at most MAX_QUEUED_CALLS. For tests. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
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
    connection.end();
  }

  /** Starts a worker and loads the model in it; `loadSignal` (the first load's) aborts that load. */
  #connect(loadSignal?: AbortSignal): Connection {
    let handle: ReturnType<WorkerFactory>;
    try {
      handle = this.#startWorker();
    } catch (error) {
      throw workerStartError(error);
    }
    const remote = wrap<WorkerApi>(handle.endpoint);
    // The signal cannot be posted, and the timeout is kept here: both end the worker from this side.
    const { onProgress, modelFiles, signal: _signal, timeoutMs, ...options } = this.#options;
    const fallback = this.#wasmFallback;
    const base: LoadRequest = { ...options, ...(modelFiles === undefined ? {} : { modelFiles: normalizeModelFiles(modelFiles) }) };
    const request: LoadRequest = fallback === undefined ? base : { ...base, device: 'wasm', dtype: fallback.dtype };
    let markFailed: (error: RerankerError) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      markFailed = reject;
    });
    failed.catch(() => undefined);
    let ended = false;
    let stopWatching: () => void = () => undefined;
    const end = (): void => {
      if (ended) return;
      markFailed(new RerankerError('disposed', 'The reranker worker was ended (disposed, or replaced by a new worker) before it answered.'));
      ended = true;
      stopWatching();
      handle.terminate();
    };
    /** Set once the worker answered its first message: it started. */
    let started = false;
    const fail = (reason: string): void => {
      if (ended) return;
      // A worker that fails before it ever answered never started (a CSP's worker-src refused its script, the
      // script is missing): a new worker would fail the same way, so this is not reported as a crash.
      const error = started
        ? new RerankerError(
            'worker-crashed',
            `The reranker worker stopped (${reason}). Pending calls were rejected; the next call starts a new worker ` +
              'and reloads the model from the browser cache.',
          )
        : workerStartError(reason);
      markFailed(error);
      if (this.#connection === connection) this.#connection = undefined;
      end();
      this.#rejectAll(error);
    };
    // First message to the worker, so it holds its life lock before the long model load starts.
    const lockName = lifeLockName();
    remote.holdLifeLock(lockName).then(
      (held) => {
        started = true;
        if (held && !ended) {
          stopWatching = watchLifeLock(lockName, () => fail('it ended without an error event: terminated, closed, or out of memory'));
        }
      },
      () => undefined,
    );
    const connection: Connection = {
      remote,
      end,
      gone: failed,
      ready: Promise.race<RerankerInfo>([
        remote
          .load(request, onProgress === undefined ? undefined : proxy(onProgress))
          .then((outcome) => unwrap(outcome as Outcome<RerankerInfo>)),
        failed,
      ]),
    };
    handle.onFailure(fail);
    /** Stops a load that was aborted or took too long: the worker ends (its downloads with it). */
    const stopLoad = (error: RerankerError): void => {
      if (ended) return;
      markFailed(error);
      if (this.#connection === connection) this.#connection = undefined;
      end();
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stopLoad(loadTimeoutError(options.model, timeoutMs)), timeoutMs);
    const onLoadAbort = (): void => stopLoad(loadAbortedError(options.model));
    loadSignal?.addEventListener('abort', onLoadAbort, { once: true });
    const loadSettled = (): void => {
      clearTimeout(timer);
      loadSignal?.removeEventListener('abort', onLoadAbort);
    };
    connection.ready.then(
      (info) => {
        loadSettled();
        // A worker started after a crash or a lost device may run elsewhere: show what runs now, and why.
        if (this.#connection === connection) this.#info = fallback === undefined ? info : { ...info, fallbackReason: fallback.reason };
      },
      () => {
        loadSettled();
        // A worker whose model failed to load is of no further use.
        if (this.#connection === connection) this.#connection = undefined;
        end();
      },
    );
    this.#connection = connection;
    return connection;
  }

  #call<T>(
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
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
    // Refused before it is queued: the calls already pending are not disturbed.
    if (this.#pending.size >= MAX_QUEUED_CALLS) return Promise.reject(queueFullError());
    const callId = this.#nextCallId++;
    return new Promise<T>((resolve, reject) => {
      let remote: Remote<WorkerApi> | undefined;
      const ending = endCallOnce({
        signal,
        timeoutMs,
        reject,
        leavePending: () => this.#pending.delete(callId),
        // Answer at once; the worker drops the call when it reaches it (or at its next batch).
        abortInWorker: () => void remote?.abort(callId),
      });
      /** Sends the call to `connection`'s worker; a lost device there sends it again to the next worker. */
      const send = (connection: Connection): void => {
        connection.ready
          .then(() => {
            remote = connection.remote;
            if (ending.settled) return RETRIED;
            return invoke(connection.remote, callId).then((outcome) => {
              if (!outcome.ok && outcome.error.details['deviceLost'] === true && this.#moveToWasm(connection, String(outcome.error.details['reason']))) {
                return RETRIED; // #moveToWasm sent it again
              }
              return unwrap(outcome);
            });
          })
          .then(
            (value) => value !== RETRIED && ending.finish() && resolve(value as T),
            (error: unknown) => ending.finish() && reject(asRerankerError(error)),
          );
      };
      this.#pending.set(callId, { reject: (error) => ending.finish() && reject(error), retry: send });
      let connection: Connection;
      try {
        connection = this.#connection ?? this.#connect();
      } catch (error) {
        // No worker could be started: the call leaves nothing behind.
        if (ending.finish()) reject(asRerankerError(error));
        return;
      }
      send(connection);
    });
  }

  /**
   * The WebGPU device of `failed`'s worker was lost. Under device 'auto' the model moves to WASM in a new
   * worker (the old one cannot run even WASM sessions any more) and every pending call is sent again there;
   * returns whether the failing call was among them. Under device 'webgpu' nothing moves: `false`.
   */
  #moveToWasm(failed: Connection, reason: string): boolean {
    if ((this.#options.device ?? 'auto') !== 'auto' || this.#disposed) return false;
    if (this.#connection === failed) {
      const dtype = this.#info?.dtype;
      // fp32 runs as well on WASM; the GPU-only formats take WASM's own default (q8) unless one was asked for.
      const requested = this.#options.dtype ?? 'auto';
      const wasmDtype: Dtype = dtype === 'fp32' ? 'fp32' : requested === 'auto' ? 'q8' : requested;
      this.#wasmFallback = { dtype: wasmDtype, reason: `The WebGPU device was lost (${reason}); the model moved to WASM (${wasmDtype}) in a new worker.` };
      this.#connection = undefined;
      failed.end();
      const next = this.#connect();
      for (const pending of [...this.#pending.values()]) pending.retry(next);
    }
    // Moved already (by another call that failed first): this call was pending then, so it was sent again.
    return true;
  }

  #rejectAll(error: RerankerError): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error);
    this.#pending.clear();
  }
}

/** A call that was sent again to another worker: its first attempt must not settle it. */
const RETRIED = Symbol('retried');

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw fromWireError(outcome.error);
}
