/**
 * ModernBERT past 512 tokens in Chromium (docs/long-context.md, "Fixtures and tests"): the tiny
 * gte-reranker-modernbert-base-shaped fixtures of scripts/fixtures/make_modernbert_long_fixture.py (8,192
 * positions and model_max_length, global / sliding-window layers with a 32-token window, rope theta 160,000 and
 * 10,000) against PyTorch within 1e-4:
 *
 * - the Hub-style export on WASM: the maxLength its files give (8,192); the 8,192 reference's pairs that were
 *   not cut, up to 2,038 tokens, at that default, and the 2,048 reference's cut pairs (query and passage) at
 *   maxLength 2,048. E2E_MODERNBERT_8192=1 scores every pair of the 8,192 reference instead (rows of 6,545 to
 *   8,192 tokens, cut ones included: minutes on two cores);
 * - the cross-encoder preset's export on WebGPU (SwiftShader): two rows past 512 and of unequal lengths in one
 *   batch, the shape that broke ModernBERT's sliding-window mask on WebGPU before the preset built it
 *   differently (docs/export.md, "ModernBERT on WebGPU"). SwiftShader takes minutes for rows of 2,048, so
 *   longer rows are checked on WASM only (truncation happens before the device).
 */
import { FIXTURE_BASE, expect, loadReference, openHarness, test, type Reference } from '../support.js';

/** The truncation pairs' queries are long on purpose (they must pass 3/4 of maxLength). */
const LIMITS = { maxQueryChars: 100_000 };
const FULL_LENGTH = process.env['E2E_MODERNBERT_8192'] === '1';

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

const pairsOf = (reference: Reference): [string, string][] => reference.pairs.map((pair) => [pair.query, pair.passage]);

test('the Hub-style ModernBERT export on WASM takes maxLength 8,192 from its files and matches PyTorch past 512 tokens, cut pairs included', async ({ page }) => {
  test.setTimeout(600_000);
  const long = loadReference('tiny-modernbert-long-reranker-8192');
  const atDefault = FULL_LENGTH ? long : { ...long, pairs: long.pairs.filter((pair) => !pair.truncated && pair.inputIds.length <= 2048) };
  const short = loadReference('tiny-modernbert-long-reranker');
  const cut = { ...short, pairs: short.pairs.filter((pair) => pair.truncated) };
  expect(atDefault.pairs.some((pair) => pair.inputIds.length > 1024)).toBe(true);
  // One pair whose query was cut at 3/4 of maxLength, one whose passage was.
  expect(cut.pairs.some((pair) => (pair as typeof pair & { queryIds: number[] }).queryIds.length > (short.maxLength * 3) / 4)).toBe(true);
  expect(cut.pairs.some((pair) => pair.inputIds.length === short.maxLength)).toBe(true);
  await openHarness(page);
  const { scores, cutScores, info, cutInfo } = await page.evaluate(
    async ({ pairs, cutPairs, base, limits }) => {
      const options = { model: 'tiny-modernbert-long-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32', limits } as const;
      const reranker = await window.lib.createReranker(options);
      const scores = await reranker.score(pairs);
      const info = reranker.info;
      await reranker.dispose();
      const at2048 = await window.lib.createReranker({ ...options, maxLength: 2048 });
      const cutScores = await at2048.score(cutPairs);
      const cutInfo = at2048.info;
      await at2048.dispose();
      return { scores, cutScores, info, cutInfo };
    },
    { pairs: pairsOf(atDefault), cutPairs: pairsOf(cut), base: FIXTURE_BASE, limits: LIMITS },
  );
  expect(info).toMatchObject({ model: 'tiny-modernbert-long-reranker', device: 'wasm', dtype: 'fp32', maxLength: 8192 });
  expect(info.memory?.rowsAtMaxLength).toBeGreaterThanOrEqual(1);
  expect(cutInfo.maxLength).toBe(2048);
  compare(atDefault, scores, `Hub-style fp32 on wasm at its default 8192${FULL_LENGTH ? ', every pair' : ''}`);
  compare(cut, cutScores, 'Hub-style fp32 on wasm at 2048, cut pairs');
});

test('the preset-exported ModernBERT on WebGPU matches PyTorch past 512 tokens with rows of unequal lengths in one batch', async ({ page }) => {
  test.setTimeout(600_000);
  const full = loadReference('tiny-modernbert-long-reranker');
  const reference = { ...full, pairs: full.pairs.filter((pair) => pair.id === 'over-512' || pair.id === 'long-passage') };
  const lengths = reference.pairs.map((pair) => pair.inputIds.length);
  expect(lengths).toHaveLength(2);
  expect(Math.max(...lengths)).toBeGreaterThan(512);
  expect(new Set(lengths).size).toBe(2);
  const pairs = pairsOf(reference);
  await openHarness(page);
  const { scores, info, batches } = await page.evaluate(
    async ({ pairs, base, limits }) => {
      // A budget that holds both pairs padded to the longer: one batch, unless the memory plan splits it.
      const reranker = await window.lib.createReranker({
        model: 'tiny-modernbert-long-reranker-xenc', modelBaseUrl: base, device: 'webgpu', dtype: 'fp32', limits,
        maxLength: 2048, batchTokenBudget: 4096, webgpuGraphCapture: false,
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
  expect(batches).toBe(1);
  compare(reference, scores, 'preset fp32 on webgpu, one batch');
});
