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

test('graph capture: a shape not captured yet runs on the dynamic session at once, is captured in idle time, then replays with the same scores', async ({ page }) => {
  // SwiftShader compiles every WebGPU shader on the CPU: minutes on a loaded 2-core machine.
  test.setTimeout(480_000);
  const reference = loadReference('tiny-bert-reranker');
  await openHarness(page);
  // Pairs of 65-96 tokens pad to the 96-token bucket (42x96): neither the shape built during the load (32x128)
  // nor the warm-up row's (64x32), so no build of it can be in flight when the first call comes.
  const texts = reference.pairs.map((pair) => [pair.query, `${pair.passage} ${pair.passage} ${pair.passage} ${pair.passage}`] as const);
  const run = await page.evaluate(
    async ({ texts, base }) => {
      const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'webgpu', dtype: 'fp32' });
      // Six passages cut to the most characters whose row stays within 96 tokens (encode gives the rows' token ids).
      const pairs: [string, string][] = [];
      for (const [query, passage] of texts) {
        if (pairs.length === 6) break;
        const cuts = Array.from({ length: Math.ceil(passage.length / 4) }, (_, n) => [query, passage.slice(0, 4 * (n + 1))] as [string, string]);
        const rows = await reranker.encode(cuts);
        const fits = rows.map((row, n) => (row.inputIds.length > 64 && row.inputIds.length <= 96 ? n : -1)).filter((n) => n >= 0);
        const cut = cuts[fits.at(-1) ?? -1];
        if (cut !== undefined) pairs.push(cut);
      }
      const state = async () => (await reranker.lastTimings())?.graphCapture;
      const loaded = reranker.info.graphCapture;
      const first = await reranker.score(pairs);
      const firstBatches = (await reranker.lastTimings())?.batches ?? 0;
      const afterFirst = await state();
      let settled = afterFirst;
      while (settled !== undefined && settled.pendingShapes.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        settled = await state();
      }
      const second = await reranker.score(pairs);
      const afterSecond = await state();
      await reranker.dispose();
      const plain = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'webgpu', dtype: 'fp32', webgpuGraphCapture: false });
      const uncaptured = await plain.score(pairs);
      await plain.dispose();
      return { pairs, loaded, first, firstBatches, afterFirst, settled, second, afterSecond, uncaptured };
    },
    { texts, base: FIXTURE_BASE },
  );
  expect(run.loaded.enabled, run.loaded.reason).toBe(true);
  expect(run.loaded.reason).toContain('32x128 during the load');
  // The first call did not wait for a build of its shape: its batches ran dynamically and the shape is pending.
  expect(run.firstBatches).toBeGreaterThan(0);
  expect(run.pairs).toHaveLength(6);
  expect(run.afterFirst?.pendingShapes, JSON.stringify(run.afterFirst)).toContain('42x96');
  expect(run.afterFirst?.capturedShapes).not.toContain('42x96');
  // Built in idle time; the second call replayed it for every batch.
  expect(run.settled?.capturedShapes).toContain('42x96');
  expect((run.afterSecond?.capturedBatches ?? 0) - (run.settled?.capturedBatches ?? 0)).toBe(run.firstBatches);
  expect(run.afterSecond?.dynamicBatches).toBe(run.settled?.dynamicBatches);
  // Dynamic, captured and capture-off scores agree (the capture-off path is checked against PyTorch above).
  const worst = Math.max(...run.second.map((score, i) => Math.max(Math.abs(score - (run.first[i] ?? Number.NaN)), Math.abs(score - (run.uncaptured[i] ?? Number.NaN)))));
  console.log(`[fidelity] tiny-bert-reranker: 42x96 dynamic first, captured after its idle build; max |captured - dynamic| = ${worst.toExponential(2)} over ${run.pairs.length} pairs`);
  expect(worst).toBeLessThan(1e-4);
});
