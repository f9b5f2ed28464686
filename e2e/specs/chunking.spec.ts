/**
 * Long passages in the browser: with chunking a passage scores as the best of its token windows, and the
 * winning window is reported in tokens and characters. Checked against the library's own scores of the
 * same windows, given as separate passages.
 */
import { LONG_PASSAGE as PASSAGE, LONG_QUERY as QUERY, LONG_WINDOWS as WINDOWS, LONG_WINDOW_TEXTS, LONG_WORDS as WORDS } from '../long-passage.js';
import { FIXTURE_BASE, expect, openHarness, test } from '../support.js';

test('a long passage scores as its best window, which the result names in tokens and characters', async ({ page }) => {
  expect(WORDS).toHaveLength(300);
  await openHarness(page);
  const windowTexts = LONG_WINDOW_TEXTS;
  const outcome = await page.evaluate(
    async ({ base, query, passage, windowTexts }) => {
      const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
      const info = reranker.info;
      const plain = await reranker.rerank(query, [passage]);
      const chunked = await reranker.rerank(query, [passage], { chunking: true });
      const chunkedScore = await reranker.score([[query, passage]], { chunking: true });
      // The same windows as passages of their own, without chunking.
      const perWindow = await reranker.rerank(query, windowTexts);
      await reranker.dispose();
      return { info, plain, chunked, chunkedScore, perWindow };
    },
    { base: FIXTURE_BASE, query: QUERY, passage: PASSAGE, windowTexts },
  );
  expect(outcome.info.chunking).toBe(false);
  expect(outcome.info.maxLength).toBe(128);
  // Each window fits a pair exactly: none of them is truncated.
  expect(outcome.perWindow.every((row) => !row.truncated && row.chunk === undefined)).toBe(true);
  const windowScores = [0, 1, 2].map((i) => outcome.perWindow.find((row) => row.index === i)?.score ?? Number.NaN);
  const best = Math.max(...windowScores);
  const bestIndex = windowScores.indexOf(best);
  console.log(`[chunking] window scores ${windowScores.map((s) => s.toFixed(5)).join(', ')}; best window ${bestIndex}`);

  // Without chunking: the first window only, reported as truncated.
  expect(outcome.plain[0]?.truncated).toBe(true);
  expect(Math.abs((outcome.plain[0]?.score ?? Number.NaN) - (windowScores[0] ?? Number.NaN))).toBeLessThanOrEqual(1e-4);

  // With chunking: the best window's score, and that window named.
  const result = outcome.chunked[0];
  expect(Math.abs((result?.score ?? Number.NaN) - best)).toBeLessThanOrEqual(1e-4);
  expect(Math.abs((outcome.chunkedScore[0] ?? Number.NaN) - best)).toBeLessThanOrEqual(1e-4);
  expect(result?.truncated).toBe(false);
  const [start, end] = WINDOWS[bestIndex] ?? [0, 0];
  expect(result?.chunk).toMatchObject({ index: bestIndex, count: 3, total: 3, tokenStart: start, tokenEnd: end });
  expect(PASSAGE.slice(result?.chunk?.charStart, result?.chunk?.charEnd)).toBe(windowTexts[bestIndex]);
});
