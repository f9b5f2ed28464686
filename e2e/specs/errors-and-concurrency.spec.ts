/** Failure paths in the browser: typed errors across the worker, aborts, concurrent callers, bad input. */
import { FIXTURE_BASE, expect, loadReference, openHarness, test } from '../support.js';

test.describe('a model that cannot be served', () => {
  // Chromium logs every 404 response on the console; these tests ask for one.
  test.use({ expectedConsoleErrors: [/404/] });

  test('a missing model is a typed model-not-found error naming the URL', async ({ page }) => {
    await openHarness(page);
    const error = await page.evaluate(async (base) => {
      try {
        await window.lib.createReranker({ model: 'no-such-model', modelBaseUrl: base, device: 'wasm' });
        return null;
      } catch (error) {
        const e = error as InstanceType<typeof window.lib.RerankerError>;
        return { isRerankerError: e instanceof window.lib.RerankerError, code: e.code, message: e.message, details: e.details };
      }
    }, FIXTURE_BASE);
    expect(error).toMatchObject({ isRerankerError: true, code: 'model-not-found' });
    expect(error?.message).toContain('/fixtures/models/no-such-model/config.json');
  });
});

test('a classification head with two labels is refused as unsupported-model', async ({ page }) => {
  await openHarness(page);
  const error = await page.evaluate(async (base) => {
    try {
      await window.lib.createReranker({ model: 'tiny-bert-two-labels', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
      return null;
    } catch (error) {
      const e = error as InstanceType<typeof window.lib.RerankerError>;
      return { code: e.code, message: e.message };
    }
  }, FIXTURE_BASE);
  expect(error?.code).toBe('unsupported-model');
  expect(error?.message).toMatch(/2 labels/);
});

test('aborts, 20 concurrent callers and bad input leave every other call correct', async ({ page }) => {
  const reference = loadReference('tiny-bert-reranker');
  const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
  await openHarness(page);
  const outcome = await page.evaluate(
    async ({ pairs, base }) => {
      const reranker = await window.lib.createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
      const codeOf = (promise: Promise<unknown>) =>
        promise.then(
          () => 'resolved',
          (error: { code?: string }) => error.code ?? 'untyped',
        );
      // 20 callers at once, each with its own rotation of the pairs; every third is aborted mid-queue.
      const calls = Array.from({ length: 20 }, (_, caller) => {
        const mine = pairs.map((_, i) => pairs[(i + caller) % pairs.length] as [string, string]);
        const controller = new AbortController();
        const promise = reranker.score(mine, { signal: controller.signal });
        if (caller % 3 === 2) controller.abort();
        return { caller, promise };
      });
      const results = await Promise.all(
        calls.map(({ caller, promise }) =>
          promise.then(
            (scores) => ({ caller, scores, code: null as string | null }),
            (error: { code?: string }) => ({ caller, scores: null, code: error.code ?? 'untyped' }),
          ),
        ),
      );
      const badInput = {
        query: await codeOf(reranker.rerank(42 as unknown as string, ['a'])),
        documents: await codeOf(reranker.rerank('q', ['a', null as unknown as string])),
        topK: await codeOf(reranker.rerank('q', ['a'], { topK: -1 })),
        pair: await codeOf(reranker.score([['only one'] as unknown as [string, string]])),
      };
      const empty = await reranker.rerank('q', []);
      const alreadyAborted = await codeOf(reranker.score([['a', 'b']], { signal: AbortSignal.abort() }));
      const after = await reranker.score(pairs);
      await reranker.dispose();
      const afterDispose = await codeOf(reranker.score([['a', 'b']]));
      return { results, badInput, empty, alreadyAborted, after, afterDispose };
    },
    { pairs, base: FIXTURE_BASE },
  );
  for (const { caller, scores, code } of outcome.results) {
    if (caller % 3 === 2) {
      expect(code, `caller ${caller}`).toBe('aborted');
      continue;
    }
    expect(code, `caller ${caller}`).toBeNull();
    scores?.forEach((score, i) => {
      const expected = reference.pairs[(i + caller) % reference.pairs.length]?.scoreTorch ?? Number.NaN;
      expect(Math.abs(score - expected), `caller ${caller} pair ${i}`).toBeLessThanOrEqual(1e-4);
    });
  }
  expect(outcome.badInput).toEqual({ query: 'invalid-input', documents: 'invalid-input', topK: 'invalid-input', pair: 'invalid-input' });
  expect(outcome.empty).toEqual([]);
  expect(outcome.alreadyAborted).toBe('aborted');
  outcome.after.forEach((score, i) => expect(Math.abs(score - (reference.pairs[i]?.scoreTorch ?? Number.NaN))).toBeLessThanOrEqual(1e-4));
  expect(outcome.afterDispose).toBe('disposed');
});
