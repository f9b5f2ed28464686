/** The batch token budget for fp32 on WASM: the same call under several budgets, interleaved. */
import type { Browser } from '@playwright/test';
import { LIBRARY_PAGE, MODEL, MODEL_BASE } from '../config.js';
import { PageContender } from '../contenders.js';
import type { Results, SweepRecord } from '../results.js';
import { makePassages } from '../text.js';
import { log, median, round, sleep } from '../util.js';
import type { Phase } from '../phase.js';

async function measureSweep(results: Results, browser: Browser, origin: string): Promise<void> {
  const budgets = [1024, 2048, 4096, 8192];
  const contenders = budgets.map(
    (budget) =>
      new PageContender('library', browser, origin + LIBRARY_PAGE, {
        model: MODEL,
        modelBaseUrl: MODEL_BASE,
        device: 'wasm',
        dtype: 'fp32',
        batchTokenBudget: budget,
      }),
  );
  for (const kind of ['mixed', 'short'] as const) {
    const passages = makePassages(100, kind);
    const runs = budgets.map(() => [] as number[]);
    const batches: (number | undefined)[] = budgets.map(() => undefined);
    for (let rep = 0; rep < 2; rep += 1) {
      for (const [index, contender] of contenders.entries()) {
        const outcome = await contender.run(passages, 300_000);
        if (outcome.record.failed === undefined) runs[index]?.push(outcome.record.ms);
        batches[index] = outcome.record.batches;
        await sleep(300);
      }
    }
    const entry: SweepRecord = {
      dtype: 'fp32',
      kind,
      count: 100,
      byBudget: budgets.map((budget, index) => {
        const ms = median(runs[index] ?? []);
        const n = batches[index];
        return { budget, runsMs: runs[index] ?? [], medianMs: round(ms), pairsPerSecond: round((100 / ms) * 1000, 2), ...(n === undefined ? {} : { batches: n }) };
      }),
    };
    results.sweep.push(entry);
    log(`  sweep fp32 100 ${kind}: ${entry.byBudget.map((b) => `${b.budget}: ${b.pairsPerSecond}/s`).join(', ')}`);
  }
  for (const contender of contenders) await contender.close();
}

export const sweep: Phase = {
  name: 'sweep',
  title: 'the batch token budget for fp32 on WASM',
  investigation: false,
  skipWhenQuick: true,
  sharedBrowser: true,
  async run(context) {
    if (!context.hasFp32) {
      log('sweep skipped: it measures fp32, and the fp32 bench model is missing');
      return;
    }
    await measureSweep(context.results, await context.sharedBrowser(), context.origin);
  },
};
