/**
 * Investigation tool (`--only=threads`, not in the default run): its answer is recorded in docs/benchmarks.md
 * ("WASM sessions against WASM threads");
 * run it again when that answer may have changed (a new onnxruntime-web, another machine).
 *
 * WASM thread count: the library's inference path (transformers.js in a module worker, q8, one pair per
 * run) with `numThreads` forced, interleaved. The library chooses its own count; this shows why.
 */
import type { Browser, Page } from '@playwright/test';
import { openWarmProbe } from '../contenders.js';
import { currentLoadAverage } from '../machine.js';
import type { Results, ThreadsRecord } from '../results.js';
import { makePassages, QUERY, type PassageKind } from '../text.js';
import { log, median, round, sleep } from '../util.js';
import type { Phase } from '../phase.js';

async function measureThreads(results: Results, browser: Browser, origin: string, quick: boolean, cores: number): Promise<void> {
  const counts = [...new Set([1, 2, Math.min(4, cores)])];
  const pages: Page[] = [];
  for (const threads of counts) {
    const { page, loaded } = await openWarmProbe(browser, origin, { threads });
    if (loaded.threads !== threads) throw new Error(`probe asked for ${threads} threads runs ${loaded.threads}`);
    pages.push(page);
  }
  const cases: { count: number; kind: PassageKind }[] = quick
    ? [{ count: 10, kind: 'mixed' }, { count: 100, kind: 'short' }]
    : [{ count: 10, kind: 'mixed' }, { count: 100, kind: 'short' }, { count: 100, kind: 'mixed' }];
  for (const { count, kind } of cases) {
    const passages = makePassages(count, kind);
    const rates = counts.map(() => [] as number[]);
    const reps = count === 100 && kind === 'mixed' ? 2 : quick ? 3 : 5;
    for (let rep = 0; rep < reps; rep += 1) {
      for (const [index, page] of pages.entries()) {
        const reply = await page.evaluate(
          async ([p, q]) => window.probe?.run({ query: q, passages: p, maxRows: 1, tokenBudget: 4096 }),
          [passages, QUERY] as const,
        );
        if (reply?.ok === true) rates[index]?.push(round((count / reply.ms) * 1000, 2));
        await sleep(300);
      }
    }
    const entry: ThreadsRecord = {
      dtype: 'q8',
      count,
      kind,
      byThreads: counts.map((threads, index) => {
        const runs = rates[index] ?? [];
        return { threads, pairsPerSecondRuns: runs, medianPairsPerSecond: round(median(runs), 2), bestPairsPerSecond: runs.length === 0 ? Number.NaN : Math.max(...runs) };
      }),
    };
    results.threads.push(entry);
    log(`  threads q8 ${count} ${kind}: ${entry.byThreads.map((t) => `${t.threads}: median ${t.medianPairsPerSecond}, best ${t.bestPairsPerSecond}`).join(' | ')} | load ${currentLoadAverage().join(' ')}`);
  }
  for (const page of pages) await page.context().close();
}

export const threads: Phase = {
  name: 'threads',
  title: "the library's path with numThreads forced",
  investigation: true,
  sharedBrowser: true,
  run: async (context) => measureThreads(context.results, await context.sharedBrowser(), context.origin, context.quick, context.results.machine.nproc),
};
