/**
 * A broken download never poisons the browser cache: a body cut off mid-stream, or a file that arrives
 * whole but truncated or as an HTML page, fails with a typed error naming the file, leaves no cache entry
 * behind, and the load after the server is fixed succeeds (fetching the file again).
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

test.beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'webgpu-reranker-cache-'));
  for (const name of ['cut', 'truncated', 'html']) cpSync(join(fixtures, 'tiny-bert-reranker'), join(folder, name), { recursive: true });
  server = await serveStatic(folder);
});

test.afterAll(async () => {
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

// Chromium logs the failed body read; that is the situation under test.
test.use({ expectedConsoleErrors: [/ERR_CONTENT_LENGTH_MISMATCH|Failed to load resource/] });

interface LoadOutcome {
  error: { code: string; url: unknown; message: string } | null;
  scores: number[] | null;
  /** The model's entries in transformers.js's cache, with their sizes. */
  cached: Record<string, number>;
}

async function tryLoad(page: Page, model: string): Promise<LoadOutcome> {
  return page.evaluate(
    async ({ base, model }) => {
      let error: LoadOutcome['error'] = null;
      let scores: number[] | null = null;
      try {
        const reranker = await window.lib.createReranker({ model, modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
        scores = await reranker.score([['a question', 'an answer']]);
        await reranker.dispose();
      } catch (e) {
        const typed = e as InstanceType<typeof window.lib.RerankerError>;
        error = { code: typed.code, url: typed.details['url'], message: typed.message };
      }
      const cached: Record<string, number> = {};
      const cache = await caches.open('transformers-cache');
      for (const request of await cache.keys()) {
        if (!request.url.includes(`/${model}/`)) continue;
        const response = await cache.match(request);
        cached[new URL(request.url).pathname] = (await response?.arrayBuffer())?.byteLength ?? -1;
      }
      return { error, scores, cached };
    },
    { base: server.origin, model },
  );
}

const onnxRequests = (model: string) => server.requests.filter((path) => path === `/${model}/onnx/model.onnx`).length;

test('a download cut off midway fails naming the file, caches nothing of it, and the retry succeeds', async ({ page }) => {
  await openHarness(page);
  server.setFault('/cut/onnx/model.onnx', 'cut');
  const broken = await tryLoad(page, 'cut');
  expect(broken.error).toMatchObject({ code: 'model-load-failed', url: `${server.origin}/cut/onnx/model.onnx` });
  expect(broken.cached['/cut/onnx/model.onnx']).toBeUndefined();

  server.setFault('/cut/onnx/model.onnx', undefined);
  const fixed = await tryLoad(page, 'cut');
  expect(fixed.error).toBeNull();
  expect(Number.isFinite(fixed.scores?.[0])).toBe(true);
  expect(fixed.cached['/cut/onnx/model.onnx']).toBe(goodOnnx.length);
});

for (const [model, broken] of [
  ['truncated', goodOnnx.subarray(0, Math.floor(goodOnnx.length / 2))],
  ['html', Buffer.from('<!doctype html><title>Sign in</title><p>Please sign in to download this file.')],
] as const) {
  test(`a model file served whole but ${model === 'html' ? 'as an HTML page' : 'truncated at the source'} is dropped from the cache`, async ({ page }) => {
    await openHarness(page);
    const onnx = join(folder, model, 'onnx/model.onnx');
    writeFileSync(onnx, broken);
    const failed = await tryLoad(page, model);
    expect(failed.error).toMatchObject({ code: 'model-load-failed', url: `${server.origin}/${model}/onnx/model.onnx` });
    // transformers.js had cached the files as they arrived; the failed load dropped the broken one only.
    expect(failed.cached[`/${model}/onnx/model.onnx`]).toBeUndefined();
    expect(Object.keys(failed.cached).sort()).toEqual([`/${model}/config.json`, `/${model}/tokenizer.json`, `/${model}/tokenizer_config.json`]);

    writeFileSync(onnx, goodOnnx); // the server is fixed
    const requestsBefore = onnxRequests(model);
    const fixed = await tryLoad(page, model);
    expect(fixed.error).toBeNull();
    expect(Number.isFinite(fixed.scores?.[0])).toBe(true);
    expect(onnxRequests(model), 'fetched again, not served from a poisoned cache').toBeGreaterThan(requestsBefore);
    expect(fixed.cached[`/${model}/onnx/model.onnx`]).toBe(goodOnnx.length);
  });
}
