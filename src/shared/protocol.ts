/**
 * The contract between the main-thread proxy and the worker, carried by Comlink.
 *
 * Worker methods never throw across the boundary: they return an `Outcome`, so a `RerankerError`
 * arrives with its class, code and details intact (Comlink alone would keep only name, message and stack).
 */
import { RerankerError, type WireError } from './errors.js';
import type { ModelFiles } from './model-files.js';
import type { RerankerOptions } from './reranker-options.js';
import type {
  CallTimings,
  EncodedRow,
  EncodeOptions,
  LoadProgress,
  RerankerInfo,
  RerankOptions,
  RerankResult,
  ScoreOptions,
} from './types.js';

/**
 * `createReranker` options as they cross into the worker (functions and signals cannot be posted; the page
 * keeps them); picked model files arrive as a path -> Blob map.
 */
export type LoadRequest = Omit<RerankerOptions, 'onProgress' | 'modelFiles' | 'signal'> & { readonly modelFiles?: ModelFiles };

/** Options of score/rerank as they cross the worker boundary (an AbortSignal cannot be posted). */
export type WireScoreOptions = Omit<ScoreOptions, 'signal'>;
export type WireRerankOptions = Omit<RerankOptions, 'signal'>;
export type WireEncodeOptions = Pick<EncodeOptions, 'instruction'>;

/**
 * Most calls (`rerank` and `score`) one reranker holds at a time, queued or running; the next one is refused
 * with `busy` and nothing already queued is disturbed. A session scores one batch at a time, so a caller
 * that queues more than this is outrunning the model: wait for earlier calls, or abort the ones no longer
 * needed.
 */
export const MAX_QUEUED_CALLS = 1000;

export function queueFullError(): RerankerError {
  return new RerankerError(
    'busy',
    `This reranker already holds ${MAX_QUEUED_CALLS} calls (queued or running), the most it queues; this call was not queued. ` +
      'Wait for earlier calls to settle (or abort the ones no longer needed), then call again.',
    { details: { limit: 'maxQueuedCalls', limitValue: MAX_QUEUED_CALLS } },
  );
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export interface WorkerApi {
  /**
   * Takes a Web Lock named `name` for the rest of the worker's life; resolves `true` once held (`false`
   * without Web Locks). The page watches the same name to learn when the worker is gone.
   */
  holdLifeLock(name: string): Promise<boolean>;
  load(request: LoadRequest, onProgress?: (progress: LoadProgress) => void): Promise<Outcome<RerankerInfo>>;
  score(callId: number, pairs: readonly (readonly [string, string])[], options?: WireScoreOptions): Promise<Outcome<number[]>>;
  rerank(callId: number, query: string, documents: readonly string[], options?: WireRerankOptions): Promise<Outcome<RerankResult[]>>;
  encode(callId: number, pairs: readonly (readonly [string, string])[], options?: WireEncodeOptions): Promise<Outcome<EncodedRow[]>>;
  abort(callId: number): void;
  lastTimings(): CallTimings | undefined;
  dispose(): Promise<Outcome<void>>;
}

