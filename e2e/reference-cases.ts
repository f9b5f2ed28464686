/**
 * One Chromium test per (model, device, dtype, capture) case: the library scores every fixture pair twice and
 * both runs are compared with the reference: fp32 within 1e-4 of PyTorch, q8 within 0.03 of native
 * onnxruntime's q8 scores. With graph capture, the first run's batches whose shape is not captured yet run on the
 * dynamic session and their shapes are built in idle time: the test waits for those builds
 * (`lastTimings().graphCapture.pendingShapes` empty) before the second run, every batch of which must then run
 * on a captured session.
 * Shared by the specs of the Hub-style fixtures and of the export tool's fixtures.
 */
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from './support.js';

export interface ReferenceCase {
  model: string;
  device: 'wasm' | 'webgpu';
  dtype: 'fp32' | 'q8';
  /** `webgpuGraphCapture`; the tiny fixtures are small enough that `'auto'` captures them where the graph allows. */
  capture: 'auto' | false;
}

/**
 * `expectCaptured` says whether a case's session must end up graph-captured; a WebGPU case that asked for
 * capture and must not get it must say why it "could not be captured". `tag` prefixes the printed figures.
 */
export function testCasesAgainstReference(tag: string, cases: readonly ReferenceCase[], expectCaptured: (testCase: ReferenceCase) => boolean): void {
  for (const testCase of cases) {
    const { model, device, dtype, capture } = testCase;
    const how = device === 'webgpu' ? (capture === false ? ' without graph capture' : ' with graph capture') : '';
    test(`${model} ${dtype} on ${device}${how} matches the reference on every pair`, async ({ page }) => {
      // SwiftShader compiles every WebGPU shader on the CPU: minutes on a loaded 2-core machine.
      if (device === 'webgpu') test.setTimeout(480_000);
      const reference = loadReference(model);
      await openHarness(page);
      const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
      const { firstScores, scores, info, before, after, batches } = await page.evaluate(
        async ({ model, device, dtype, capture, pairs, base }) => {
          const reranker = await window.lib.createReranker({ model, modelBaseUrl: base, device, dtype, webgpuGraphCapture: capture });
          const firstScores = await reranker.score(pairs);
          // Shapes the first run needed are built in idle time: wait until none is pending.
          let before = (await reranker.lastTimings())?.graphCapture;
          while (before !== undefined && before.pendingShapes.length > 0) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            before = (await reranker.lastTimings())?.graphCapture;
          }
          const scores = await reranker.score(pairs);
          const timings = await reranker.lastTimings();
          const info = reranker.info;
          await reranker.dispose();
          return { firstScores, scores, info, before, after: timings?.graphCapture, batches: timings?.batches ?? 0 };
        },
        { model, device, dtype, capture, pairs, base: FIXTURE_BASE },
      );
      expect(info).toMatchObject({ model, device, dtype, maxLength: reference.maxLength });
      const captured = expectCaptured(testCase);
      expect(info.graphCapture.enabled, info.graphCapture.reason).toBe(captured);
      if (device === 'webgpu' && capture !== false && !captured) expect(info.graphCapture.reason).toMatch(/could not be captured/);
      if (captured) {
        // The scores compared below come from captured sessions: every batch of the second run replayed one.
        expect(before?.failedShapes).toEqual([]);
        expect(batches).toBeGreaterThan(0);
        expect((after?.capturedBatches ?? 0) - (before?.capturedBatches ?? 0)).toBe(batches);
        expect(after?.dynamicBatches).toBe(before?.dynamicBatches);
        console.log(`[${tag}] ${model}: captured shapes ${after?.capturedShapes.join(', ')}; ${after?.capturedBatches} captured / ${after?.dynamicBatches} dynamic batches`);
      } else if (device === 'webgpu' && capture !== false) {
        expect(after?.capturedBatches ?? 0).toBe(0);
      } else expect(after).toBeUndefined();
      expect(scores).toHaveLength(reference.pairs.length);
      const tolerance = dtype === 'fp32' ? 1e-4 : 0.03;
      // The first run's batches may have run on the dynamic session, the second's on captured ones: both must be right.
      const deviations = [firstScores, scores].flatMap((run) =>
        reference.pairs.map((pair, index) => {
          const expected = dtype === 'fp32' ? pair.scoreTorch : pair.scoreOrtQ8;
          return { id: pair.id, got: run[index], expected, diff: Math.abs((run[index] ?? Number.NaN) - expected) };
        }),
      );
      const worst = Math.max(...deviations.map((row) => row.diff));
      // Printed so the README's and docs' fidelity figures come from a real run.
      console.log(`[${tag}] ${model} ${dtype} on ${device}${how}: max |score - reference| = ${worst.toExponential(2)} over ${reference.pairs.length} pairs, two runs`);
      expect(deviations.filter((row) => !(row.diff <= tolerance)), `pairs off the reference by more than ${tolerance}`).toEqual([]);
    });
  }
}
