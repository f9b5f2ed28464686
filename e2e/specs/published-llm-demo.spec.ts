/**
 * The demo's preset for the published Qwen3-Reranker graph (onnx-community/Qwen3-Reranker-0.6B-ONNX), driven
 * as a person would. The real repo cannot be downloaded here, so its Hub URLs are answered with the published
 * fixture (tiny-qwen3-reranker-published: the same layout, the same file names). The page must load it with
 * `preset: 'qwen3-reranker'` (without it the load is refused) and in q4 when the dtype field says auto (the
 * repo has no fp32): the scores shown are native onnxruntime's q4 scores of that file, far from fp32's.
 */
import { readFileSync } from 'node:fs';
import { expect, loadLlmReference, shownRows, test } from '../support.js';

const HUB_MODEL = 'onnx-community/Qwen3-Reranker-0.6B-ONNX';
const FIXTURE = 'tiny-qwen3-reranker-published';

test('the published Qwen3-Reranker preset loads with its preset and q4, and shows q4 scores', async ({ page }) => {
  test.setTimeout(240_000);
  const requested: string[] = [];
  await page.route(`https://huggingface.co/${HUB_MODEL}/resolve/main/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.split('/resolve/main/')[1] ?? '';
    requested.push(path);
    let body: Buffer;
    try {
      body = readFileSync(new URL(`../../fixtures/models/${FIXTURE}/${path}`, import.meta.url));
    } catch {
      return route.fulfill({ status: 404, headers: { 'Access-Control-Allow-Origin': '*' }, body: 'not found' });
    }
    return route.fulfill({ status: 200, headers: { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/octet-stream' }, body });
  });
  // Non-empty passages of one query, none truncated at the page's default length.
  const pairs = loadLlmReference(FIXTURE).cases[0]!.pairs.filter((pair) => pair.query === 'what does the giant panda eat?' && pair.passage.trim() !== '' && !pair.truncated);
  expect(pairs.length).toBeGreaterThanOrEqual(3);

  await page.goto('/?device=wasm');
  await page.locator('#model').selectOption(HUB_MODEL);
  await expect(page.locator('#dtype')).toHaveValue('auto');
  await page.locator('#query').fill(pairs[0]!.query);
  await page.locator('#passages').fill(pairs.map((pair) => pair.passage.trim()).join('\n\n'));
  await page.locator('#rerank').click();

  const shown = await shownRows(page, pairs.length, 200_000);
  for (const row of shown) {
    const pair = pairs[row.index]!;
    // Within 0.03 of native onnxruntime's q4 on the same file (as the LLM specs' q4 check), and so far from fp32's.
    expect(Math.abs(row.raw - pair.scoreOrt.q4), pair.id).toBeLessThan(0.03);
    expect(Math.abs(pair.scoreOrt.q4 - pair.scoreOrt.fp32), `${pair.id}: q4 and fp32 tell apart`).toBeGreaterThan(0.1);
  }
  await expect(page.locator('#info')).toContainText('q4');
  await expect(page.locator('#info')).toContainText("'yes'");
  // The q4 file and no other graph (fp32, which auto asks for on WebGPU, is not published).
  expect([...new Set(requested.filter((path) => path.startsWith('onnx/')))]).toEqual(['onnx/model_q4.onnx']);
  await expect(page.locator('#error')).toBeHidden();
});
