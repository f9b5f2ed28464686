/**
 * One Chromium test per (model, device, dtype, capture) case: the library scores every fixture pair twice (a
 * captured shape is recorded on its first batches and replayed after; both must be right) and the second run is
 * compared with the reference: fp32 within 1e-4 of PyTorch, q8 within 0.03 of native onnxruntime's q8 scores.
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
      const { scores, info } = await page.evaluate(
        async ({ model, device, dtype, capture, pairs, base }) => {
          const reranker = await window.lib.createReranker({ model, modelBaseUrl: base, device, dtype, webgpuGraphCapture: capture });
          await reranker.score(pairs);
          const scores = await reranker.score(pairs);
          const info = reranker.info;
          await reranker.dispose();
          return { scores, info };
        },
        { model, device, dtype, capture, pairs, base: FIXTURE_BASE },
      );
      expect(info).toMatchObject({ model, device, dtype, maxLength: reference.maxLength });
      const captured = expectCaptured(testCase);
      expect(info.graphCapture.enabled, info.graphCapture.reason).toBe(captured);
      if (device === 'webgpu' && capture !== false && !captured) expect(info.graphCapture.reason).toMatch(/could not be captured/);
      expect(scores).toHaveLength(reference.pairs.length);
      const tolerance = dtype === 'fp32' ? 1e-4 : 0.03;
      const deviations = reference.pairs.map((pair, index) => {
        const expected = dtype === 'fp32' ? pair.scoreTorch : pair.scoreOrtQ8;
        return { id: pair.id, got: scores[index], expected, diff: Math.abs((scores[index] ?? Number.NaN) - expected) };
      });
      const worst = Math.max(...deviations.map((row) => row.diff));
      // Printed so the README's and docs' fidelity figures come from a real run.
      console.log(`[${tag}] ${model} ${dtype} on ${device}${how}: max |score - reference| = ${worst.toExponential(2)} over ${deviations.length} pairs`);
      expect(deviations.filter((row) => !(row.diff <= tolerance)), `pairs off the reference by more than ${tolerance}`).toEqual([]);
    });
  }
}
