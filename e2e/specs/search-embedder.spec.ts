/**
 * createSearch with a real embedder: createEmbedder on the tiny bge fixture (CLS pooling, normalized, a query
 * instruction) feeds the dense stage. Its scores must be the cosine of the sentence-transformers reference
 * vectors (query side for the query, document side for the documents), and its ranks their order.
 */
import { readFileSync } from 'node:fs';
import { FIXTURE_BASE, expect, test } from '../support.js';

interface EmbeddingReference {
  texts: string[];
  query: { embedding: number[] }[];
  document: { embedding: number[] }[];
}

const reference = JSON.parse(
  readFileSync(new URL('../../fixtures/reference/tiny-bge-embedder.json', import.meta.url), 'utf8'),
) as EmbeddingReference;

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? Number.NaN), 0);
}

test('the dense stage ranks by the cosine of the reference embeddings (createEmbedder, fp32, WASM)', async ({ page }) => {
  await page.goto('/e2e/pages/search-harness.html');
  await page.waitForFunction(() => window.harnessReady === true);
  // Documents: every reference text but the query's own; query: the first text (an English question).
  const queryIndex = 0;
  const docs = reference.texts.flatMap((text, index) => (index === queryIndex ? [] : [{ id: `t${index}`, text }]));
  const query = reference.texts[queryIndex] as string;
  const response = await page.evaluate(
    async ({ docs, query, base }) => {
      const embedder = await window.lib.createEmbedder({ model: 'tiny-bge-embedder', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
      const search = await window.lib.createSearch({ documents: docs, embedder, lexical: false });
      const result = await search.search(query, { topK: docs.length, candidates: docs.length });
      search.dispose();
      await embedder.dispose();
      return result;
    },
    { docs, query, base: FIXTURE_BASE },
  );
  const queryVector = reference.query[queryIndex]?.embedding ?? [];
  const expected = docs
    .map((doc) => ({ id: doc.id, score: dot(queryVector, reference.document[Number(doc.id.slice(1))]?.embedding ?? []) }))
    .sort((a, b) => b.score - a.score);
  expect(response.results).toHaveLength(docs.length);
  for (const result of response.results) {
    const want = expected.find((row) => row.id === result.id);
    expect(result.stages.dense?.score).toBeCloseTo(want?.score ?? Number.NaN, 5);
    expect(result.stages.lexical).toBeUndefined();
  }
  // Ranks follow the reference order wherever neighbouring scores are apart by more than fp32 noise.
  const byRank = [...response.results].sort((a, b) => (a.stages.dense?.rank ?? 0) - (b.stages.dense?.rank ?? 0));
  for (let rank = 1; rank < byRank.length; rank += 1) {
    const [above, below] = [expected.find((row) => row.id === byRank[rank - 1]?.id), expected.find((row) => row.id === byRank[rank]?.id)];
    expect((above?.score ?? 0) - (below?.score ?? 0)).toBeGreaterThan(-1e-5);
  }
  expect(response.timings.embedQueryMs).toBeGreaterThan(0);
});
