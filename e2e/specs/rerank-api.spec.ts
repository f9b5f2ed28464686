/** rerank() through the worker: order, topK, returnDocuments and normalize, checked against the reference. */
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

test('rerank orders documents best first, as the PyTorch scores do', async ({ page }) => {
  const reference = loadReference('tiny-bert-reranker');
  const query = reference.pairs[0]?.query ?? '';
  const sameQuery = reference.pairs.filter((pair) => pair.query === query);
  expect(sameQuery.length).toBeGreaterThanOrEqual(3);
  const documents = sameQuery.map((pair) => pair.passage);
  await openHarness(page);
  const { all, top, normalized } = await page.evaluate(
    async ({ query, documents, base }) => {
      const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
      const all = await reranker.rerank(query, documents);
      const top = await reranker.rerank(query, documents, { topK: 2, returnDocuments: true });
      const normalized = await reranker.rerank(query, documents, { normalize: true });
      await reranker.dispose();
      return { all, top, normalized };
    },
    { query, documents, base: FIXTURE_BASE },
  );
  const expectedOrder = sameQuery
    .map((pair, index) => ({ index, score: pair.scoreTorch }))
    .sort((a, b) => b.score - a.score)
    .map((row) => row.index);
  expect(all.map((row) => row.index)).toEqual(expectedOrder);
  all.forEach((row) => expect(row.score).toBeCloseTo(sameQuery[row.index]?.scoreTorch ?? Number.NaN, 4));
  expect(all.every((row) => row.document === undefined)).toBe(true);

  expect(top).toHaveLength(2);
  expect(top.map((row) => row.index)).toEqual(expectedOrder.slice(0, 2));
  expect(top.map((row) => row.document)).toEqual(expectedOrder.slice(0, 2).map((index) => documents[index]));

  expect(normalized.map((row) => row.index)).toEqual(expectedOrder);
  normalized.forEach((row) => {
    const raw = sameQuery[row.index]?.scoreTorch ?? Number.NaN;
    expect(row.score).toBeCloseTo(1 / (1 + Math.exp(-raw)), 4);
    expect(row.score).toBeGreaterThan(0);
    expect(row.score).toBeLessThan(1);
  });
});
