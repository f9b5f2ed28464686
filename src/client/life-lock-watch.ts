/**
 * The watcher's half of crash detection (see src/worker/life-lock.ts): once a worker holds its life lock,
 * the watcher (the page for the reranker's worker; the reranker's worker for its WASM session workers) asks
 * for the same lock; the browser grants it only when the worker has ended, however it ended.
 */

/** A fresh lock name per worker, so two rerankers (or two tabs) never wait on each other's lock. */
export function lifeLockName(): string {
  const id = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `webgpu-reranker-worker-${id}`;
}

/**
 * Calls `onGone` once when the lock `name` is granted to the watcher, i.e. when the worker holding it ended.
 * Returns a function that stops watching (call it before terminating the worker on purpose).
 * Without Web Locks (very old browsers, Node) it watches nothing.
 */
export function watchLifeLock(name: string, onGone: () => void): () => void {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks === undefined) return () => undefined;
  const stop = new AbortController();
  locks
    .request(name, { mode: 'exclusive', signal: stop.signal }, () => {
      if (!stop.signal.aborted) onGone();
      // Release at once: nobody else waits on this name.
    })
    .catch(() => undefined); // AbortError after stop(): the watch was ended on purpose.
  return () => stop.abort();
}
