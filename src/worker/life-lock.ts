/**
 * The worker's half of crash detection. A worker that is terminated, closes itself or is killed for
 * running out of memory fires no `error` event on its `Worker` object, so the page cannot tell it is gone.
 * A Web Lock can: the worker takes a lock named by the page and never releases it; the browser releases
 * every lock of a context that ends, so the page's own request for the same name is granted exactly when
 * the worker is gone (see src/client/life-lock-watch.ts).
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
