/**
 * The one error type the library throws, on both sides of the worker boundary.
 *
 * Callers branch on `code`, never on message text. Messages say what happened and what to do next.
 */

/** Every reason a reranker call can fail. */
export type RerankerErrorCode =
  /** An argument has the wrong type or value; the message names the argument and the position. */
  | 'invalid-input'
  /** The reranker already holds its most queued calls (`MAX_QUEUED_CALLS`, 1,000); wait for earlier ones, then call again. */
  | 'busy'
  /**
   * The browser refused to start the worker: `new Worker` threw (typically the bundle is served from another
   * origin than the page), or the worker failed before it ever answered (a Content-Security-Policy's
   * `worker-src` forbids it, the script is missing); serve the library's files same-origin and allow them.
   */
  | 'worker-start-failed'
  /** A model file answered 404/401/403; the message names the URL. */
  | 'model-not-found'
  /** A model file was fetched but could not be parsed or turned into a session; the message names the file. */
  | 'model-load-failed'
  /** The model's architecture or head is not one this library can score (for example several labels). */
  | 'unsupported-model'
  /** `device: 'webgpu'` was asked for but this browser has no usable WebGPU adapter. */
  | 'webgpu-unavailable'
  /** The ONNX session failed while scoring. */
  | 'inference-failed'
  /** The `AbortSignal` of the call (or of `createReranker`, for the load) fired before it finished. */
  | 'aborted'
  /** The call's (or the load's) `timeoutMs` passed before it finished; the message says which option to raise. */
  | 'timeout'
  /** `dispose()` was called; create a new reranker. */
  | 'disposed'
  /** The worker died (terminated, closed, crashed); pending calls reject with it, the next call starts a new one. */
  | 'worker-crashed'
  /**
   * `createSearch`'s IndexedDB store refused a write or read (`details.quota` when the origin's quota is full); the
   * message says whether the in-memory index is complete and what to free or turn off (`persist`).
   */
  | 'storage-failed';

export const RERANKER_ERROR_CODES: readonly RerankerErrorCode[] = [
  'invalid-input',
  'busy',
  'worker-start-failed',
  'model-not-found',
  'model-load-failed',
  'unsupported-model',
  'webgpu-unavailable',
  'inference-failed',
  'aborted',
  'timeout',
  'disposed',
  'worker-crashed',
  'storage-failed',
];

export class RerankerError extends Error {
  override readonly name = 'RerankerError';
  readonly code: RerankerErrorCode;
  /** Extra facts for programs: the offending index, the URL that failed, ... */
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(
    code: RerankerErrorCode,
    message: string,
    options: { details?: Record<string, string | number | boolean>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/**
 * The WebGPU device was lost (driver reset, GPU process crash): every later run of that worker's WebGPU
 * session fails, and onnxruntime-web cannot run even a WASM session in the same worker afterwards (its runs
 * fail on the lost device's buffers). The page answers `details.deviceLost` by
 * starting a new worker on WASM when the reranker was created with device 'auto'.
 */
export function deviceLostError(reason: string, options: { cause?: unknown } = {}): RerankerError {
  return new RerankerError(
    'inference-failed',
    `The WebGPU device was lost (${reason}). With device: 'auto' the reranker continues on WASM; with ` +
      `device: 'webgpu' create a new reranker (a new worker gets a new device), or use device: 'auto'.`,
    { details: { deviceLost: true, reason }, cause: options.cause },
  );
}

export function isRerankerError(value: unknown): value is RerankerError {
  return value instanceof RerankerError;
}

/** The structured-clone-safe form of a `RerankerError` (class, code, details and cause survive). */
export interface WireError {
  readonly kind: 'reranker-error';
  readonly code: RerankerErrorCode;
  readonly message: string;
  readonly details: Record<string, string | number | boolean>;
  readonly stack?: string;
  readonly cause?: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof RerankerError) {
    return {
      kind: 'reranker-error',
      code: error.code,
      message: error.message,
      details: { ...error.details },
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(error.cause === undefined ? {} : { cause: describeCause(error.cause) }),
    };
  }
  // Anything else escaping the engine is a bug or a runtime failure we did not classify.
  const text = describeCause(error);
  return {
    kind: 'reranker-error',
    code: 'inference-failed',
    message: `Unexpected failure inside the reranker worker: ${text}`,
    details: {},
    ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

export function fromWireError(wire: WireError): RerankerError {
  const error = new RerankerError(wire.code, wire.message, {
    details: wire.details,
    ...(wire.cause === undefined ? {} : { cause: wire.cause }),
  });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'reranker-error' &&
    RERANKER_ERROR_CODES.includes((value as { code?: RerankerErrorCode }).code as RerankerErrorCode)
  );
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'string') return cause;
  try {
    return JSON.stringify(cause);
  } catch {
    return String(cause);
  }
}
