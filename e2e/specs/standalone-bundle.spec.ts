/**
 * dist/standalone/webgpu-reranker.js from a plain <script type="module"> page served as static files:
 * no bundler, no bare imports, worker and .wasm found beside the bundle, nothing from a CDN.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init as initLexer, parse as parseModule } from 'es-module-lexer';
import { serveStatic, type StaticServer } from '../static-server.js';
import { expect, test } from '../support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let server: StaticServer;

test.beforeAll(async () => {
  if (!existsSync(`${root}/dist/standalone/webgpu-reranker.js`)) {
    throw new Error('dist/standalone is missing: run `npm run build` before the e2e tests.');
  }
  server = await serveStatic(root);
});
test.afterAll(async () => server?.close());

// transformers.js still carries its CDN default as a string; that nothing is fetched from elsewhere is
// checked below on the real page's requests.
test('the bundle has no bare imports', async () => {
  await initLexer;
  const folder = `${root}/dist/standalone`;
  const scripts = [`${folder}/webgpu-reranker.js`, ...readdirSync(`${folder}/assets`).filter((f) => f.endsWith('.js')).map((f) => `${folder}/assets/${f}`)];
  for (const script of scripts) {
    const text = readFileSync(script, 'utf8');
    // A real ES module lexer: static imports, re-exports and dynamic import() with a literal specifier.
    const [imports] = parseModule(text);
    const specifiers = imports
      .map((entry) => (entry.type === 'static' || entry.type === 'reexport-star' || entry.type === 'dynamic' ? entry.specifier : undefined))
      .filter((name): name is string => name !== undefined);
    const bare = specifiers.filter((specifier) => !/^(\.{1,2}\/|\/|data:|blob:|https?:)/.test(specifier));
    expect(bare, script).toEqual([]);
  }
});

test('a plain page imports the bundle and reranks', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${server.origin}/e2e/pages/standalone.html`);
  await expect(page.locator('#status')).toHaveText(/done on wasm|failed/, { timeout: 120_000 });
  await expect(page.locator('#status')).toHaveText('done on wasm');
  const items = page.locator('#results li');
  await expect(items).toHaveCount(3);
  const scores = (await items.allTextContents()).map(Number);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  expect(requests.filter((url) => !url.startsWith(server.origin))).toEqual([]);
  expect(requests.some((url) => /\/dist\/standalone\/assets\/reranker\.worker-[\w-]+\.js$/.test(url))).toBe(true);
  expect(requests.some((url) => /\/dist\/standalone\/assets\/ort-wasm[\w.-]+\.wasm$/.test(url))).toBe(true);
});
