/**
 * createSearch in Chromium: the search worker, IndexedDB and the fixture cross-encoder. The dense stage uses the
 * labelled TEST EMBEDDER of e2e/pages/test-embedder.ts (hashed bag of words, not a model), which counts the texts
 * it embeds, so reloads and updates can be held to "re-embeds only what changed".
 */
import type { CDPSession, Page } from '@playwright/test';
import type { TestEmbedder } from '../pages/test-embedder.js';
import { FIXTURE_BASE, expect, loadReference, test } from '../support.js';

declare global {
  interface Window {
    TestEmbedder: typeof TestEmbedder;
  }
}

const reference = loadReference('tiny-bert-reranker');
const QUERY = 'what does the giant panda eat?';
const PASSAGES = [...new Set(reference.pairs.map((pair) => pair.passage).filter((passage) => passage.trim().length > 0))];
const DOCS = PASSAGES.map((text, index) => ({ id: `p${index}`, text }));

async function openSearchHarness(page: Page): Promise<void> {
  await page.goto('/e2e/pages/search-harness.html');
  await page.waitForFunction(() => window.harnessReady === true);
}

test('every stage runs: lexical, dense, fusion, then the fixture cross-encoder scores as PyTorch does', async ({ page }) => {
  await openSearchHarness(page);
  const outcome = await page.evaluate(
    async ({ docs, query, base }) => {
      const embedder = new window.TestEmbedder();
      const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
      const progress: string[] = [];
      const search = await window.lib.createSearch({ documents: docs, embedder, reranker, onProgress: (p) => progress.push(p.stage) });
      const response = await search.search(query, { topK: docs.length, returnDocuments: true });
      const lexicalOnly = await window.lib.createSearch({ documents: docs });
      const plain = await lexicalOnly.search('bamboo diet');
      const queryCalls = embedder.calls.filter((call) => call.kind === 'query').map((call) => call.texts);
      search.dispose();
      lexicalOnly.dispose();
      await reranker.dispose();
      return { response, plain, progress, queryCalls, info: search.info };
    },
    { docs: DOCS, query: QUERY, base: FIXTURE_BASE },
  );
  const { response } = outcome;
  expect(outcome.progress).toEqual(['load', 'embed', 'embed', 'store', 'ready']);
  expect(outcome.queryCalls).toEqual([[QUERY]]);
  expect(outcome.info).toMatchObject({ documents: DOCS.length, embedder: 'test/bag-of-words@main/fp32/64', reranker: true, lexical: true });
  expect(response.results).toHaveLength(DOCS.length);
  // Rerank ranks are 1..n, scores descending, each the PyTorch score of that (query, passage) where the reference has it.
  expect(response.results.map((result) => result.stages.rerank?.rank)).toEqual(DOCS.map((_, index) => index + 1));
  const scores = response.results.map((result) => result.score);
  expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  let compared = 0;
  for (const result of response.results) {
    const pair = reference.pairs.find((row) => row.query === QUERY && row.passage === result.document?.['text']);
    if (pair === undefined) continue;
    expect(result.stages.rerank?.score).toBeCloseTo(pair.scoreTorch, 4);
    compared++;
  }
  expect(compared).toBe(3);
  // Each first stage reports its own rank; the fused score is the reciprocal rank sum of them (k 60).
  for (const result of response.results) {
    const { lexical, dense, fused } = result.stages;
    expect(dense).toBeDefined();
    const expected = (lexical === undefined ? 0 : 1 / (60 + lexical.rank)) + 1 / (60 + (dense?.rank ?? 0));
    expect(fused.score).toBeCloseTo(expected, 12);
  }
  expect(Object.keys(response.timings).sort()).toEqual(['denseMs', 'embedQueryMs', 'fusionMs', 'lexicalMs', 'rerankMs', 'totalMs']);
  expect(outcome.plain.results[0]?.stages.lexical?.rank).toBe(1);
  expect(outcome.plain.results[0]?.stages.dense).toBeUndefined();
  expect(outcome.plain.results.every((result) => result.stages.rerank === undefined)).toBe(true);
  expect(outcome.plain.timings.denseMs).toBeUndefined();
});

/** Creates the persisted search on a fresh page; returns what the embedder embedded and what a search found. */
async function indexOnPage(page: Page, docs: readonly { id: string; text: string }[], name = 'e2e-docs') {
  await openSearchHarness(page);
  return page.evaluate(
    async ({ docs, name }) => {
      const embedder = new window.TestEmbedder();
      const search = await window.lib.createSearch({ documents: docs, embedder, persist: { name }, embedBatchSize: 4 });
      const found = await search.search('giant panda bamboo diet', { topK: 3 });
      search.dispose();
      return { embedded: embedder.documentTexts, info: search.info, ids: found.results.map((result) => result.id) };
    },
    { docs, name },
  );
}

test('a reload takes the index from IndexedDB without re-embedding; a changed document re-embeds only itself', async ({ page }) => {
  const first = await indexOnPage(page, DOCS);
  expect(first.embedded).toBe(DOCS.length);
  expect(first.info.lastIndexing).toMatchObject({ embedded: DOCS.length, reused: 0, lexicalFromStore: false });

  await page.reload();
  const second = await indexOnPage(page, DOCS);
  expect(second.embedded).toBe(0);
  expect(second.info.lastIndexing).toMatchObject({ embedded: 0, reused: DOCS.length, lexicalFromStore: true });
  expect(second.ids).toEqual(first.ids);

  const changed = DOCS.map((doc, index) => (index === 3 ? { ...doc, text: `${doc.text} Pandas also eat bamboo.` } : doc)).slice(0, -1);
  await page.reload();
  const third = await indexOnPage(page, changed);
  expect(third.embedded).toBe(1);
  expect(third.info).toMatchObject({ documents: DOCS.length - 1, lastIndexing: { embedded: 1, reused: DOCS.length - 2 } });

  // The site's data cleared between visits: everything is rebuilt, and found as before.
  await page.evaluate(() => new Promise((resolve) => { indexedDB.deleteDatabase('webgpu-reranker-search').onsuccess = resolve; }));
  await page.reload();
  const rebuilt = await indexOnPage(page, DOCS);
  expect(rebuilt.embedded).toBe(DOCS.length);
  expect(rebuilt.ids).toEqual(first.ids);
});

test('add and remove: only the new text is embedded, a removed document is found by no stage, a store deleted mid-session is written again', async ({ page }) => {
  await openSearchHarness(page);
  const outcome = await page.evaluate(async (docs) => {
    const embedder = new window.TestEmbedder();
    const search = await window.lib.createSearch({ documents: docs, embedder, persist: { name: 'e2e-add-remove' } });
    const before = embedder.documentTexts;
    await search.add([{ id: 'new', text: 'Quokkas are small marsupials that smile.' }, docs[0] as { id: string; text: string }]);
    const afterAdd = embedder.documentTexts - before;
    const found = (await search.search('quokkas smile')).results.map((r) => ({ id: r.id, lexical: r.stages.lexical?.rank }));
    const removed = await search.remove(['new', 'missing']);
    const gone = (await search.search('quokkas smile', { candidates: 100, topK: 100 })).results.map((r) => r.id);
    // Site data cleared while the page is open: the next write reopens an empty store.
    await new Promise((resolve) => { indexedDB.deleteDatabase('webgpu-reranker-search').onsuccess = resolve; });
    await search.add([{ id: 'late', text: 'Added after the store was deleted.' }]);
    const size = search.info.documents;
    search.dispose();
    const reloaded = new window.TestEmbedder();
    const again = await window.lib.createSearch({ documents: [...docs, { id: 'late', text: 'Added after the store was deleted.' }], embedder: reloaded, persist: { name: 'e2e-add-remove' } });
    const lateFound = (await again.search('store deleted')).results[0]?.id;
    again.dispose();
    return { afterAdd, found, removed, gone, size, reEmbedded: reloaded.documentTexts, lateFound };
  }, DOCS);
  expect(outcome.afterAdd).toBe(1);
  expect(outcome.found[0]).toEqual({ id: 'new', lexical: 1 });
  expect(outcome.removed).toBe(1);
  expect(outcome.gone).not.toContain('new');
  expect(outcome.gone).toHaveLength(DOCS.length);
  expect(outcome.size).toBe(DOCS.length + 1);
  // The add after the deletion rewrote the one block of embeddings it touched (512 documents a block: all of these)
  // and the lexical index, so the store is whole again and nothing is embedded; a larger corpus would re-embed
  // the blocks not rewritten (the reload test covers a store deleted between visits).
  expect(outcome.reEmbedded).toBe(0);
  expect(outcome.lateFound).toBe('late');
});

test('abort: a search, an add and createSearch each end with aborted and leave nothing half-done', async ({ page }) => {
  await openSearchHarness(page);
  const outcome = await page.evaluate(async (docs) => {
    const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: string }) => error.code ?? String(error));
    const embedder = new window.TestEmbedder();
    const search = await window.lib.createSearch({ documents: docs, embedder, embedBatchSize: 1 });
    embedder.delayMs = 500;
    const controller = new AbortController();
    const searching = codeOf(search.search('panda', { signal: controller.signal }));
    const late = [{ id: 'late1', text: 'Wombats dig burrows.' }, { id: 'p0', text: 'Replaced text about wombats.' }];
    const adding = codeOf(search.add(late, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    const codes = [await searching, await adding];
    embedder.delayMs = 0;
    const after = await search.search('wombats', { topK: 100, candidates: 100 });
    const p0 = (await search.search('giant panda diet bamboo', { returnDocuments: true, topK: 100, candidates: 100 })).results.find((r) => r.id === 'p0');
    search.dispose();
    const slow = new window.TestEmbedder();
    slow.delayMs = 200;
    const loadController = new AbortController();
    setTimeout(() => loadController.abort(), 300);
    const loadCode = await codeOf(window.lib.createSearch({ documents: docs, embedder: slow, embedBatchSize: 1, signal: loadController.signal }));
    const disposedCode = await codeOf(search.search('panda'));
    return { codes, wombats: after.results.filter((r) => r.stages.lexical !== undefined).map((r) => r.id), p0Text: p0?.document?.['text'], loadCode, disposedCode, size: after.results.length };
  }, DOCS);
  expect(outcome.codes).toEqual(['aborted', 'aborted']);
  expect(outcome.wombats).toEqual([]);
  expect(outcome.p0Text).toBe(DOCS[0]?.text);
  expect(outcome.size).toBe(DOCS.length);
  expect(outcome.loadCode).toBe('aborted');
  expect(outcome.disposedCode).toBe('disposed');
});

test('a full storage quota fails createSearch with storage-failed (quota); without persist the same search works', async ({ page }) => {
  await openSearchHarness(page);
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
  const outcome = await page.evaluate(async (docs) => {
    const embedder = new window.TestEmbedder();
    const big = docs.map((doc, index) => ({ ...doc, text: `${doc.text} ${'padding '.repeat(2000)}${index}` }));
    const failed = await window.lib.createSearch({ documents: big, embedder, persist: { name: 'e2e-quota' } }).then(
      () => undefined,
      (error: { code: string; details: Record<string, unknown>; message: string }) => ({ code: error.code, quota: error.details['quota'], message: error.message }),
    );
    const memory = await window.lib.createSearch({ documents: big, embedder });
    const found = (await memory.search('giant panda')).results.length;
    memory.dispose();
    return { failed, found };
  }, DOCS);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  expect(outcome.failed).toMatchObject({ code: 'storage-failed', quota: true });
  expect(outcome.failed?.message).toMatch(/quota/i);
  expect(outcome.found).toBeGreaterThan(0);
});

test('bad input through the public API is invalid-input, naming the argument', async ({ page }) => {
  await openSearchHarness(page);
  const codes = await page.evaluate(async () => {
    const codeOf = (work: () => Promise<unknown>) => work().then(() => 'resolved', (error: { code?: string; details?: { argument?: string } }) => `${error.code}:${error.details?.argument}`);
    const search = await window.lib.createSearch({ documents: [{ id: 'a', text: 'alpha' }] });
    const result = [
      await codeOf(() => window.lib.createSearch({ documents: [{ id: 'a' }, { id: 'a' }] })),
      await codeOf(() => window.lib.createSearch({ lexical: false })),
      await codeOf(() => search.search('alpha', { topK: 5, candidates: 2 })),
      await codeOf(() => search.add([{ id: 'b', text: 7 as unknown as string }])),
      await codeOf(() => search.search('alpha')),
    ];
    search.dispose();
    return result;
  });
  expect(codes).toEqual(['invalid-input:documents', 'invalid-input:lexical', 'invalid-input:candidates', 'invalid-input:documents', 'resolved']);
});
