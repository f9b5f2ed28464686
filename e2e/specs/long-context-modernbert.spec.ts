/**
 * ModernBERT past 512 tokens in Chromium (docs/long-context.md, "Fixtures and tests"): the tiny
 * gte-reranker-modernbert-base-shaped fixtures of scripts/fixtures/make_modernbert_long_fixture.py (8,192
 * positions and model_max_length, global / sliding-window layers with a 32-token window, rope theta 160,000 and
 * 10,000) against PyTorch within 1e-4, truncated pairs included:
 *
 * - the Hub-style export on WASM with the maxLength its files give (8,192), every pair of the 8,192 reference;
 * - the cross-encoder preset's export on WebGPU (SwiftShader) at maxLength 2,048: the 2,048 reference's pairs
 *   that were not cut, up to 821 tokens, in one batch of rows of unequal lengths, the shape that broke
 *   ModernBERT's sliding-window mask on WebGPU before the preset built it differently (docs/export.md,
 *   "ModernBERT on WebGPU"). Rows of 2,048 tokens take minutes on SwiftShader, so the truncated pairs are
 *   checked on WASM (truncation happens before the device).
 */
import { FIXTURE_BASE, expect, loadReference, openHarness, test, type Reference } from '../support.js';

/** The truncation pairs' queries are long on purpose (they must pass 3/4 of maxLength). */
const LIMITS = { maxQueryChars: 100_000 };

function compare(reference: Reference, scores: readonly number[], label: string): void {
  expect(scores).toHaveLength(reference.pairs.length);
  const deviations = reference.pairs.map((pair, index) => ({
    id: pair.id,
    tokens: pair.inputIds.length,
    diff: Math.abs((scores[index] ?? Number.NaN) - pair.scoreTorch),
  }));
  const worst = Math.max(...deviations.map((row) => row.diff));
  const longest = Math.max(...deviations.map((row) => row.tokens));
  console.log(`[long-context-modernbert] ${label}: max |score - PyTorch| = ${worst.toExponential(2)} over ${deviations.length} pairs (longest ${longest} tokens)`);
  expect(deviations.filter((row) => !(row.diff <= 1e-4))).toEqual([]);
}

function pairsOf(reference: Reference): [string, string][] {
  expect(reference.pairs.some((pair) => pair.inputIds.length > 512 && !pair.truncated)).toBe(true);
  expect(reference.pairs.some((pair) => pair.truncated)).toBe(true);
  return reference.pairs.map((pair) => [pair.query, pair.passage]);
}

test("the Hub-style ModernBERT export on WASM takes maxLength 8,192 from its files and matches PyTorch up to 8,192 tokens", async ({ page }) => {
  test.setTimeout(600_000);
  const reference = loadReference('tiny-modernbert-long-reranker-8192');
  const pairs = pairsOf(reference);
  await openHarness(page);
  const { scores, info } = await page.evaluate(
    async ({ pairs, base, limits }) => {
      const reranker = await window.lib.createReranker({ model: 'tiny-modernbert-long-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32', limits });
      const scores = await reranker.score(pairs);
      const info = reranker.info;
      await reranker.dispose();
      return { scores, info };
    },
    { pairs, base: FIXTURE_BASE, limits: LIMITS },
  );
  expect(info).toMatchObject({ model: 'tiny-modernbert-long-reranker', device: 'wasm', dtype: 'fp32', maxLength: 8192 });
  expect(info.memory?.rowsAtMaxLength).toBeGreaterThanOrEqual(1);
  compare(reference, scores, 'Hub-style fp32 on wasm at 8192 (default)');
});

test('the preset-exported ModernBERT on WebGPU matches PyTorch past 512 tokens with rows of unequal lengths in one batch', async ({ page }) => {
  test.setTimeout(600_000);
  const full = loadReference('tiny-modernbert-long-reranker');
  const reference = { ...full, pairs: full.pairs.filter((pair) => !pair.truncated && pair.inputIds.length <= 1024) };
  expect(reference.pairs.some((pair) => pair.inputIds.length > 512)).toBe(true);
  const pairs = reference.pairs.map((pair) => [pair.query, pair.passage] as [string, string]);
  await openHarness(page);
  const { scores, info, batches } = await page.evaluate(
    async ({ pairs, base, limits }) => {
      // A budget that holds every pair padded to the longest: one batch, unless the memory plan splits it.
      const reranker = await window.lib.createReranker({
        model: 'tiny-modernbert-long-reranker-xenc', modelBaseUrl: base, device: 'webgpu', dtype: 'fp32', limits,
        maxLength: 2048, batchTokenBudget: 8192, webgpuGraphCapture: false,
      });
      const scores = await reranker.score(pairs);
      const timings = await reranker.lastTimings();
      const info = reranker.info;
      await reranker.dispose();
      return { scores, info, batches: timings?.batches };
    },
    { pairs, base: FIXTURE_BASE, limits: LIMITS },
  );
  expect(info).toMatchObject({ model: 'tiny-modernbert-long-reranker-xenc', device: 'webgpu', dtype: 'fp32', maxLength: 2048 });
  // Rows shared batches (fewer batches than pairs), so padded rows of unequal lengths ran together.
  expect(batches).toBeGreaterThanOrEqual(1);
  expect(batches).toBeLessThan(pairs.length);
  console.log(`[long-context-modernbert] preset export on webgpu: ${pairs.length} pairs in ${batches} batches; ${info.memory?.reason ?? ''}`);
  compare(reference, scores, 'preset fp32 on webgpu, maxLength 2048');
});
