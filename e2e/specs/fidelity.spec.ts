/**
 * Scores in a real browser against the PyTorch reference, on every fixture pair: fp32 within 1e-4 on
 * WASM and on WebGPU (SwiftShader), q8 within 0.03 of native onnxruntime's q8 scores.
 */
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

const CASES = [
  { model: 'tiny-bert-reranker', device: 'wasm', dtype: 'fp32' },
  { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'fp32' },
  { model: 'tiny-bert-reranker', device: 'wasm', dtype: 'q8' },
  { model: 'tiny-xlmr-reranker', device: 'wasm', dtype: 'fp32' },
  { model: 'tiny-xlmr-reranker', device: 'webgpu', dtype: 'fp32' },
  { model: 'tiny-xlmr-reranker', device: 'wasm', dtype: 'q8' },
] as const;

for (const { model, device, dtype } of CASES) {
  test(`${model} ${dtype} on ${device} matches the reference on every pair`, async ({ page }) => {
    const reference = loadReference(model);
    await openHarness(page);
    const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
    const { scores, info } = await page.evaluate(
      async ({ model, device, dtype, pairs, base }) => {
        const reranker = await window.lib.createReranker({ model, modelBaseUrl: base, device, dtype });
        const scores = await reranker.score(pairs);
        const info = reranker.info;
        await reranker.dispose();
        return { scores, info };
      },
      { model, device, dtype, pairs, base: FIXTURE_BASE },
    );
    expect(info).toMatchObject({ model, device, dtype, maxLength: reference.maxLength });
    expect(scores).toHaveLength(reference.pairs.length);
    const tolerance = dtype === 'fp32' ? 1e-4 : 0.03;
    const deviations = reference.pairs.map((pair, index) => {
      const expected = dtype === 'fp32' ? pair.scoreTorch : pair.scoreOrtQ8;
      return { id: pair.id, got: scores[index], expected, diff: Math.abs((scores[index] ?? Number.NaN) - expected) };
    });
    const worst = Math.max(...deviations.map((row) => row.diff));
    // Printed so the README's fidelity figures come from a real run.
    console.log(`[fidelity] ${model} ${dtype} on ${device}: max |score - reference| = ${worst.toExponential(2)} over ${deviations.length} pairs`);
    const off = deviations.filter((row) => !(row.diff <= tolerance));
    expect(off, `pairs off the reference by more than ${tolerance}`).toEqual([]);
  });
}
