/**
 * The page side's small pieces around a worker call: the errors a call or load ends with when the page (not
 * the worker) stops it, and the plain copies of options that cross to the worker.
 */
import { RerankerError, describeCause, fromWireError, isWireError } from '../shared/errors.js';
import type { ChunkingOptions } from '../shared/types.js';

/** Only the known fields: anything else on the caller's object (a function, a getter) could not be posted. */
export function wireChunking(chunking: boolean | ChunkingOptions | undefined): boolean | ChunkingOptions | undefined {
  if (chunking === undefined || typeof chunking === 'boolean') return chunking;
  return {
    ...(chunking.maxChunksPerDoc === undefined ? {} : { maxChunksPerDoc: chunking.maxChunksPerDoc }),
    ...(chunking.chunkOverlap === undefined ? {} : { chunkOverlap: chunking.chunkOverlap }),
  };
}

export function asRerankerError(error: unknown): RerankerError {
  if (error instanceof RerankerError) return error;
  if (isWireError(error)) return fromWireError(error);
  return new RerankerError('inference-failed', `The reranker call failed: ${describeCause(error)}`, { cause: error });
}

/** `new Worker` threw (a SecurityError for a bundle of another origin, a CSP refusal, ...). */
export function workerStartError(cause: unknown): RerankerError {
  return new RerankerError(
    'worker-start-failed',
    `The browser refused to start the reranker's Web Worker (${describeCause(cause)}). Serve the library's files ` +
      '(its bundle and workers/) from the same origin as the page, and let a Content-Security-Policy allow them ' +
      "(worker-src 'self'; see the README's Content-Security-Policy section).",
    { cause },
  );
}

export function abortedError(): RerankerError {
  return new RerankerError('aborted', 'The call was aborted by its AbortSignal before it finished.');
}

export function callTimeoutError(timeoutMs: number): RerankerError {
  return new RerankerError(
    'timeout',
    `The call did not finish within its timeoutMs (${timeoutMs} ms), queueing included; it was dropped. Raise timeoutMs, ` +
      'or send fewer or shorter documents per call.',
    { details: { argument: 'timeoutMs', limitValue: timeoutMs } },
  );
}

export function loadAbortedError(model: string): RerankerError {
  return new RerankerError('aborted', `Loading ${model} was aborted by the AbortSignal passed to createReranker; its worker was ended. Call createReranker again to load it.`);
}

export function loadTimeoutError(model: string, timeoutMs: number): RerankerError {
  return new RerankerError(
    'timeout',
    `Loading ${model} did not finish within timeoutMs (${timeoutMs} ms); its worker was ended. Check that the model's ` +
      'files are reachable (modelBaseUrl, network), or raise timeoutMs for a large model on a slow connection.',
    { details: { argument: 'timeoutMs', limitValue: timeoutMs } },
  );
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
