/**
 * Keeps a broken download out of the browser cache. transformers.js stores a model file in Cache Storage
 * as soon as its body has been read in full, before anything parses it: a file that arrives whole but is
 * truncated at the source, an HTML error page served with status 200, or a corrupt upload would stay cached
 * and fail every later load, even after the server is fixed. When loading fails on a file's content, the
 * model's cached files are dropped so the next load downloads them again.
 *
 * (A body cut off mid-stream never gets there: the read fails, and transformers.js caches nothing.)
 */

/** Deletes every entry of cache `cacheName` whose URL starts with `prefix`; returns how many. */
export async function evictCachedFiles(cacheName: string, prefix: string): Promise<number> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (storage === undefined) return 0;
  try {
    if (!(await storage.has(cacheName))) return 0;
    const cache = await storage.open(cacheName);
    const stale = (await cache.keys()).filter((request) => request.url.startsWith(prefix));
    await Promise.all(stale.map((request) => cache.delete(request)));
    return stale.length;
  } catch {
    // Eviction is a courtesy to the next load; it must never hide the error being reported.
    return 0;
  }
}
