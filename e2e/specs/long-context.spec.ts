/**
 * Long context in Chromium (docs/long-context.md): cross-encoders past 512 tokens against the PyTorch
 * reference of scripts/fixtures/make_longctx_fixtures.py, fp32 within 1e-4 on WASM and WebGPU (SwiftShader),
 * truncated pairs included: the jina-reranker-v2-shaped fixture (config without model_type, 1,024 tokens by
 * default) and the bge-reranker-v2-m3-shaped one (8,194 positions) at 2,048 and at its longest, 8,192, where
 * the memory it took is measured and printed for docs/long-context.md (on WebGPU the plan may lower 8,192:
 * then the longest reference pairs that fit are scored).
 */
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS } from '../../scripts/shared/chromium.js';
import { FIXTURE_BASE, expect, loadReference, openHarness, test, type Reference } from '../support.js';

/** Queries of the truncation pairs are long on purpose (they must pass 3/4 of maxLength). */
const LIMITS = { maxQueryChars: 100_000 };

interface Case {
  readonly model: string;
  readonly reference: string;
  readonly device: 'wasm' | 'webgpu';
  /** Passed as maxLength; undefined: the model's default, which the reference's must equal. */
  readonly maxLength: number | undefined;
}

const CASES: readonly Case[] = [
  { model: 'tiny-jina-v2-reranker', reference: 'tiny-jina-v2-reranker', device: 'wasm', maxLength: undefined },
  { model: 'tiny-jina-v2-reranker', reference: 'tiny-jina-v2-reranker', device: 'webgpu', maxLength: undefined },
  { model: 'tiny-xlmr-long-reranker', reference: 'tiny-xlmr-long-reranker', device: 'wasm', maxLength: 2048 },
  { model: 'tiny-xlmr-long-reranker', reference: 'tiny-xlmr-long-reranker', device: 'webgpu', maxLength: 2048 },
];

function compare(reference: Reference, scores: readonly number[], label: string): void {
  expect(scores).toHaveLength(reference.pairs.length);
  const deviations = reference.pairs.map((pair, index) => ({
    id: pair.id,
    tokens: pair.inputIds.length,
    diff: Math.abs((scores[index] ?? Number.NaN) - pair.scoreTorch),
  }));
  const worst = Math.max(...deviations.map((row) => row.diff));
  const longest = Math.max(...deviations.map((row) => row.tokens));
  console.log(`[long-context] ${label}: max |score - PyTorch| = ${worst.toExponential(2)} over ${deviations.length} pairs (longest ${longest} tokens)`);
  expect(deviations.filter((row) => !(row.diff <= 1e-4))).toEqual([]);
}

for (const { model, reference: name, device, maxLength } of CASES) {
  test(`${model} fp32 on ${device} at ${maxLength ?? 'its default'} tokens matches PyTorch past 512 tokens, truncated pairs included`, async ({ page }) => {
    test.setTimeout(600_000);
    const reference = loadReference(name);
    expect(reference.pairs.some((pair) => pair.inputIds.length > 512 && !pair.truncated)).toBe(true);
    expect(reference.pairs.some((pair) => pair.truncated)).toBe(true);
    await openHarness(page);
    const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
    const { scores, info } = await page.evaluate(
      async ({ model, device, maxLength, pairs, base, limits }) => {
        const reranker = await window.lib.createReranker({ model, modelBaseUrl: base, device, dtype: 'fp32', limits, ...(maxLength === undefined ? {} : { maxLength }) });
        const scores = await reranker.score(pairs);
        const info = reranker.info;
        await reranker.dispose();
        return { scores, info };
      },
      { model, device, maxLength, pairs, base: FIXTURE_BASE, limits: LIMITS },
    );
    expect(info).toMatchObject({ model, device, dtype: 'fp32', maxLength: reference.maxLength });
    expect(info.memory?.rowsAtMaxLength).toBeGreaterThanOrEqual(1);
    compare(reference, scores, `${model} fp32 on ${device} at ${reference.maxLength}`);
  });
}

test('a maxLength past what the jina-shaped fixture has positions for is refused at load, naming its limit', async ({ page }) => {
  await openHarness(page);
  const error = await page.evaluate(async (base) => {
    try {
      await window.lib.createReranker({ model: 'tiny-jina-v2-reranker', modelBaseUrl: base, device: 'wasm', maxLength: 2048 });
      return undefined;
    } catch (caught) {
      const { code, message } = caught as { code: string; message: string };
      return { code, message };
    }
  }, FIXTURE_BASE);
  expect(error).toEqual({ code: 'invalid-input', message: expect.stringMatching(/maxLength 2048 exceeds what tiny-jina-v2-reranker supports \(1024 tokens\)/) as unknown });
});

/** Wraps the worker's GPUDevice.createBuffer / GPUBuffer.destroy to track the peak of live buffer bytes. */
const GPU_PEAK_COUNTER = `(() => {
  if (typeof GPUDevice === 'undefined' || typeof GPUBuffer === 'undefined') return;
  const sizes = new WeakMap();
  let live = 0, peak = 0, largest = 0;
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (...args) {
    const buffer = createBuffer.apply(this, args);
    sizes.set(buffer, buffer.size);
    live += buffer.size;
    peak = Math.max(peak, live);
    largest = Math.max(largest, buffer.size);
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function (...args) {
    const size = sizes.get(this);
    if (size !== undefined) { live -= size; sizes.delete(this); }
    return destroy.apply(this, args);
  };
  globalThis.__gpuPeak = () => ({ live, peak, largest });
})();
`;

interface Measurement {
  bytes: number;
  breakdown: { bytes: number; attribution: { url?: string; scope?: string }[] }[];
}

/** The reranker worker's memory (its JS heap and WebAssembly memory), by performance.measureUserAgentSpecificMemory. */
async function workerBytes(page: Page): Promise<number> {
  const measured = await page.evaluate(() =>
    (performance as unknown as { measureUserAgentSpecificMemory(): Promise<Measurement> }).measureUserAgentSpecificMemory(),
  );
  return measured.breakdown
    .filter((entry) => entry.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope' && (a.url ?? '').includes('reranker.worker')))
    .reduce((sum, entry) => sum + entry.bytes, 0);
}

const MB = 1e6;

for (const device of ['wasm', 'webgpu'] as const) {
  test(`tiny-xlmr-long-reranker at its longest on ${device}: the memory plan's maxLength, scores within 1e-4, memory measured`, async ({ baseURL }) => {
    test.setTimeout(1_200_000);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS, '--enable-blink-features=ForceEagerMeasureMemory'],
    });
    try {
      const page = await browser.newPage({ baseURL });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.route(/\/reranker\.worker\.[jt]s/, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, body: GPU_PEAK_COUNTER + (await response.text()) });
      });
      await openHarness(page);
      const info = await page.evaluate(
        async ({ device, base, limits }) => {
          window.reranker = await window.lib.createReranker({ model: 'tiny-xlmr-long-reranker', modelBaseUrl: base, device, dtype: 'fp32', limits });
          return window.reranker.info;
        },
        { device, base: FIXTURE_BASE, limits: LIMITS },
      );
      console.log(`[long-context] ${device}: maxLength ${info.maxLength}; ${info.memory?.reason ?? 'no memory plan'}`);
      const loaded = await workerBytes(page);
      // The 8,192-token reference. Where the plan lowered maxLength (SwiftShader's 1 GiB buffers), its pairs
      // that were not cut and fit the lowered length score the same at any maxLength that holds them.
      const reference = loadReference('tiny-xlmr-long-reranker-8192');
      const lowered = info.maxLength < reference.maxLength;
      if (lowered) expect(info.memory?.reason).toMatch(new RegExp(`maxLength lowered from 8192 \\(the model's own limit\\) to ${info.maxLength}`));
      const longest = reference.pairs.filter(
        (pair) => pair.inputIds.length > 512 && (!lowered || (!pair.truncated && pair.inputIds.length <= info.maxLength)),
      );
      expect(longest.length).toBeGreaterThanOrEqual(2);
      const scores = await page.evaluate(
        (pairs) => (window.reranker as NonNullable<typeof window.reranker>).score(pairs),
        longest.map((pair) => [pair.query, pair.passage] as [string, string]),
      );
      compare({ ...reference, pairs: longest }, scores, `tiny-xlmr-long-reranker fp32 on ${device} at ${info.maxLength}`);
      const scored = await workerBytes(page);
      const worker = page.workers().find((w) => w.url().includes('reranker.worker'));
      const gpu = await worker?.evaluate(() => (globalThis as unknown as { __gpuPeak?: () => { live: number; peak: number; largest: number } }).__gpuPeak?.());
      console.log(
        `[long-context] ${device} at ${info.maxLength} tokens (rows of up to ${Math.max(...longest.map((p) => p.inputIds.length))}): ` +
          `worker memory ${(loaded / MB).toFixed(0)} MB after load, ${(scored / MB).toFixed(0)} MB after scoring` +
          (device === 'webgpu' && gpu !== undefined
            ? `; GPU buffers peak ${(gpu.peak / MB).toFixed(0)} MB live, largest buffer ${(gpu.largest / MB).toFixed(0)} MB`
            : ''),
      );
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
}
