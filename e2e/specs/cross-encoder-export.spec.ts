/**
 * The `cross-encoder` export preset's fixtures (scripts/export/cross_encoder.py, made by
 * scripts/fixtures/make_xenc_fixtures.py) through the library in Chromium: fp32 within 1e-4 of PyTorch on every
 * pair on WASM and on WebGPU (SwiftShader), with graph capture built on WebGPU (every node on the GPU, which the
 * Hub-style XLM-R export of tiny-xlmr-reranker does not allow), and q8 on WASM within 0.03 of native
 * onnxruntime's q8 scores of the same file. ModernBERT included: the preset builds its attention masks without
 * the broadcast boolean And that onnxruntime-web's WebGPU provider gets wrong in batches (docs/export.md), so its
 * export also runs on WebGPU, where `device: 'auto'` may now put it.
 */
import { type ReferenceCase, testCasesAgainstReference } from '../reference-cases.js';
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

const CASES: readonly ReferenceCase[] = [
  { model: 'tiny-bert-reranker-xenc', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-bert-reranker-xenc', device: 'webgpu', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-bert-reranker-xenc', device: 'wasm', dtype: 'q8', capture: 'auto' },
  { model: 'tiny-xlmr-reranker-xenc', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-xlmr-reranker-xenc', device: 'webgpu', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-xlmr-reranker-xenc', device: 'webgpu', dtype: 'fp32', capture: false },
  { model: 'tiny-xlmr-reranker-xenc', device: 'wasm', dtype: 'q8', capture: 'auto' },
  { model: 'tiny-modernbert-reranker-xenc', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-modernbert-reranker-xenc', device: 'wasm', dtype: 'q8', capture: 'auto' },
  { model: 'tiny-modernbert-reranker-xenc', device: 'webgpu', dtype: 'fp32', capture: 'auto' },
];

// Every preset export is all on the GPU, so WebGPU cases that ask for capture get it.
testCasesAgainstReference('xenc', CASES, ({ device, capture }) => device === 'webgpu' && capture !== false);

test("ModernBERT through the preset: device 'auto' takes WebGPU and matches the reference in one batch", async ({ page }) => {
  test.setTimeout(480_000);
  const reference = loadReference('tiny-modernbert-reranker-xenc');
  await openHarness(page);
  const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
  const { scores, info } = await page.evaluate(
    async ({ pairs, base }) => {
      // No graph capture: every pair in one dynamic batch, the shape the broadcast mask fault needed.
      const reranker = await window.lib.createReranker({ model: 'tiny-modernbert-reranker-xenc', modelBaseUrl: base, dtype: 'fp32', webgpuGraphCapture: false });
      const scores = await reranker.score(pairs);
      const info = reranker.info;
      await reranker.dispose();
      return { scores, info };
    },
    { pairs, base: FIXTURE_BASE },
  );
  expect(info.device).toBe('webgpu');
  expect(info.fallbackReason).toBeUndefined();
  const worst = Math.max(...reference.pairs.map((pair, index) => Math.abs((scores[index] ?? Number.NaN) - pair.scoreTorch)));
  console.log(`[xenc] tiny-modernbert-reranker-xenc fp32, device 'auto' (${info.device}), one batch: max |score - reference| = ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-4);
});
