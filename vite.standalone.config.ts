import { defineConfig } from 'vite';

/**
 * The standalone bundle: `dist/standalone/webgpu-reranker.js`, importable from a plain
 * `<script type="module">` with no bundler. Everything is bundled (no bare imports); the worker and
 * onnxruntime-web's .wasm are emitted beside it and found relative to it (new URL(..., import.meta.url)).
 */
export default defineConfig({
  publicDir: false,
  // Relative URLs: the bundle may be served from any folder.
  base: './',
  worker: { format: 'es' },
  build: {
    outDir: 'dist/standalone',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline the worker or the 27 MB .wasm as data URLs.
    assetsInlineLimit: 0,
    copyPublicDir: false,
    rollupOptions: {
      input: 'src/index.ts',
      preserveEntrySignatures: 'strict',
      output: {
        entryFileNames: 'webgpu-reranker.js',
        chunkFileNames: '[name]-[hash].js',
        assetFileNames: '[name]-[hash][extname]',
      },
    },
  },
});
