// Bundles the GPU benchmark (scripts/bench-gpu/bench-gpu.ts and the library code it imports) into
// .carry/bench/ for Node. transformers.js and onnxruntime-web are bundled in their browser builds, as the
// library ships them; only Dawn (`webgpu`, a native addon) stays external.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2] ?? join(root, '.carry', 'bench');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** transformers.js's browser build treats any Node process as Node (and then wants onnxruntime-node):
 * make it take the browser path, so it uses onnxruntime-web and fetch, as in a page. */
const browserTransformers = {
  name: 'browser-transformers',
  setup(b) {
    b.onLoad({ filter: /transformers\.web\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      const needle = /var IS_NODE_ENV = [^;]+;/;
      if (!needle.test(source)) throw new Error('transformers.web.js: IS_NODE_ENV not found; update the bench build');
      return { contents: source.replace(needle, 'var IS_NODE_ENV = false;'), loader: 'js' };
    });
  },
};

await build({
  entryPoints: { 'bench-gpu': join(root, 'scripts/bench-gpu/bench-gpu.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['import', 'default'],
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  external: ['webgpu', 'node:*'],
  plugins: [browserTransformers],
  logLevel: 'warning',
  legalComments: 'none',
});

// Dawn's addon, beside the bundle as a package Node resolves.
const dawn = join(root, 'node_modules', 'webgpu');
const dawnOut = join(out, 'node_modules', 'webgpu');
mkdirSync(join(dawnOut, 'dist', 'linux-x64'), { recursive: true });
for (const file of ['index.js', 'package.json']) copyFileSync(join(dawn, file), join(dawnOut, file));
copyFileSync(join(dawn, 'dist', 'linux-x64', 'dawn.node'), join(dawnOut, 'dist', 'linux-x64', 'dawn.node'));
copyFileSync(
  join(root, 'node_modules', 'onnxruntime-web', 'dist', 'ort-wasm-simd-threaded.asyncify.wasm'),
  join(out, 'ort-wasm-simd-threaded.asyncify.wasm'),
);
console.log(`bundled into ${out}`);
