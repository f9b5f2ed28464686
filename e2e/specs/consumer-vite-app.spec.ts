/**
 * The packed package (`npm pack`) installed into a minimal default Vite app, built with `vite build`,
 * served as static files: the worker and onnxruntime-web's .wasm must be found after bundling, as a
 * user's app would see them. A second page (e2e/consumer/adapters.js) imports the adapter subpaths with
 * the real framework packages and calls each framework's own entry point; the core page must hold none of it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { serveStatic, type StaticServer } from '../static-server.js';
import { expect, loadReference, test } from '../support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The frameworks the adapters page installs, at the versions this repository tests with. */
const FRAMEWORKS = ['ai', '@langchain/core', '@langchain/classic', '@llamaindex/core', 'zod'];
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
  const versionOf = (name: string): string =>
    `${name}@${(JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`;
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
    join(app, 'adapters.html'),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>adapters</title></head>
<body><p id="status">loading</p><script type="module" src="/src/adapters.js"></script></body></html>`,
  );
  cpSync(join(root, 'e2e/consumer/adapters.js'), join(app, 'src/adapters.js'));
  // Two pages; the manifest tells which chunks each page loads.
  writeFileSync(
    join(app, 'vite.config.js'),
    `export default { build: { manifest: true, rollupOptions: { input: { main: 'index.html', adapters: 'adapters.html' } } } };\n`,
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
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(work, packed), versionOf('vite'), ...FRAMEWORKS.map(versionOf)], app);
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

/** The built JavaScript a page loads (its entry chunk and the chunks it imports), from Vite's manifest. */
function pageScripts(page: string): string {
  const manifest = JSON.parse(readFileSync(join(app, 'dist/.vite/manifest.json'), 'utf8')) as Record<string, { file: string; imports?: string[] }>;
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const next of manifest[key]?.imports ?? []) visit(next);
  };
  visit(page);
  return [...seen].map((key) => readFileSync(join(app, 'dist', manifest[key]?.file ?? ''), 'utf8')).join('\n');
}

test('the core page loads no framework or adapter code; the adapters page does', () => {
  // Names that survive minification: LangChain's serialisation field, the adapters' methods, the AI SDK's spec field.
  const markers = ['lc_namespace', 'postprocessNodes', 'specificationVersion'];
  const core = pageScripts('index.html');
  const adapters = pageScripts('adapters.html');
  expect(markers.filter((marker) => core.includes(marker))).toEqual([]);
  expect(markers.filter((marker) => adapters.includes(marker))).toEqual(markers);
});

interface Ranked {
  index: number;
  score: number;
  text?: string;
  id?: number;
}

async function runAdapters(page: Page, device: 'wasm' | 'webgpu'): Promise<Record<string, unknown>> {
  const reference = loadReference('tiny-bert-reranker');
  const query = reference.pairs[0]?.query ?? '';
  const documents = reference.pairs.filter((pair) => pair.query === query).map((pair) => pair.passage);
  await page.goto(`${server.origin}/adapters.html?device=${device}&q=${encodeURIComponent(query)}&docs=${encodeURIComponent(JSON.stringify(documents))}`);
  await expect(page.locator('#status')).toHaveText(/^(done|failed)/, { timeout: 420_000 });
  await expect(page.locator('#status')).toHaveText('done');
  return JSON.parse((await page.locator('#status').getAttribute('data-result')) ?? '{}') as Record<string, unknown>;
}

for (const device of ['wasm', 'webgpu'] as const) {
  test(`each framework's own entry point ranks through its adapter on ${device}`, async ({ page }) => {
    // WebGPU runs on the SwiftShader (CPU) adapter here: shader compilation alone takes minutes on 2 cores.
    test.setTimeout(480_000);
    const reference = loadReference('tiny-bert-reranker');
    const query = reference.pairs[0]?.query ?? '';
    const sameQuery = reference.pairs.filter((pair) => pair.query === query);
    // The head's own normalization: a sigmoid of the cross-encoder's logit, best first.
    const expected = sameQuery
      .map((pair, index) => ({ index, score: 1 / (1 + Math.exp(-pair.scoreTorch)), text: pair.passage }))
      .sort((a, b) => b.score - a.score);
    const result = await runAdapters(page, device);
    expect(result['device']).toBe(device);
    expect(result['ownedDevice']).toBe('wasm');
    const check = (rows: Ranked[], count: number): void => {
      expect(rows.map((row) => row.index)).toEqual(expected.slice(0, count).map((row) => row.index));
      rows.forEach((row, i) => {
        expect(Math.abs(row.score - (expected[i]?.score ?? Number.NaN))).toBeLessThanOrEqual(1e-4);
        if (row.text !== undefined) expect(row.text).toBe(expected[i]?.text);
        if (row.id !== undefined) expect(row.id).toBe(row.index);
      });
    };
    check(result['ai'] as Ranked[], 2);
    check(result['langchain'] as Ranked[], 2);
    check(result['llamaindex'] as Ranked[], 2);
    // Object documents by their `text` field, on a reranker the AI SDK model created and disposed.
    check(result['aiObjects'] as Ranked[], expected.length);
    expect(result['abortCode']).toBe('aborted');
    expect(result['afterDispose']).toBe('disposed');
  });
}
