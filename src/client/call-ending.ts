/**
 * How one call of a worker client ends (the reranker's and the embedder's): it settles exactly once, and when it
 * does its abort listener, its timer and its entry in the client's pending table go with it. An abort or a
 * timeout answers the caller at once and tells the worker to drop the call.
 */
import { abortedError, callTimeoutError } from './call-errors.js';
import type { RerankerError } from '../shared/errors.js';

export interface CallEnding {
  /** Whether the call has settled (a late worker answer must then be dropped). */
  readonly settled: boolean;
  /** Marks the call settled and cleans up; `false` when it had settled already, and the caller must not settle it again. */
  finish(): boolean;
}

export interface CallEndingOptions {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  /** The call's promise's reject: an abort or a timeout ends the call with it. */
  readonly reject: (error: RerankerError) => void;
  /** Removes the call from the client's pending table. */
  readonly leavePending: () => void;
  /** Asks the worker to drop the call (it does when it reaches it, or at its next batch). */
  readonly abortInWorker: () => void;
}

export function endCallOnce(options: CallEndingOptions): CallEnding {
  const { signal, timeoutMs } = options;
  let settled = false;
  const finish = (): boolean => {
    if (settled) return false;
    settled = true;
    options.leavePending();
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(timer);
    return true;
  };
  const stop = (error: RerankerError): void => {
    if (!finish()) return;
    options.reject(error);
    options.abortInWorker();
  };
  const onAbort = (): void => stop(abortedError());
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop(callTimeoutError(timeoutMs)), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get settled() {
      return settled;
    },
    finish,
  };
}
