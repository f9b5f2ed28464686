// Bundles the browser GPU bench (scripts/bench-gpu/browser/) into OUT: drive.mjs and search-drive.mjs for
// Node (playwright-core beside them as a package Node resolves), page.html + page.js + man-pages.json for
// Chromium, and the standalone build (dist/standalone, `npm run build:standalone` first) as standalone/.
// Usage: node build-browser.mjs OUT
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2] ?? join(root, '.carry', 'browser-bench');
const standalone = join(root, 'dist', 'standalone', 'webgpu-reranker.js');
if (!existsSync(standalone)) throw new Error(`${standalone} is missing: run npm run build:standalone first`);
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'page'), { recursive: true });

await build({
  entryPoints: ['drive', 'search-drive'].map((name) => join(root, `scripts/bench-gpu/browser/${name}.ts`)),
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['playwright-core'],
  logLevel: 'warning',
  legalComments: 'none',
});
await build({
  entryPoints: [join(root, 'scripts/bench-gpu/browser/page.ts')],
  outfile: join(out, 'page', 'page.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
cpSync(join(root, 'scripts/bench-gpu/browser/page.html'), join(out, 'page', 'page.html'));
// The search scenario's corpus (search-drive.mjs): the search demo's man-page paragraphs.
cpSync(join(root, 'demo-data', 'man-pages.json'), join(out, 'page', 'man-pages.json'));
cpSync(join(root, 'dist', 'standalone'), join(out, 'standalone'), { recursive: true });
cpSync(join(root, 'node_modules', 'playwright-core'), join(out, 'node_modules', 'playwright-core'), { recursive: true, dereference: true });
console.log(`bundled into ${out}`);
