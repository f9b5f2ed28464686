/// <reference lib="webworker" />
/**
 * The demo's service worker: after one visit, the demo opens and reranks with the network cut.
 *
 * It precaches exactly the files `npm run build:demo` wrote (the list and a version are put in at build time
 * by scripts/demo-service-worker.ts from Vite's bundle): index.html, the page's script and CSS, the reranker
 * worker (which also holds onnxruntime-web's JavaScript: Vite bundles its .mjs into the worker, and the WASM
 * threads start that same file) and onnxruntime-web's .wasm. Model files are not its business:
 * transformers.js keeps them in its own Cache Storage cache ('transformers-cache') and reads them from there
 * before any fetch, so a model loaded once loads offline; this worker never touches that cache.
 *
 * - Assets (content-hashed names): cache first; a name that is not in the list goes to the network untouched.
 * - The page itself (a navigation to the demo's folder or its index.html, or to search.html; any query string): network first,
 *   so a new deploy shows on the next visit; the cached copy when the network fails or answers 5xx.
 * - A new build is a new cache (`webgpu-reranker-demo-<version>`). No skipWaiting(): a new worker takes over
 *   only once no tab runs the old page, whose files stay cached until then; the old caches are dropped then.
 *
 * Hand-written rather than Workbox / vite-plugin-pwa: neither is a dependency, and the whole job is ~60 lines
 * (one cache, one list from Vite's bundle, two strategies); Workbox would add a runtime and a plugin stack
 * (and a manifest generator the demo does not need) for no behaviour this lacks.
 */
import * as strategies from './sw-strategies.js';

declare const self: ServiceWorkerGlobalScope;
/** Paths relative to this script's folder, e.g. `index.html`, `assets/index-abc123.js`. */
declare const __PRECACHE__: readonly string[];
/** Changes whenever any precached file changes. */
declare const __CACHE_VERSION__: string;

const CACHE_PREFIX = 'webgpu-reranker-demo-';
const CACHE_NAME = `${CACHE_PREFIX}${__CACHE_VERSION__}`;
/** The demo's root: the folder this script is served from (its registration scope). */
const root = new URL('./', self.location.href);
const pageUrl = new URL('index.html', root).href;
/** The search demo, the second page. */
const searchPageUrl = new URL('search.html', root).href;
const precached = new Set(__PRECACHE__.map((path) => new URL(path, root).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE_NAME).then((cache) =>
      // `reload`: bypass the HTTP cache, so what is stored is what the server has now. All or nothing: a file
      // that fails fails the install, and the page never claims to work offline with a hole in it.
      cache.addAll([...precached].map((url) => new Request(url, { cache: 'reload' }))),
    ),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME).map((name) => caches.delete(name)))),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== root.origin) return;
  const bare = `${url.origin}${url.pathname}`;
  if (request.mode === 'navigate') {
    // Only the demo page: any other page under the scope (fixture folders, test pages) is not ours.
    if (bare === root.href || bare === pageUrl) event.respondWith(networkFirst(request, pageUrl));
    else if (bare === searchPageUrl) event.respondWith(networkFirst(request, searchPageUrl));
    return;
  }
  if (precached.has(bare)) event.respondWith(cacheFirst(request, bare));
});

function networkFirst(request: Request, cachedUrl: string): Promise<Response> {
  return strategies.networkFirst(() => fetch(request), () => caches.match(cachedUrl, { cacheName: CACHE_NAME }));
}

function cacheFirst(request: Request, cachedUrl: string): Promise<Response> {
  return strategies.cacheFirst(() => fetch(request), () => caches.match(cachedUrl, { cacheName: CACHE_NAME }));
}
