/**
 * A browser without WebGPU (Chromium without --enable-unsafe-webgpu offers no adapter): 'auto' runs on
 * WASM and says why; an explicit 'webgpu' is refused with webgpu-unavailable, never silently downgraded.
 */
import { chromium } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/shared/chromium.js';
import { FIXTURE_BASE, expect, openHarness, test } from '../support.js';

test('without WebGPU, auto falls back to WASM and webgpu is refused', async ({ baseURL }) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ baseURL });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await openHarness(page);
    const outcome = await page.evaluate(async (base) => {
      const auto = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base });
      const info = auto.info;
      const scores = await auto.score([['a question', 'an answer']]);
      await auto.dispose();
      let code: string | null = null;
      try {
        await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'webgpu' });
      } catch (error) {
        code = (error as { code: string }).code;
      }
      return { info, scores, code };
    }, FIXTURE_BASE);
    expect(outcome.info.device).toBe('wasm');
    expect(outcome.info.fallbackReason).toMatch(/WebGPU/);
    expect(outcome.scores).toHaveLength(1);
    expect(Number.isFinite(outcome.scores[0])).toBe(true);
    expect(outcome.code).toBe('webgpu-unavailable');
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('with WebGPU, auto picks it', async ({ page }) => {
  await openHarness(page);
  const info = await page.evaluate(async (base) => {
    const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base });
    const info = reranker.info;
    await reranker.dispose();
    return info;
  }, FIXTURE_BASE);
  expect(info).toMatchObject({ device: 'webgpu', dtype: 'fp32' });
  expect(info.fallbackReason).toBeUndefined();
});
