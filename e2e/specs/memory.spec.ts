/**
 * Memory, read from real figures (no timing): 1,000 consecutive rerank calls of 100 passages leave the
 * worker's memory and the page's total (performance.measureUserAgentSpecificMemory, which attributes
 * memory to the worker; WASM memory included) within 10% of their size after warm-up; dispose() gives the
 * memory back; 20 create/dispose cycles leave nothing behind. Its own browser, with gc() exposed and eager
 * memory measurement (otherwise Chromium measures at some later GC).
 */
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js';
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

const MEMORY_ARGS = ['--js-flags=--expose-gc', '--enable-blink-features=ForceEagerMeasureMemory'];
const MB = 1024 * 1024;

interface Figures {
  /** The reranker worker's share of the measurement (its JS heap, ArrayBuffers and WASM memory included). */
  worker: number;
  /** Everything the page uses, workers included. */
  total: number;
}

interface Measurement {
  bytes: number;
  breakdown: { bytes: number; attribution: { url?: string; scope?: string }[] }[];
}

/** A full GC in the page and the worker, then performance.measureUserAgentSpecificMemory (eager here). */
async function figures(page: Page): Promise<Figures> {
  // Only the reranker's own worker: onnxruntime's WASM threads are workers too, parked in Atomics.wait,
  // and would never answer.
  for (const worker of page.workers().filter((w) => w.url().includes('reranker.worker'))) {
    // A worker just disposed can still be listed for a moment.
    await worker.evaluate(() => (globalThis as unknown as { gc(): void }).gc()).catch(() => undefined);
  }
  const measured = await page.evaluate(async () => {
    (globalThis as unknown as { gc(): void }).gc();
    return (performance as unknown as { measureUserAgentSpecificMemory(): Promise<Measurement> }).measureUserAgentSpecificMemory();
  });
  const worker = measured.breakdown
    .filter((entry) => entry.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope' && (a.url ?? '').includes('reranker.worker')))
    .reduce((sum, entry) => sum + entry.bytes, 0);
  return { worker, total: measured.bytes };
}

async function totalMemory(page: Page): Promise<number> {
  return (await figures(page)).total;
}

const show = (f: Figures) => `worker ${(f.worker / MB).toFixed(2)} MB, total ${(f.total / MB).toFixed(1)} MB`;

// About 10 minutes on a 2-core machine (each of the 21 new workers compiles onnxruntime's WASM): run it with
// `npm run test:e2e:memory` (E2E_MEMORY=1), not in every `npm test`.
test.skip(process.env['E2E_MEMORY'] !== '1', 'memory test: set E2E_MEMORY=1 (npm run test:e2e:memory)');

test('1,000 rerank calls of 100 passages: the heap does not grow; dispose and 20 create/dispose cycles leak nothing', async ({ baseURL }) => {
  test.setTimeout(1_200_000);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...MEMORY_ARGS] });
  try {
    const page = await browser.newPage({ baseURL });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await openHarness(page);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const passages = loadReference('tiny-bert-reranker').pairs.map((pair) => pair.passage);
    const documents = Array.from({ length: 100 }, (_, i) => `${passages[i % passages.length] ?? ''} (${i})`);
    const empty = await totalMemory(page);

    await page.evaluate(async (base) => {
      window.reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
    }, FIXTURE_BASE);
    const runCalls = (count: number) =>
      page.evaluate(
        async ({ count, documents }) => {
          const reranker = window.reranker as NonNullable<typeof window.reranker>;
          let checksum = 0;
          for (let i = 0; i < count; i++) checksum += (await reranker.rerank(`query ${i % 7}`, documents, { topK: 5 }))[0]?.score ?? 0;
          return checksum;
        },
        { count, documents },
      );
    await runCalls(50); // warm-up: kernels, allocator pools, JIT
    const warm = await figures(page);
    const samples = [warm];
    for (let block = 0; block < 4; block++) {
      await runCalls(250);
      samples.push(await figures(page));
    }
    const after = samples.at(-1) as Figures;
    console.log(`[memory] after warm-up: ${show(warm)}; every 250 calls: ${samples.slice(1).map(show).join(' | ')}`);
    expect(after.worker, 'the worker after 1,000 calls').toBeGreaterThan(0);
    expect(after.worker, 'the worker after 1,000 calls').toBeLessThanOrEqual(warm.worker * 1.1);
    expect(after.total, 'total memory after 1,000 calls').toBeLessThanOrEqual(warm.total * 1.1);

    // dispose() ends the worker: its heap and WASM memory go back.
    await page.evaluate(() => window.reranker?.dispose());
    const disposed = await totalMemory(page);
    console.log(`[memory] empty page ${(empty / MB).toFixed(1)} MB; loaded ${(after.total / MB).toFixed(1)} MB; after dispose ${(disposed / MB).toFixed(1)} MB`);
    expect(page.workers().filter((w) => w.url().includes('reranker.worker'))).toHaveLength(0);
    expect(disposed).toBeLessThan(after.total);
    expect(disposed).toBeLessThanOrEqual(empty * 1.1 + 2 * MB);

    // 20 create/dispose cycles: nothing accumulates (the first cycle fills the model cache and the JIT).
    const cycle = () =>
      page.evaluate(async (base) => {
        const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
        await reranker.rerank('query', ['a passage', 'another passage']);
        await reranker.dispose();
      }, FIXTURE_BASE);
    await cycle();
    const oneCycle = await totalMemory(page);
    for (let i = 0; i < 20; i++) await cycle();
    const twentyCycles = await totalMemory(page);
    console.log(`[memory] after 1 create/dispose cycle ${(oneCycle / MB).toFixed(1)} MB; after 20 more ${(twentyCycles / MB).toFixed(1)} MB`);
    await expect.poll(() => page.workers().filter((w) => w.url().includes('reranker.worker')).length).toBe(0);
    expect(twentyCycles).toBeLessThanOrEqual(oneCycle * 1.1);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
