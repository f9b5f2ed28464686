/**
 * Scores in a real browser against the PyTorch reference, on every fixture pair: fp32 within 1e-4 on
 * WASM and on WebGPU (SwiftShader), q8 within 0.03 of native onnxruntime's q8 scores.
 */
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

/** `capture`: webgpuGraphCapture. The tiny fixtures are small enough that `'auto'` captures them. */
const CASES = [
  { model: 'tiny-bert-reranker', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'fp32', capture: false },
  { model: 'tiny-bert-reranker', device: 'wasm', dtype: 'q8', capture: 'auto' },
  { model: 'tiny-xlmr-reranker', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-xlmr-reranker', device: 'webgpu', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-xlmr-reranker', device: 'webgpu', dtype: 'fp32', capture: false },
  { model: 'tiny-xlmr-reranker', device: 'wasm', dtype: 'q8', capture: 'auto' },
] as const;

for (const { model, device, dtype, capture } of CASES) {
  const how = device === 'webgpu' ? (capture === false ? ' without graph capture' : ' with graph capture') : '';
  test(`${model} ${dtype} on ${device}${how} matches the reference on every pair`, async ({ page }) => {
    const reference = loadReference(model);
    await openHarness(page);
    const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
    const { scores, info } = await page.evaluate(
      async ({ model, device, dtype, capture, pairs, base }) => {
        const reranker = await window.lib.createReranker({ model, modelBaseUrl: base, device, dtype, webgpuGraphCapture: capture });
        // Twice: a captured shape is recorded on its first batches and replayed after; both must be right.
        await reranker.score(pairs);
        const scores = await reranker.score(pairs);
        const info = reranker.info;
        await reranker.dispose();
        return { scores, info };
      },
      { model, device, dtype, capture, pairs, base: FIXTURE_BASE },
    );
    expect(info).toMatchObject({ model, device, dtype, maxLength: reference.maxLength });
    // The tiny XLM-R export computes position ids in int64 (CumSum), which onnxruntime keeps on the CPU: it
    // cannot be captured, says so, and runs on the dynamic session.
    const captured = device === 'webgpu' && capture !== false && model === 'tiny-bert-reranker';
    expect(info.graphCapture.enabled, info.graphCapture.reason).toBe(captured);
    if (device === 'webgpu' && capture !== false && !captured) expect(info.graphCapture.reason).toMatch(/could not be captured/);
    expect(scores).toHaveLength(reference.pairs.length);
    const tolerance = dtype === 'fp32' ? 1e-4 : 0.03;
    const deviations = reference.pairs.map((pair, index) => {
      const expected = dtype === 'fp32' ? pair.scoreTorch : pair.scoreOrtQ8;
      return { id: pair.id, got: scores[index], expected, diff: Math.abs((scores[index] ?? Number.NaN) - expected) };
    });
    const worst = Math.max(...deviations.map((row) => row.diff));
    // Printed so the README's fidelity figures come from a real run.
    console.log(`[fidelity] ${model} ${dtype} on ${device}${how}: max |score - reference| = ${worst.toExponential(2)} over ${deviations.length} pairs`);
    const off = deviations.filter((row) => !(row.diff <= tolerance));
    expect(off, `pairs off the reference by more than ${tolerance}`).toEqual([]);
  });
}
