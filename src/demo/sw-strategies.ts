/**
 * The demo service worker's fetch strategies, apart from the worker's globals so unit tests can drive them
 * with plain functions (tests/unit/demo-service-worker.test.ts).
 */

/**
 * Network first, for the page itself: the network's answer so a new deploy shows on the next visit, but the
 * cached copy when the network fails or the server answers with an error of its own (5xx: a proxy's "Bad
 * gateway" page, an overloaded host), which would otherwise replace a working demo. Without a cached copy the
 * 5xx is served as it is, and a network failure stays a failure. 4xx answers are the server's word on the
 * URL and are passed on.
 */
export async function networkFirst(network: () => Promise<Response>, cached: () => Promise<Response | undefined>): Promise<Response> {
  let response: Response;
  try {
    response = await network();
  } catch (error) {
    const copy = await cached();
    if (copy !== undefined) return copy;
    throw error;
  }
  if (response.status >= 500) {
    const copy = await cached();
    if (copy !== undefined) return copy;
  }
  return response;
}

/** Cache first, for content-hashed assets: the network only for a file that is not cached. */
export async function cacheFirst(network: () => Promise<Response>, cached: () => Promise<Response | undefined>): Promise<Response> {
  return (await cached()) ?? network();
}
