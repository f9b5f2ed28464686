/**
 * info.cpuNodes on WebGPU (SwiftShader): a graph whose session copies GPU values to the CPU mid-run names the
 * op types onnxruntime placed there; a graph that runs on the GPU throughout, and any WASM load, reports none.
 * The expected op types are those onnxruntime's own log names for the same files (placement-probe.mjs and a
 * dynamic session logging at severity 0, docs/benchmarks.md). The page's console check (support.ts) fails the
 * test if the verbose placement log leaks to the console. The placement is read at the first WebGPU load of a
 * cached file and kept: a later load of that file reads it back instead of building the graph again.
 */
import type { RerankerInfo } from '../../src/index.js';
import { PLACEMENT_CACHE_NAME } from '../../src/runtime/placement-memo.js';
import { FIXTURE_BASE, expect, openHarness, test } from '../support.js';

interface Load {
  readonly model: string;
  readonly device: 'webgpu' | 'wasm';
  readonly dtype: 'fp32' | 'q8';
}

async function loadInfo(page: import('@playwright/test').Page, load: Load): Promise<{ info: RerankerInfo; scores: number[] }> {
  return page.evaluate(
    async ([base, options]) => {
      const reranker = await window.lib.createReranker({ ...options, modelBaseUrl: base });
      const info = reranker.info;
      // The session still scores: the log capture changes what is printed, not what runs.
      const scores = await reranker.score([['a question', 'an answer']]);
      await reranker.dispose();
      return { info, scores };
    },
    [FIXTURE_BASE, load] as const,
  );
}

test('a q8 graph on WebGPU names its CPU nodes: the int8 products have no WebGPU kernel', async ({ page }) => {
  await openHarness(page);
  const { info, scores } = await loadInfo(page, { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'q8' });
  expect(info).toMatchObject({ device: 'webgpu', dtype: 'q8' });
  expect(Number.isFinite(scores[0])).toBe(true);
  const cpu = info.cpuNodes;
  expect(cpu, 'q8 on WebGPU has CPU nodes').toBeDefined();
  // Two layers: 6 quantized MatMuls each, plus the pooler's and the classifier's.
  expect(cpu?.opTypes['MatMulInteger']).toBe(14);
  expect(cpu?.opTypes['DynamicQuantizeLinear']).toBeGreaterThanOrEqual(9);
  expect(cpu?.gpuToCpuCopies).toBeGreaterThanOrEqual(9);
  expect(cpu?.count).toBe(Object.values(cpu?.opTypes ?? {}).reduce((sum, n) => sum + n, 0));
  expect(cpu?.cost).toMatch(/mid-graph/);
  expect(cpu?.advice).toMatch(/fp32, fp16 or q4f16/);
  expect(cpu?.advice).toMatch(/--preset cross-encoder/);
});

test("a Hub-style XLM-R export on WebGPU names the position-id arithmetic it leaves on the CPU", async ({ page }) => {
  await openHarness(page);
  const { info } = await loadInfo(page, { model: 'tiny-xlmr-reranker', device: 'webgpu', dtype: 'fp32' });
  expect(info.device).toBe('webgpu');
  const cpu = info.cpuNodes;
  expect(cpu, 'the XLM-R export has CPU nodes').toBeDefined();
  // create_position_ids_from_input_ids: the running count of non-pad tokens, cast back to int64 on the GPU
  // and copied to the CPU, where GatherElements and the int64 Equal/Add have no WebGPU kernel.
  expect(cpu?.gpuToCpuCopies).toBe(1);
  expect(cpu?.opTypes['GatherElements']).toBe(1);
  expect(cpu?.opTypes['Equal']).toBeGreaterThanOrEqual(1);
  expect(cpu?.opTypes['MatMulInteger']).toBeUndefined();
  expect(cpu?.advice).not.toMatch(/q8/);
  expect(cpu?.advice).toMatch(/--preset cross-encoder/);
});

test('an eager BERT fp32 graph on WebGPU, and any graph on WASM, report no CPU nodes', async ({ page }) => {
  await openHarness(page);
  const gpu = await loadInfo(page, { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'fp32' });
  expect(gpu.info.device).toBe('webgpu');
  expect(gpu.info.cpuNodes).toBeUndefined();
  const wasm = await loadInfo(page, { model: 'tiny-xlmr-reranker', device: 'wasm', dtype: 'fp32' });
  expect(wasm.info.device).toBe('wasm');
  expect(wasm.info.cpuNodes).toBeUndefined();
});

test('the demo shows a notice with the advice under the model info', async ({ page }) => {
  await page.goto('/?modelBaseUrl=/fixtures/models&model=tiny-bert-reranker&device=webgpu&dtype=q8');
  await page.locator('#query').fill('a question');
  await page.locator('#passages').fill('an answer\n\nanother answer');
  await page.locator('#rerank').click();
  await expect(page.locator('#results li')).toHaveCount(2, { timeout: 120_000 });
  const notice = page.locator('#info .notice');
  await expect(notice).toContainText('MatMulInteger ×14');
  await expect(notice).toContainText('--preset cross-encoder');

  await page.goto('/?modelBaseUrl=/fixtures/models&model=tiny-bert-reranker&device=webgpu&dtype=fp32');
  await page.locator('#query').fill('a question');
  await page.locator('#passages').fill('an answer\n\nanother answer');
  await page.locator('#rerank').click();
  await expect(page.locator('#results li')).toHaveCount(2, { timeout: 120_000 });
  await expect(page.locator('#info')).toContainText('webgpu');
  await expect(page.locator('#info .notice')).toHaveCount(0);
});

test('the placement is read once per cached file: a later load of it reads the one kept in Cache Storage; clearModelCache drops it', async ({ page }) => {
  await openHarness(page);
  const load = { model: 'tiny-bert-reranker', device: 'webgpu', dtype: 'q8' } as const;
  const first = await loadInfo(page, load);
  expect(first.info.cpuNodes).toBeDefined();
  // A marker put in the kept placement shows in the next load's info only if that load read it rather than
  // building the graph again (a new build would name MatMulInteger and the rest, and no marker).
  const { keys, url } = await page.evaluate(async ([cacheName, base]) => {
    const url = new URL(`${base}/tiny-bert-reranker/onnx/model_quantized.onnx`, location.href).href;
    const cache = await caches.open(cacheName);
    const keys = (await cache.keys()).map((request) => request.url);
    const stored = (await (await cache.match(url))?.json()) as { placement: { nodes: Record<string, Record<string, number>> } } | undefined;
    if (stored !== undefined) {
      stored.placement.nodes['CPUExecutionProvider'] = { ...stored.placement.nodes['CPUExecutionProvider'], MarkerOp: 1 };
      await cache.put(url, new Response(JSON.stringify(stored)));
    }
    return { keys, url };
  }, [PLACEMENT_CACHE_NAME, FIXTURE_BASE] as const);
  expect(keys).toEqual([url]);
  const second = await loadInfo(page, load);
  expect(second.info.cpuNodes?.opTypes).toEqual({ ...first.info.cpuNodes?.opTypes, MarkerOp: 1 });
  expect(second.info.cpuNodes?.count).toBe((first.info.cpuNodes?.count ?? Number.NaN) + 1);
  expect(second.info.cpuNodes?.gpuToCpuCopies).toBe(first.info.cpuNodes?.gpuToCpuCopies);
  expect(second.scores).toEqual(first.scores);
  // clearModelCache drops the model's files and the placement read from them, and counts only the files.
  const cleared = await page.evaluate(async ([cacheName, base]) => {
    const files = (await (await caches.open('transformers-cache')).keys()).filter((request) => request.url.includes('/tiny-bert-reranker/')).length;
    const count = await window.lib.clearModelCache('tiny-bert-reranker', { modelBaseUrl: base });
    const placements = (await (await caches.open(cacheName)).keys()).length;
    return { files, count, placements };
  }, [PLACEMENT_CACHE_NAME, FIXTURE_BASE] as const);
  expect(cleared.files).toBeGreaterThan(0);
  expect(cleared.count).toBe(cleared.files);
  expect(cleared.placements).toBe(0);
});
