/**
 * The search demo page driven as a person would: wait for the index, type a query, read the results with each
 * stage's rank and the timings; a reload takes the index from IndexedDB. The reranker is the fixture cross-encoder.
 */
import { expect, test } from '../support.js';

const PAGE = '/search.html?modelBaseUrl=/fixtures/models&model=tiny-bert-reranker&device=wasm';

test('the search page indexes the man pages, answers as you type with each stage, and reloads its index', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(PAGE);
  const status = page.locator('#search-status');
  await expect(status).toHaveAttribute('data-ready', 'true', { timeout: 240_000 });
  await expect(status).toContainText('16,034 passages');
  await expect(status).toContainText('built now');
  await expect(status).toContainText('reranker on wasm');

  await page.locator('#search-query').pressSequentially('allocate aligned memory', { delay: 40 });
  const items = page.locator('#search-results li');
  await expect(items).toHaveCount(10);
  await expect(page.locator('#search-timings')).toContainText(/lexical [\d.]+ ms · fusion [\d.]+ ms · rerank \d+ ms · total \d+ ms/);
  const stages = await page.locator('#search-results li .stages').allTextContents();
  // Reranked from the lexical stage's top 50: every result was found lexically, and rerank ranks run 1..10.
  stages.forEach((line, index) => {
    expect(line).toMatch(/^lexical #(\d+) \([\d.]+\) · fused #\d+ · rerank #(\d+) \(-?[\d.]+\)$/);
    expect(Number(/lexical #(\d+)/.exec(line)?.[1])).toBeLessThanOrEqual(50);
    expect(Number(/rerank #(\d+)/.exec(line)?.[1])).toBe(index + 1);
  });

  await page.reload();
  await expect(status).toHaveAttribute('data-ready', 'true', { timeout: 240_000 });
  await expect(status).toContainText('from IndexedDB');
});
