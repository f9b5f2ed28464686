import { defineConfig } from 'vite';
import { demoServiceWorker } from './scripts/demo-service-worker.js';

/**
 * Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer). Model files from
 * the Hub are fetched with CORS, which `require-corp` allows.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Set by the e2e config: a test page must never be reloaded because a source file changed mid-test. */
const frozen = process.env['WEBGPU_RERANKER_E2E'] === '1';

export default defineConfig({
  // A missing model file must answer 404 (a typed model-not-found), not the demo's index.html.
  appType: 'mpa',
  server: { headers: isolationHeaders, hmr: !frozen, ...(frozen ? { watch: null } : {}) },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  // The demo's offline service worker, written by `vite build` only (see the plugin for why not in dev).
  plugins: [demoServiceWorker()],
  optimizeDeps: {
    // onnxruntime-web finds its .wasm beside its own module (new URL(..., import.meta.url)); pre-bundling
    // would move the module away from the file.
    exclude: ['onnxruntime-web'],
  },
  build: {
    target: 'es2022',
    outDir: 'dist/demo',
    // Two pages: the reranker demo and the search demo.
    rollupOptions: { input: { main: 'index.html', search: 'search.html' } },
  },
});
