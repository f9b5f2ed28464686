/**
 * What the published causal-LM layout costs against the export tool's trimmed graph, on WASM in Chromium: one
 * the two tiny Qwen3 fixtures grown to Qwen3-Reranker's vocabulary (151,669 rows) by
 * `python3 scripts/fixtures/widen_qwen3_vocab.py` into fixtures/bench/qwen3-shape (about 58 MB, not committed;
 * the test is skipped without it). Logs ms per pair (alternating rounds) and the largest batch's
 * logits; figures in docs/published-llm.md. No timing threshold: it measures, the fidelity specs test.
 */
import { existsSync } from 'node:fs';
import { planBatches } from '../../src/engine/batching.js';
import { logitsRowsAt } from '../../src/runtime/published-graph.js';
import { expect, loadLlmReference, openHarness, pairsOf, test } from '../support.js';

const ROOT = new URL('../../fixtures/bench/qwen3-shape/', import.meta.url);
const reference = loadLlmReference('tiny-qwen3-reranker-published');
const VOCAB = 151_669;

test('published layout vs trimmed graph on WASM: ms per pair and logits bytes', async ({ page }) => {
  test.skip(!existsSync(new URL('published/onnx/model.onnx', ROOT)) || !existsSync(new URL('trimmed/onnx/model.onnx', ROOT)), 'shape graphs not made');
  test.setTimeout(600_000);
  await openHarness(page);
  const pairs = pairsOf(reference.cases[0]!);
  const result = await page.evaluate(
    async ({ pairs }) => {
      const base = '/fixtures/bench/qwen3-shape';
      const load = (model: string, preset: boolean) =>
        window.lib.createReranker({ model, modelBaseUrl: base, device: 'wasm', dtype: 'fp32', wasmSessions: 1, ...(preset ? { preset: 'qwen3-reranker' as const } : {}) });
      const published = await load('published', true);
      const trimmed = await load('trimmed', false);
      const ms: Record<string, number[]> = { published: [], trimmed: [] };
      const scores: Record<string, number[]> = {};
      for (let round = 0; round < 4; round += 1) {
        for (const [name, reranker] of round % 2 === 0 ? ([['published', published], ['trimmed', trimmed]] as const) : ([['trimmed', trimmed], ['published', published]] as const)) {
          const start = performance.now();
          scores[name] = await reranker.score(pairs);
          ms[name]?.push((performance.now() - start) / pairs.length);
        }
      }
      const info = { published: published.info.memory, trimmed: trimmed.info.memory };
      await published.dispose();
      await trimmed.dispose();
      return { ms, scores, info };
    },
    { pairs },
  );
  const lengths = reference.cases[0]!.pairs.map((p) => p.inputIds.length);
  const batches = planBatches(lengths, 4096, (length) => Math.min(64, logitsRowsAt(length, VOCAB)));
  const peak = Math.max(...batches.map((b) => b.members.length * b.length * VOCAB * 4));
  const unbounded = Math.max(...planBatches(lengths, 4096, 64).map((b) => b.members.length * b.length * VOCAB * 4));
  const best = (values: number[] | undefined) => Math.min(...(values ?? []));
  console.log(
    `[published-llm-cost] ${pairs.length} pairs, lengths ${Math.min(...lengths)}-${Math.max(...lengths)}: ms per pair (fastest of 4 alternating rounds) ` +
      `published ${best(result.ms['published']).toFixed(2)} (${result.ms['published']?.map((v) => v.toFixed(2)).join(', ')}), ` +
      `trimmed ${best(result.ms['trimmed']).toFixed(2)} (${result.ms['trimmed']?.map((v) => v.toFixed(2)).join(', ')}); ` +
      `largest batch's logits ${(peak / 2 ** 20).toFixed(0)} MiB in ${batches.length} batches (without the bound ${(unbounded / 2 ** 20).toFixed(0)} MiB); ` +
      `info.memory published: ${result.info.published?.reason}`,
  );
  // Same model, same prompts: the two layouts score alike.
  const worst = Math.max(...(result.scores['published'] ?? []).map((s, i) => Math.abs(s - (result.scores['trimmed']?.[i] ?? Number.NaN))));
  console.log(`[published-llm-cost] max |published - trimmed| = ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-3);
});
