/**
 * Offline: a model loaded from files the user picked, with no network request for any model file. Through
 * the demo's folder picker (as a person would), and through `modelFiles` with a file missing.
 */
import { fileURLToPath } from 'node:url';
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

const folder = fileURLToPath(new URL('../../fixtures/models/tiny-bert-reranker', import.meta.url));

test('the demo ranks with a model folder picked on this computer, fetching no model file', async ({ page }) => {
  const reference = loadReference('tiny-bert-reranker');
  const query = reference.pairs[0]?.query ?? '';
  const sameQuery = reference.pairs.filter((pair) => pair.query === query && pair.passage.trim() !== '' && !/\n\s*\n/.test(pair.passage));
  const modelRequests: string[] = [];
  page.on('request', (request) => {
    if (/\/fixtures\/models\/|huggingface\.co/.test(request.url())) modelRequests.push(request.url());
  });
  await page.goto('/?device=wasm&dtype=fp32');
  await page.locator('#model-folder').setInputFiles(folder);
  await expect(page.locator('#model')).toHaveValue('picked-folder');
  await expect(page.locator('#model option:checked')).toContainText('tiny-bert-reranker');
  await page.locator('#query').fill(query);
  await page.locator('#passages').fill(sameQuery.map((pair) => pair.passage.trim()).join('\n\n'));
  await page.locator('#rerank').click();
  const rows = page.locator('#results li');
  await expect(rows).toHaveCount(sameQuery.length, { timeout: 120_000 });
  const raw = await rows.evaluateAll((items) =>
    items.map((item) => ({ index: Number((item as HTMLElement).dataset['index']), raw: Number(item.querySelector('.score-raw')?.textContent) })),
  );
  for (const row of raw) expect(Math.abs(row.raw - (sameQuery[row.index]?.scoreTorch ?? Number.NaN))).toBeLessThanOrEqual(1e-3);
  await expect(page.locator('#info')).toContainText('tiny-bert-reranker');
  expect(modelRequests).toEqual([]);
});

test('modelFiles without tokenizer.json: a typed model-not-found naming it, and no request', async ({ page }) => {
  await openHarness(page);
  const outcome = await page.evaluate(async (base) => {
    const files: Record<string, Blob> = {};
    for (const path of ['config.json', 'tokenizer_config.json', 'onnx/model.onnx']) files[path] = await (await fetch(`${base}/tiny-bert-reranker/${path}`)).blob();
    const before = performance.getEntriesByType('resource').length;
    let error: { code: string; message: string; file: unknown } | null = null;
    try {
      await window.lib.createReranker({ model: 'my-model', modelFiles: files, device: 'wasm', dtype: 'fp32' });
    } catch (e) {
      const typed = e as InstanceType<typeof window.lib.RerankerError>;
      error = { code: typed.code, message: typed.message, file: typed.details['file'] };
    }
    const modelFetches = performance.getEntriesByType('resource').slice(before).filter((entry) => /fixtures\/models|my-model/.test(entry.name));
    return { error, modelFetches: modelFetches.map((entry) => entry.name) };
  }, FIXTURE_BASE);
  expect(outcome.error).toMatchObject({ code: 'model-not-found', file: 'tokenizer.json' });
  expect(outcome.error?.message).toContain('picked model folder has no tokenizer.json');
  expect(outcome.modelFetches).toEqual([]);
});
