/**
 * The load path in Chromium with Cache Storage: what a failed load drops from the cache (only a file whose
 * content failed, never on a network failure, never another model's files), revisions kept apart,
 * clearModelCache, the config dropped on a dtype the export lacks, a stalled server under timeoutMs, and
 * maxModelBytes. The models are copies of the fixtures, served by the static server on a free port.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { serveStatic, type StaticServer } from '../static-server.js';
import { expect, openHarness, test } from '../support.js';

const fixtures = fileURLToPath(new URL('../../fixtures/models', import.meta.url));
const goodOnnx = readFileSync(join(fixtures, 'tiny-bert-reranker/onnx/model.onnx'));
let folder: string;
let server: StaticServer;

const copy = (from: string, to: string) => cpSync(join(fixtures, from), join(folder, to), { recursive: true });

test.beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'webgpu-reranker-load-'));
  copy('tiny-bert-reranker', 'offline');
  copy('tiny-bert-reranker', 'org');
  copy('tiny-bert-reranker', 'org/name');
  copy('tiny-bert-reranker', 'rev');
  copy('tiny-gemma-reranker', 'reexport');
  copy('tiny-bert-reranker', 'stall');
  copy('tiny-bert-reranker', 'big');
  server = await serveStatic(folder);
});

test.afterAll(async () => {
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

// Failed downloads are the situation under test.
test.use({ expectedConsoleErrors: [/Failed to load resource|ERR_/] });

interface LoadOutcome {
  error: { code: string; message: string; details: Record<string, unknown> } | null;
  scores: number[] | null;
  info: { dtype: string } | null;
  /** Every entry of transformers.js's cache: path + search -> size. */
  cached: Record<string, number>;
}

type LoadOptions = { model: string; dtype?: string; revision?: string; timeoutMs?: number; maxModelBytes?: number; device?: string };

async function tryLoad(page: Page, options: LoadOptions): Promise<LoadOutcome> {
  return page.evaluate(
    async ({ base, options }) => {
      let error: LoadOutcome['error'] = null;
      let scores: number[] | null = null;
      let info: LoadOutcome['info'] = null;
      try {
        const reranker = await window.lib.createReranker({ modelBaseUrl: base, device: 'wasm', dtype: 'fp32', ...options } as Parameters<typeof window.lib.createReranker>[0]);
        scores = await reranker.score([['a question', 'an answer']]);
        info = { dtype: reranker.info.dtype };
        await reranker.dispose();
      } catch (e) {
        const typed = e as InstanceType<typeof window.lib.RerankerError>;
        error = { code: typed.code, message: typed.message, details: { ...typed.details } };
      }
      return { error, scores, info, cached: await cachedFiles() };

      async function cachedFiles(): Promise<Record<string, number>> {
        const cached: Record<string, number> = {};
        const cache = await caches.open('transformers-cache');
        for (const request of await cache.keys()) {
          const response = await cache.match(request);
          const url = new URL(request.url);
          cached[url.pathname + url.search] = (await response?.arrayBuffer())?.byteLength ?? -1;
        }
        return cached;
      }
    },
    { base: server.origin, options },
  );
}

const filesOf = (cached: Record<string, number>, model: string) =>
  Object.keys(cached)
    .filter((path) => path.startsWith(`/${model}/`) && !path.slice(model.length + 2).includes('/', path.includes('/onnx/') ? model.length + 3 : 0))
    .sort();
const requestsOf = (path: string) => server.requests.filter((request) => request === path).length;

test('a network failure drops nothing: offline, asking for an uncached dtype keeps the cached one that works', async ({ page }) => {
  await openHarness(page);
  const first = await tryLoad(page, { model: 'offline', dtype: 'fp32' });
  expect(first.error).toBeNull();
  const cachedBefore = filesOf(first.cached, 'offline');
  expect(cachedBefore).toContain('/offline/onnx/model.onnx');

  // The server is gone: every file of the model fails at the network level.
  for (const path of ['/offline/*', '/offline/onnx/*']) server.setFault(path, 'reset');
  const q8 = await tryLoad(page, { model: 'offline', dtype: 'q8' });
  expect(q8.error).toMatchObject({ code: 'model-load-failed', details: { url: `${server.origin}/offline/onnx/model_quantized.onnx` } });
  expect(filesOf(q8.cached, 'offline'), 'nothing was evicted').toEqual(cachedBefore);

  const again = await tryLoad(page, { model: 'offline', dtype: 'fp32' });
  expect(again.error).toBeNull();
  expect(again.scores?.[0]).toBeCloseTo(first.scores?.[0] ?? Number.NaN, 5);
  for (const path of ['/offline/*', '/offline/onnx/*']) server.setFault(path, undefined);
});

test("a broken file of 'org' is dropped by its exact key, never the files of 'org/name'", async ({ page }) => {
  await openHarness(page);
  const nested = await tryLoad(page, { model: 'org/name' });
  expect(nested.error).toBeNull();
  const nestedFiles = Object.keys(nested.cached).filter((path) => path.startsWith('/org/name/')).sort();
  expect(nestedFiles).toContain('/org/name/onnx/model.onnx');

  writeFileSync(join(folder, 'org/onnx/model.onnx'), goodOnnx.subarray(0, goodOnnx.length >> 1));
  const broken = await tryLoad(page, { model: 'org' });
  expect(broken.error).toMatchObject({ code: 'model-load-failed', details: { url: `${server.origin}/org/onnx/model.onnx` } });
  expect(broken.cached['/org/onnx/model.onnx']).toBeUndefined();
  expect(Object.keys(broken.cached).filter((path) => path.startsWith('/org/name/')).sort(), "org/name's files stay").toEqual(nestedFiles);
  writeFileSync(join(folder, 'org/onnx/model.onnx'), goodOnnx);
});

test('revisions are cached apart, and clearModelCache drops one model and counts it', async ({ page }) => {
  await openHarness(page);
  const v1 = await tryLoad(page, { model: 'rev', revision: 'v1' });
  expect(v1.error).toBeNull();
  expect(v1.cached['/rev/onnx/model.onnx?revision=v1']).toBe(goodOnnx.length);
  expect(v1.cached['/rev/onnx/model.onnx']).toBeUndefined();

  // The folder is re-exported as another model at the same URL.
  rmSync(join(folder, 'rev'), { recursive: true });
  copy('tiny-xlmr-reranker', 'rev');
  const onnxBefore = requestsOf('/rev/onnx/model.onnx');
  const v1Again = await tryLoad(page, { model: 'rev', revision: 'v1' });
  expect(v1Again.scores?.[0], 'v1 comes from the cache as it was').toBeCloseTo(v1.scores?.[0] ?? Number.NaN, 5);
  expect(requestsOf('/rev/onnx/model.onnx')).toBe(onnxBefore);

  const v2 = await tryLoad(page, { model: 'rev', revision: 'v2' });
  expect(v2.error).toBeNull();
  expect(requestsOf('/rev/onnx/model.onnx'), 'v2 was downloaded').toBeGreaterThan(onnxBefore);
  expect(v2.scores?.[0]).not.toBeCloseTo(v1.scores?.[0] ?? Number.NaN, 3);
  const revFiles = Object.keys(v2.cached).filter((path) => path.startsWith('/rev/'));
  expect(revFiles.filter((path) => path.endsWith('?revision=v1')).length).toBe(revFiles.filter((path) => path.endsWith('?revision=v2')).length);

  const cleared = await page.evaluate(
    async ({ base }) => {
      // Another model's file, whose folder name starts like this one's.
      await (await caches.open('transformers-cache')).put(`${base}/rev2/config.json`, new Response('{}'));
      const count = await window.lib.clearModelCache('rev', { modelBaseUrl: base });
      const left = (await (await caches.open('transformers-cache')).keys()).map((request) => new URL(request.url).pathname);
      return { count, left };
    },
    { base: server.origin },
  );
  expect(cleared.count).toBe(revFiles.length);
  expect(cleared.left.filter((path) => path.startsWith('/rev/'))).toEqual([]);
  expect(cleared.left, 'other models stay').toContain('/rev2/config.json');
});

test('a dtype the export lacks drops the cached config, so a re-export at the same URL is read afresh', async ({ page }) => {
  await openHarness(page);
  const configPath = join(folder, 'reexport/config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { webgpu_reranker: { dtypes: string[] } };
  writeFileSync(configPath, JSON.stringify({ ...config, webgpu_reranker: { ...config.webgpu_reranker, dtypes: ['fp32'] } }));
  const fp32 = await tryLoad(page, { model: 'reexport', dtype: 'fp32' });
  expect(fp32.error).toBeNull();
  const refused = await tryLoad(page, { model: 'reexport', dtype: 'q4' });
  expect(refused.error).toMatchObject({ code: 'model-not-found', details: { argument: 'dtype' } });
  expect(refused.cached['/reexport/config.json'], 'the config that refused q4 is gone').toBeUndefined();
  expect(refused.cached['/reexport/onnx/model.onnx'], 'the weights are not').toBeGreaterThan(0);

  writeFileSync(configPath, JSON.stringify(config)); // re-exported with q4
  const q4 = await tryLoad(page, { model: 'reexport', dtype: 'q4' });
  expect(q4.error).toBeNull();
  expect(q4.info?.dtype).toBe('q4');
});

test('timeoutMs ends a load from a server that never answers; the next load works', async ({ page }) => {
  await openHarness(page);
  server.setFault('/stall/onnx/model.onnx', 'stall');
  const started = Date.now();
  const stalled = await tryLoad(page, { model: 'stall', timeoutMs: 4_000 });
  expect(stalled.error).toMatchObject({ code: 'timeout', details: { argument: 'timeoutMs', limitValue: 4_000 } });
  expect(Date.now() - started).toBeLessThan(30_000);
  server.setFault('/stall/onnx/model.onnx', undefined);
  const fixed = await tryLoad(page, { model: 'stall', timeoutMs: 60_000 });
  expect(fixed.error).toBeNull();
  expect(Number.isFinite(fixed.scores?.[0])).toBe(true);
});

test('maxModelBytes refuses a file over it, by Content-Length, naming the file', async ({ page }) => {
  await openHarness(page);
  const limit = goodOnnx.length - 1;
  const refused = await tryLoad(page, { model: 'big', maxModelBytes: limit });
  expect(refused.error).toMatchObject({
    code: 'model-load-failed',
    details: { url: `${server.origin}/big/onnx/model.onnx`, limit: 'maxModelBytes', limitValue: limit, actual: goodOnnx.length },
  });
  expect(refused.cached['/big/onnx/model.onnx']).toBeUndefined();
  const fits = await tryLoad(page, { model: 'big', maxModelBytes: goodOnnx.length });
  expect(fits.error).toBeNull();
});
