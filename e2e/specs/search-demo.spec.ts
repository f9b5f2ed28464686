/**
 * The search demo page driven as a person would: wait for the index (embedding progress shown), type a query,
 * read the results with each stage's rank and the timings; a reload takes the index and every embedding from
 * IndexedDB. The reranker is the fixture cross-encoder, the embedder the fixture all-MiniLM-L6-v2-shaped model
 * (random weights: its dense ranks are not meaningful, only present). An embedder that cannot load leaves the
 * page searching lexically, with English stop words left out of the lexical stage.
 */
import { expect, test } from '../support.js';

const RERANKER = 'modelBaseUrl=/fixtures/models&model=tiny-bert-reranker&device=wasm';
const PAGE = `/search.html?${RERANKER}&embedderBaseUrl=/fixtures/models&embedder=tiny-minilm-embedder&embedderDtype=fp32`;

test('the search page embeds and indexes the man pages, answers as you type with each stage, and reloads without embedding', async ({ page }) => {
  test.setTimeout(480_000);
  await page.goto(PAGE);
  const status = page.locator('#search-status');
  await expect(status).toContainText(/Embedding passages with tiny-minilm-embedder: [\d,]+ of 16,034/, { timeout: 240_000 });
  await expect(status).toHaveAttribute('data-ready', 'true', { timeout: 420_000 });
  await expect(status).toContainText('16,034 passages');
  await expect(status).toContainText('built now');
  await expect(status).toContainText('16,034 passages embedded now and 0 from IndexedDB (tiny-minilm-embedder on wasm)');
  await expect(status).toContainText('reranker on wasm');
  await expect(page.locator('#search-embedder')).toHaveText('tiny-minilm-embedder');

  await page.locator('#search-query').pressSequentially('allocate aligned memory', { delay: 40 });
  const items = page.locator('#search-results li');
  await expect(items).toHaveCount(10);
  await expect(page.locator('#search-timings')).toContainText(/query embedding [\d.]+ ms · lexical [\d.]+ ms · dense [\d.]+ ms · fusion [\d.]+ ms · rerank \d+ ms · total \d+ ms/);
  const stages = await page.locator('#search-results li .stages').allTextContents();
  // Reranked from the fused top 50 of both stages: each result was found by one stage or both, in its top 50,
  // and rerank ranks run 1..10.
  stages.forEach((line, index) => {
    expect(line).toMatch(/^lexical (#\d+ \([\d.]+\)|–) · dense (#\d+ \(-?[\d.]+\)|–) · fused #\d+ · rerank #\d+ \(-?[\d.]+\)$/);
    expect(line).toMatch(/lexical #|dense #/);
    for (const match of line.matchAll(/(?:lexical|dense) #(\d+)/g)) expect(Number(match[1])).toBeLessThanOrEqual(50);
    expect(Number(/rerank #(\d+)/.exec(line)?.[1])).toBe(index + 1);
  });
  expect(stages.join('\n')).toMatch(/dense #/);

  await page.reload();
  await expect(status).toHaveAttribute('data-ready', 'true', { timeout: 240_000 });
  await expect(status).toContainText('lexical index from IndexedDB');
  await expect(status).toContainText('0 passages embedded now and 16,034 from IndexedDB');
});

test('an embedder that cannot load leaves the page searching lexically', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(`/search.html?${RERANKER}&embedderBaseUrl=/fixtures/models&embedder=no-such-embedder`);
  const status = page.locator('#search-status');
  await expect(status).toHaveAttribute('data-ready', 'true', { timeout: 240_000 });
  await expect(status).toContainText('no dense stage (the embedder could not load');
  await page.locator('#search-query').pressSequentially('allocate aligned memory', { delay: 40 });
  await expect(page.locator('#search-results li')).toHaveCount(10);
  const stages = await page.locator('#search-results li .stages').allTextContents();
  stages.forEach((line) => expect(line).toMatch(/^lexical #\d+ \([\d.]+\) · fused #\d+ · rerank #\d+ \(-?[\d.]+\)$/));

  // The page leaves englishStopWords out of the lexical stage: a question of stop words only finds nothing (they
  // are in thousands of passages otherwise), and a question ranks by its content words.
  await expect(status).toContainText('(English stop words left out)');
  const query = page.locator('#search-query');
  await query.fill('how do I');
  await expect(page.locator('#search-timings')).toHaveText('No results.');
  await query.pressSequentially(' read a file', { delay: 40 });
  await expect(page.locator('#search-results li')).toHaveCount(10);
  const texts = await page.locator('#search-results li').allTextContents();
  texts.forEach((text) => expect(text.toLowerCase()).toMatch(/read|file/));
});
