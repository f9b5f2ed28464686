/**
 * createSearch's first stage over 10,000 and 100,000 synthetic passages with synthetic 384-d vectors: indexing
 * time and main-thread long tasks while indexing, per-query lexical / dense / fusion times (measured in the
 * search worker) and the page's round trip, and the 10,000-passage index reloaded from IndexedDB.
 */
import { launchBrowser, openPage } from '../browser.js';
import type { SearchBenchRecord } from '../results.js';
import { makePassages } from '../text.js';
import { log, median, round } from '../util.js';
import type { Phase } from '../phase.js';
import type { SearchBenchPage, SearchQueryRun } from '../pages/search-contract.js';

const WARM_UP = 5;
const MEASURED = 30;

/** Two to four words of the bench's vocabulary, seeded apart from the passages. */
function queries(count: number): string[] {
  return makePassages(count, 'short', 1234).map((text, index) => text.split(' ').slice(0, 2 + (index % 3)).join(' '));
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
}

function summarize(runs: readonly SearchQueryRun[], key: keyof SearchQueryRun): number {
  return round(median(runs.map((run) => run[key])), 2);
}

export const search: Phase = {
  name: 'search',
  title: 'createSearch first stage (lexical + dense exact + fusion) over 10,000 / 100,000 synthetic 384-d passages, and the IndexedDB reload',
  investigation: false,
  sharedBrowser: false,
  async run(context) {
    const counts = [10_000, 100_000].filter((count) => count <= context.maxPassages && !(context.quick && count > 10_000));
    const browser = await launchBrowser(false);
    try {
      for (const count of counts) {
        const persist = count === 10_000;
        log(`search: ${count} passages${persist ? ' (persisted, then reloaded)' : ''}`);
        const { page, errors } = await openPage(browser, `${context.origin}/scripts/bench/pages/search.html`);
        await page.waitForFunction(() => window.searchBench !== undefined, undefined, { timeout: 60_000 });
        const index = await page.evaluate(({ count, persist }) => (window.searchBench as SearchBenchPage).index(count, persist), { count, persist });
        const list = queries(WARM_UP + MEASURED);
        const runs = (await page.evaluate((list) => (window.searchBench as SearchBenchPage).queries(list), list)).slice(WARM_UP);
        let reload: SearchBenchRecord['reload'];
        if (persist) {
          await page.evaluate(() => window.searchBench?.dispose());
          await page.reload();
          await page.waitForFunction(() => window.searchBench !== undefined, undefined, { timeout: 60_000 });
          const again = await page.evaluate((count) => (window.searchBench as SearchBenchPage).index(count, true), count);
          reload = { ms: round(again.ms), embedded: again.embedded, reused: again.reused, lexicalFromStore: again.lexicalFromStore };
        }
        await page.evaluate(() => window.searchBench?.dispose());
        await page.context().close();
        const record: SearchBenchRecord = {
          passages: count,
          dimensions: 384,
          indexMs: round(index.ms),
          longTasksWhileIndexingMs: index.longTasks.map((duration) => round(duration)),
          queries: runs.length,
          firstStageMedianMs: summarize(runs, 'firstStageMs'),
          firstStageP95Ms: round(p95(runs.map((run) => run.firstStageMs)), 2),
          lexicalMedianMs: summarize(runs, 'lexicalMs'),
          denseMedianMs: summarize(runs, 'denseMs'),
          fusionMedianMs: summarize(runs, 'fusionMs'),
          roundTripMedianMs: summarize(runs, 'roundTripMs'),
          ...(reload === undefined ? {} : { reload }),
          errors: errors.slice(0, 5),
        };
        (context.results.search ??= []).push(record);
        log(`  ${JSON.stringify(record)}`);
      }
    } finally {
      await browser.close();
    }
  },
};
