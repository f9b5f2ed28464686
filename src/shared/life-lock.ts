/**
 * Crash detection for workers, both halves. A worker that is terminated, closes itself or is killed for
 * running out of memory fires no `error` event on its `Worker` object, so whoever started it cannot tell it is
 * gone. A Web Lock can: the worker takes a lock named by its starter and never releases it (`holdLifeLock`);
 * the browser releases every lock of a context that ends, so the starter's own request for the same name
 * (`watchLifeLock`) is granted exactly when the worker is gone. The page watches the reranker's worker; the
 * reranker's worker watches its WASM session workers.
 */
/** Resolves `true` once the lock is held (for the rest of the worker's life), `false` without Web Locks. */
export function holdLifeLock(name: string): Promise<boolean> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks === undefined) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    locks
      .request(name, { mode: 'exclusive' }, () => {
        resolve(true);
        // Never settles: the lock is released only when this worker ends.
        return new Promise<never>(() => undefined);
      })
      .catch(() => resolve(false));
  });
}

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
