/**
 * Vite plugin for `npm run build:demo`: writes `sw.js` (src/demo/service-worker.ts) beside index.html, with
 * the list of every file the build wrote and a version that changes with their content.
 *
 * Build only (`apply: 'build'`), and the page registers the worker only in a production build: the dev
 * server's module graph (/src/*.ts transformed on request, /node_modules/.vite/deps with ?v= hashes, the HMR
 * client, the worker as /workers/reranker.worker.ts?worker_file) is not known up front and changes on every
 * edit, so it cannot be precached, and a worker serving stale modules would hide the edits being tested.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'vite';

const SOURCE = fileURLToPath(new URL('../src/demo/service-worker.ts', import.meta.url));
export const SERVICE_WORKER_FILE = 'sw.js';

export function demoServiceWorker(): Plugin {
  return {
    name: 'webgpu-reranker:demo-service-worker',
    apply: 'build',
    // After every other plugin wrote its files (index.html is emitted late), so the bundle is complete.
    async writeBundle(options, bundle) {
      const outDir = options.dir;
      if (outDir === undefined) throw new Error('demo-service-worker: the build has no output folder');
      const files = Object.values(bundle)
        .filter((output) => !output.fileName.endsWith('.map'))
        .sort((a, b) => a.fileName.localeCompare(b.fileName));
      const hash = createHash('sha256');
      for (const output of files) {
        hash.update(output.fileName);
        hash.update(output.type === 'chunk' ? output.code : output.source);
      }
      const precache = files.map((output) => output.fileName);
      const result = await build({
        entryPoints: [SOURCE],
        bundle: true,
        // A classic script: module service workers are not supported everywhere yet.
        format: 'iife',
        target: 'es2022',
        write: false,
        legalComments: 'none',
        define: {
          __PRECACHE__: JSON.stringify(precache),
          __CACHE_VERSION__: JSON.stringify(hash.digest('hex').slice(0, 16)),
        },
      });
      const code = result.outputFiles[0]?.text;
      if (code === undefined) throw new Error('demo-service-worker: esbuild wrote nothing');
      await writeFile(join(outDir, SERVICE_WORKER_FILE), code);
      this.info(`${SERVICE_WORKER_FILE}: ${precache.length} files precached`);
    },
  };
}
