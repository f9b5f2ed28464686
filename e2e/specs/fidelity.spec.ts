/**
 * Scores in a real browser against the PyTorch reference, on every fixture pair: fp32 within 1e-4 on
 * WASM and on WebGPU (SwiftShader), q8 within 0.03 of native onnxruntime's q8 scores.
 */
import { type ReferenceCase, testCasesAgainstReference } from '../reference-cases.js';
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

/** `capture`: webgpuGraphCapture. The tiny fixtures are small enough that `'auto'` captures them. */
const CASES: readonly ReferenceCase[] = [
  { model: 'tiny-bert-reranker', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'fp32', capture: false },
  { model: 'tiny-bert-reranker', device: 'wasm', dtype: 'q8', capture: 'auto' },
  { model: 'tiny-xlmr-reranker', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-xlmr-reranker', device: 'webgpu', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-xlmr-reranker', device: 'webgpu', dtype: 'fp32', capture: false },
  { model: 'tiny-xlmr-reranker', device: 'wasm', dtype: 'q8', capture: 'auto' },
  { model: 'tiny-modernbert-reranker', device: 'wasm', dtype: 'fp32', capture: 'auto' },
  { model: 'tiny-modernbert-reranker', device: 'wasm', dtype: 'q8', capture: 'auto' },
];

// The tiny XLM-R export computes position ids in int64 (CumSum), which onnxruntime keeps on the CPU: it cannot be
// captured, says so, and runs on the dynamic session.
testCasesAgainstReference('fidelity', CASES, ({ model, device, capture }) => device === 'webgpu' && capture !== false && model === 'tiny-bert-reranker');

test('several WASM sessions side by side give exactly the scores of one, and info says how many ran', async ({ page }) => {
  const reference = loadReference('tiny-bert-reranker');
  await openHarness(page);
  const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
  const runs = await page.evaluate(
    async ({ pairs, base }) => {
      const out: { sessions: number; threads: number; scores: number[] }[] = [];
      for (const wasmSessions of [1, 3] as const) {
        const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'q8', wasmSessions });
        const scores = await reranker.score(pairs);
        out.push({ sessions: reranker.info.wasmSessions, threads: reranker.info.wasmThreads, scores });
        await reranker.dispose();
      }
      return out;
    },
    { pairs, base: FIXTURE_BASE },
  );
  expect(runs.map((run) => run.sessions)).toEqual([1, 3]);
  expect(runs[1]?.threads).toBe(1);
  // q8 runs one pair per batch, so each pair ran alone on whichever session took it: identical scores.
  expect(runs[1]?.scores).toEqual(runs[0]?.scores);
  const worst = Math.max(...reference.pairs.map((pair, index) => Math.abs((runs[1]?.scores[index] ?? Number.NaN) - pair.scoreOrtQ8)));
  console.log(`[fidelity] tiny-bert-reranker q8 on wasm, 3 sessions: max |score - native q8| = ${worst.toExponential(2)} over ${pairs.length} pairs`);
  expect(worst).toBeLessThan(0.03);
});

test("ModernBERT: device 'auto' runs on WASM, says why, and matches the reference", async ({ page }) => {
  const reference = loadReference('tiny-modernbert-reranker');
  await openHarness(page);
  const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
  const { scores, info } = await page.evaluate(
    async ({ pairs, base }) => {
      const reranker = await window.lib.createReranker({ model: 'tiny-modernbert-reranker', modelBaseUrl: base, dtype: 'fp32' });
      const scores = await reranker.score(pairs);
      const info = reranker.info;
      await reranker.dispose();
      return { scores, info };
    },
    { pairs, base: FIXTURE_BASE },
  );
  // The harness page has WebGPU (SwiftShader); 'auto' still keeps ModernBERT off it (src/runtime/load-plan.ts).
  expect(info.device).toBe('wasm');
  expect(info.fallbackReason).toMatch(/ModernBERT.*device: 'webgpu'/);
  const worst = Math.max(...reference.pairs.map((pair, index) => Math.abs((scores[index] ?? Number.NaN) - pair.scoreTorch)));
  expect(worst).toBeLessThan(1e-4);
});
