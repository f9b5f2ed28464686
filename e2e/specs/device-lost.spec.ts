/**
 * The WebGPU device lost mid-run (here destroyed through the WebGPU API inside the worker, as a driver
 * reset or GPU process crash would lose it): with device 'auto' the call is retried on WASM in a new worker,
 * its scores are right, and `info` reports the switch. With an explicit device 'webgpu' nothing is
 * downgraded: the call fails with inference-failed.
 */
import type { Page } from '@playwright/test';
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

// transformers.js logs the failed run on the console before the library recovers; that is expected here.
test.use({ expectedConsoleErrors: [/An error occurred during model execution|Inputs given to model|Device was lost|device.*lost/i] });

/** Destroys the worker's GPU device the next time anything encodes GPU commands. */
async function loseDeviceOnNextRun(page: Page): Promise<void> {
  const worker = page.workers().find((w) => w.url().includes('reranker.worker'));
  if (worker === undefined) throw new Error('no reranker worker');
  await worker.evaluate(() => {
    const original = GPUDevice.prototype.createCommandEncoder;
    let destroyed = false;
    GPUDevice.prototype.createCommandEncoder = function (this: GPUDevice, ...args: [GPUCommandEncoderDescriptor?]) {
      if (!destroyed) {
        destroyed = true;
        this.destroy();
      }
      return original.apply(this, args);
    };
  });
}

test('device auto: a lost WebGPU device moves the model to WASM, the call still succeeds, info says so', async ({ page }) => {
  const reference = loadReference('tiny-bert-reranker');
  const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
  await openHarness(page);
  const before = await page.evaluate(async (base) => {
    window.reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, dtype: 'fp32' });
    return window.reranker.info;
  }, FIXTURE_BASE);
  expect(before).toMatchObject({ device: 'webgpu', dtype: 'fp32' });
  await loseDeviceOnNextRun(page);
  const after = await page.evaluate(async (pairs) => {
    const reranker = window.reranker as NonNullable<typeof window.reranker>;
    const scores = await reranker.score(pairs);
    const info = reranker.info;
    const again = await reranker.score(pairs.slice(0, 2));
    await reranker.dispose();
    return { scores, info, again };
  }, pairs);
  expect(after.info).toMatchObject({ device: 'wasm', dtype: 'fp32' });
  expect(after.info.fallbackReason).toMatch(/WebGPU device was lost .*moved to WASM \(fp32\)/);
  console.log(`[device-lost] ${after.info.fallbackReason}`);
  after.scores.forEach((score, i) => expect(Math.abs(score - (reference.pairs[i]?.scoreTorch ?? Number.NaN)), `pair ${i}`).toBeLessThanOrEqual(1e-4));
  expect(after.again).toEqual(after.scores.slice(0, 2));
});

test('device webgpu: a lost device fails the call with inference-failed, never a silent downgrade', async ({ page }) => {
  await openHarness(page);
  await page.evaluate(async (base) => {
    window.reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'webgpu', dtype: 'fp32' });
  }, FIXTURE_BASE);
  await loseDeviceOnNextRun(page);
  const outcome = await page.evaluate(async () => {
    const reranker = window.reranker as NonNullable<typeof window.reranker>;
    const error = await reranker.score([['a', 'b']]).then(
      () => undefined,
      (e: { code?: string; details?: Record<string, unknown> }) => e,
    );
    const info = reranker.info;
    await reranker.dispose();
    return { code: error?.code, deviceLost: error?.details?.['deviceLost'], info };
  });
  expect(outcome.code).toBe('inference-failed');
  expect(outcome.info.device).toBe('webgpu');
});
