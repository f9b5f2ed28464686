/**
 * A published causal-LM graph whose attention is com.microsoft.GroupQueryAttention (as the Hub's Qwen3 ONNX
 * repos have it: rotary inside GQA from cos/sin caches, seqlens_k and the total length computed from
 * attention_mask), loaded with `preset: 'qwen3-reranker'`, against the PyTorch reference of
 * scripts/fixtures/make_qwen3_gqa_fixture.py, each row against PyTorch scoring it alone:
 * - WASM: rows of unequal lengths right-padded into one batch (the doubtful case for GQA, which reads each row's
 *   length from the mask) and the two truncated pairs;
 * - WebGPU under `device: 'auto'`: onnxruntime-web's WebGPU GQA is wrong for a prompt of 32 tokens or more, so the
 *   library finds GQA in the graph and runs each row alone in runs of 16 tokens, the presents fed back as the
 *   past (`info.memory.reason` says so); two rows of 138 and 256 tokens (the latter truncated).
 */
import { FIXTURE_BASE, expect, loadLlmReference, openHarness, test, worstDiff, type LlmCase } from '../support.js';

const MODEL = 'tiny-qwen3-reranker-gqa';
const reference = loadLlmReference(MODEL);
const [defaultCase] = reference.cases as [LlmCase];
/** A few pairs of unequal lengths (101-256 tokens), the two truncated ones among them: kept lean for CI's CPUs. */
const IDS = ['en-relevant', 'en-irrelevant', 'zh-relevant', 'zh-irrelevant', 'long-passage', 'empty-passage', 'long-query'];
const pairs = IDS.map((id) => defaultCase.pairs.find((p) => p.id === id)!);
/** The rows WebGPU (SwiftShader on CI) scores, to keep its time down: 138 and 256 tokens, in one batch. */
const GPU_INDEXES = [0, 6];

test('GroupQueryAttention graph: right-padded batches on WASM and short runs on WebGPU match PyTorch row by row', async ({ page }) => {
  test.setTimeout(300_000);
  expect(pairs.every(Boolean)).toBe(true);
  expect(new Set(pairs.map((p) => p.inputIds.length)).size).toBeGreaterThan(3);
  expect(pairs.filter((p) => p.truncated)).toHaveLength(2);
  await openHarness(page);
  const results = await page.evaluate(
    async ({ base, model, texts, gpuIndexes }) => {
      const out = [];
      for (const device of ['wasm', 'auto'] as const) {
        const asked = device === 'wasm' ? texts : gpuIndexes.map((i) => texts[i]!);
        const reranker = await window.lib.createReranker({ model, modelBaseUrl: base, device, dtype: 'fp32', preset: 'qwen3-reranker' });
        const scores = await reranker.score(asked);
        const timings = await reranker.lastTimings();
        const rows = await reranker.encode(asked);
        out.push({ asked: device, scores, batches: timings?.batches ?? 0, ids: rows.map((r) => r.inputIds), info: reranker.info });
        await reranker.dispose();
      }
      return out;
    },
    { base: FIXTURE_BASE, model: MODEL, texts: pairs.map((p) => [p.query, p.passage] as [string, string]), gpuIndexes: GPU_INDEXES },
  );
  const [wasm, auto] = results as [(typeof results)[number], (typeof results)[number]];
  const gpuPairs = GPU_INDEXES.map((i) => pairs[i]!);
  for (const [result, asked] of [[wasm, pairs], [auto, gpuPairs]] as const) {
    const worst = worstDiff(result.scores, asked.map((p) => p.scoreTorch));
    const perRow = asked.map((p, i) => `${p.id}(${p.inputIds.length})=${Math.abs((result.scores[i] as number) - p.scoreTorch).toExponential(1)}`);
    console.log(`[published-llm-gqa] device '${result.asked}' ran on ${result.info.device}: ${asked.length} pairs in ${result.batches} batch(es), max |score - torch| = ${worst.toExponential(2)}; ${perRow.join(' ')}`);
    // Rows of different lengths shared a batch (fewer batches than pairs), so right padding was exercised.
    expect(result.batches, `${result.asked}: batches`).toBeLessThan(asked.length);
    expect(result.ids).toEqual(asked.map((p) => p.inputIds));
    const off = asked.filter((p, i) => !(Math.abs((result.scores[i] as number) - p.scoreTorch) < 1e-3)).map((p) => p.id);
    expect(off, `${result.info.device}: rows more than 1e-3 from PyTorch`).toEqual([]);
  }
  expect(wasm.info).toMatchObject({ device: 'wasm', dtype: 'fp32' });
  expect(wasm.info.memory?.reason).not.toMatch(/GroupQueryAttention/);
  expect(auto.info).toMatchObject({ device: 'webgpu', dtype: 'fp32' });
  expect(auto.info.memory?.reason).toMatch(/GroupQueryAttention.*each row runs alone, 16 tokens a run/);
});
