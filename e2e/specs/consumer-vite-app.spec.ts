/**
 * The packed package (`npm pack`) installed into a minimal default Vite app, built with `vite build`,
 * served as static files: the worker and onnxruntime-web's .wasm must be found after bundling, as a
 * user's app would see them.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic, type StaticServer } from '../static-server.js';
import { expect, loadReference, test } from '../support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let app: string;
let server: StaticServer;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // onnxruntime-node (pulled in by transformers.js) must not try to download GPU binaries.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_onnxruntime_node_install: 'skip' },
  });
}

test.beforeAll(async () => {
  test.setTimeout(600_000);
  const work = mkdtempSync(join(tmpdir(), 'webgpu-reranker-consumer-'));
  const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], root).trim().split('\n').pop() ?? '';
  app = join(work, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  const viteVersion = (JSON.parse(readFileSync(join(root, 'node_modules/vite/package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', private: true, type: 'module', scripts: { build: 'vite build' } }, null, 2),
  );
  writeFileSync(
    join(app, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>consumer</title></head>
<body><p id="status">loading</p><ol id="results"></ol><script type="module" src="/src/main.js"></script></body></html>`,
  );
  writeFileSync(
    join(app, 'src/main.js'),
    `import { createReranker } from 'webgpu-reranker';
const status = document.getElementById('status');
const documents = JSON.parse(new URLSearchParams(location.search).get('docs') ?? '[]');
const query = new URLSearchParams(location.search).get('q') ?? '';
try {
  const reranker = await createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: '/models', device: 'wasm', dtype: 'fp32' });
  for (const { index, score } of await reranker.rerank(query, documents)) {
    const item = document.createElement('li');
    item.dataset.index = String(index);
    item.textContent = String(score);
    document.getElementById('results').append(item);
  }
  status.textContent = 'done';
} catch (error) {
  status.textContent = 'failed: ' + (error.code ?? '') + ' ' + error.message;
}
`,
  );
  cpSync(join(root, 'fixtures/models/tiny-bert-reranker'), join(app, 'public/models/tiny-bert-reranker'), { recursive: true });
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(work, packed), `vite@${viteVersion}`], app);
  run('npx', ['vite', 'build'], app);
  server = await serveStatic(join(app, 'dist'));
});

test.afterAll(async () => {
  await server?.close();
  if (app !== undefined) rmSync(join(app, '..'), { recursive: true, force: true });
});

test('a default Vite app that installs the packed package builds and reranks', async ({ page }) => {
  const built = readdirSync(join(app, 'dist/assets'));
  expect(built.some((file) => file.endsWith('.wasm'))).toBe(true);
  const reference = loadReference('tiny-bert-reranker');
  const query = reference.pairs[0]?.query ?? '';
  const sameQuery = reference.pairs.filter((pair) => pair.query === query);
  const documents = sameQuery.map((pair) => pair.passage);
  await page.goto(`${server.origin}/?q=${encodeURIComponent(query)}&docs=${encodeURIComponent(JSON.stringify(documents))}`);
  await expect(page.locator('#status')).toHaveText(/done|failed/, { timeout: 120_000 });
  await expect(page.locator('#status')).toHaveText('done');
  const rows = page.locator('#results li');
  await expect(rows).toHaveCount(documents.length);
  const got = await rows.evaluateAll((items) => items.map((item) => ({ index: Number((item as HTMLElement).dataset['index']), score: Number(item.textContent) })));
  for (const row of got) {
    expect(Math.abs(row.score - (sameQuery[row.index]?.scoreTorch ?? Number.NaN))).toBeLessThanOrEqual(1e-4);
  }
  expect(got.map((row) => row.score)).toEqual([...got.map((row) => row.score)].sort((a, b) => b - a));
});
