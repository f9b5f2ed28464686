/**
 * The `fetch` transformers.js downloads model files with (`env.fetch`), held to `maxModelBytes` per file:
 * a response whose `Content-Length` says more is refused before its body is read (transformers.js would
 * allocate a buffer of that size up front), and a body that streams past the limit without one is stopped
 * at the first chunk over it. Either way the load fails with a typed `model-load-failed` naming the URL.
 */
import { RerankerError } from '../shared/errors.js';

export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${bytes} bytes`;
}

export function tooLargeError(url: string, maxBytes: number, actual: number, declared: boolean): RerankerError {
  return new RerankerError(
    'model-load-failed',
    `${url} is ${declared ? '' : 'over '}${formatBytes(actual)}${declared ? ' (its Content-Length)' : ' (so far)'}, over maxModelBytes ` +
      `(${formatBytes(maxBytes)}); it was not downloaded. Pick a smaller dtype (q8, q4), or raise maxModelBytes if this model is meant to be that large.`,
    { details: { url, limit: 'maxModelBytes', limitValue: maxBytes, actual } },
  );
}

/**
 * `base` with the size limit. `onRefused` is told of each refusal, so the loader can report it even when a
 * library between the fetch and the loader rewraps the error.
 */
export function sizeLimitedFetch(base: Fetch, maxBytes: number, onRefused: (error: RerankerError) => void = () => undefined): Fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if ((init?.method ?? 'GET').toUpperCase() === 'HEAD' || response.body === null) return response;
    const url = urlOf(input);
    const header = response.headers.get('content-length');
    const declared = header === null ? Number.NaN : Number(header);
    if (Number.isFinite(declared) && declared > maxBytes) {
      const error = tooLargeError(url, maxBytes, declared, true);
      onRefused(error);
      await response.body.cancel().catch(() => undefined);
      throw error;
    }
    let seen = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            const error = tooLargeError(url, maxBytes, seen, false);
            onRefused(error);
            controller.error(error);
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
