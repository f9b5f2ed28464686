/**
 * Loading from a self-hosted folder on another origin: progress, the browser cache (a second load makes
 * no request), WASM threads on a cross-origin isolated page, and corrupt files as typed errors naming the URL.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic, type StaticServer } from '../static-server.js';
import { expect, openHarness, test } from '../support.js';

const fixtures = fileURLToPath(new URL('../../fixtures/models', import.meta.url));
let folder: string;
let server: StaticServer;

test.beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'webgpu-reranker-models-'));
  cpSync(join(fixtures, 'tiny-bert-reranker'), join(folder, 'good'), { recursive: true });
  // A download cut off halfway.
  cpSync(join(fixtures, 'tiny-bert-reranker'), join(folder, 'truncated-onnx'), { recursive: true });
  const onnx = join(folder, 'truncated-onnx/onnx/model.onnx');
  truncateSync(onnx, Math.floor(readFileSync(onnx).length / 2));
  // An HTML error page where the model should be.
  cpSync(join(fixtures, 'tiny-bert-reranker'), join(folder, 'html-onnx'), { recursive: true });
  writeFileSync(join(folder, 'html-onnx/onnx/model.onnx'), '<!doctype html><title>Sign in</title>');
  // A config that is not JSON.
  cpSync(join(fixtures, 'tiny-bert-reranker'), join(folder, 'bad-config'), { recursive: true });
  writeFileSync(join(folder, 'bad-config/config.json'), '{"model_type": "bert", ');
  server = await serveStatic(folder);
});

test.afterAll(async () => {
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

test('progress is reported, files are cached, and a second load makes no request', async ({ page }) => {
  await openHarness(page);
  const first = await page.evaluate(async (base) => {
    const stages: { stage: string; file?: string; loaded?: number; total?: number }[] = [];
    const reranker = await window.lib.createReranker({
      model: 'good',
      modelBaseUrl: base,
      device: 'wasm',
      dtype: 'fp32',
      onProgress: (p) => stages.push({ stage: p.stage, ...('file' in p ? { file: p.file, loaded: p.loaded, total: p.total } : {}) }),
    });
    const info = reranker.info;
    await reranker.dispose();
    return { stages, info, isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency };
  }, server.origin);

  const order = first.stages.map((s) => s.stage).filter((stage, i, all) => stage !== all[i - 1]);
  expect(order.slice(-3)).toEqual(['session', 'warmup', 'ready']);
  const onnxBytes = first.stages.filter((s) => s.stage === 'download' && s.file === 'onnx/model.onnx');
  expect(onnxBytes.length).toBeGreaterThan(0);
  expect(onnxBytes.at(-1)?.loaded).toBe(readFileSync(join(fixtures, 'tiny-bert-reranker/onnx/model.onnx')).length);
  // A tiny model: one single-threaded session per core, at most 4 (wasmSessions 'auto').
  expect(first.isolated).toBe(true);
  expect(first.info.wasmSessions).toBe(Math.max(1, Math.min(4, first.cores)));
  expect(first.info.wasmThreads).toBe(1);

  const fetched = server.requests.filter((path) => path.startsWith('/good/'));
  expect(fetched).toEqual(expect.arrayContaining(['/good/config.json', '/good/tokenizer.json', '/good/onnx/model.onnx']));
  const second = await page.evaluate(async (base) => {
    const reranker = await window.lib.createReranker({ model: 'good', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
    const scores = await reranker.score([['a question', 'an answer']]);
    await reranker.dispose();
    return scores;
  }, server.origin);
  expect(Number.isFinite(second[0])).toBe(true);
  expect(server.requests.filter((path) => path.startsWith('/good/'))).toEqual(fetched);
});

for (const [model, file] of [
  ['truncated-onnx', 'onnx/model.onnx'],
  ['html-onnx', 'onnx/model.onnx'],
  ['bad-config', 'config.json'],
] as const) {
  test(`${model}: a typed model-load-failed error naming ${file}`, async ({ page }) => {
    await openHarness(page);
    const error = await page.evaluate(
      async ({ base, model }) => {
        try {
          await window.lib.createReranker({ model, modelBaseUrl: base, device: 'wasm', dtype: 'fp32', useBrowserCache: false });
          return null;
        } catch (error) {
          const e = error as InstanceType<typeof window.lib.RerankerError>;
          return { isRerankerError: e instanceof window.lib.RerankerError, code: e.code, message: e.message, url: e.details['url'] };
        }
      },
      { base: server.origin, model },
    );
    expect(error).toMatchObject({ isRerankerError: true, code: 'model-load-failed', url: `${server.origin}/${model}/${file}` });
    expect(error?.message).toContain(`${server.origin}/${model}/${file}`);
  });
}
