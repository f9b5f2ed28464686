/**
 * createSearch's first stage over 10,000 and 100,000 passages with synthetic 384-d vectors: the bench's synthetic
 * passages (a worst case: every word in about 11% of them) and the search demo's man-page paragraphs repeated to
 * the count with real questions, stop words off and on. Indexing time and main-thread long tasks while indexing,
 * per-query lexical / dense / fusion times (measured in the search worker) and the page's round trip, the load
 * average at each row's start, and the synthetic 10,000-passage index reloaded from IndexedDB.
 */
import { loadavg } from 'node:os';
import { launchBrowser, openPage } from '../browser.js';
import type { SearchBenchRecord } from '../results.js';
import { makePassages } from '../text.js';
import { log, median, round } from '../util.js';
import type { Phase } from '../phase.js';
import { MAN_PAGE_QUESTIONS } from '../pages/man-page-copies.js';
import type { SearchBenchPage, SearchIndexSetup, SearchQueryRun } from '../pages/search-contract.js';

const WARM_UP = 5;
const MEASURED = 30;
/** Reloads of the persisted index, each in a fresh page. */
const RELOADS = 3;

/** Two to four words of the bench's vocabulary, seeded apart from the passages. */
function syntheticQueries(count: number): string[] {
  return makePassages(count, 'short', 1234).map((text, index) => text.split(' ').slice(0, 2 + (index % 3)).join(' '));
}

function queries(setup: SearchIndexSetup, count: number): string[] {
  if (setup.corpus === 'synthetic') return syntheticQueries(count);
  return Array.from({ length: count }, (_, index) => MAN_PAGE_QUESTIONS[index % MAN_PAGE_QUESTIONS.length] as string);
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
}

function summarize(runs: readonly SearchQueryRun[], key: keyof SearchQueryRun): number {
  return round(median(runs.map((run) => run[key])), 2);
}

/** The rows: the synthetic worst case (10,000 persisted and reloaded), then the man pages without and with stop words. */
function setups(counts: readonly number[]): SearchIndexSetup[] {
  const rows: SearchIndexSetup[] = counts.map((count) => ({ count, persist: count === 10_000, corpus: 'synthetic', stopWords: false }));
  for (const count of counts) {
    rows.push({ count, persist: false, corpus: 'man-pages', stopWords: false }, { count, persist: false, corpus: 'man-pages', stopWords: true });
  }
  return rows;
}

export const search: Phase = {
  name: 'search',
  title: 'createSearch first stage (lexical + dense exact + fusion) over 10,000 / 100,000 passages (synthetic; man pages, stop words off / on), synthetic 384-d vectors, and the IndexedDB reload',
  investigation: false,
  sharedBrowser: false,
  async run(context) {
    const counts = [10_000, 100_000].filter((count) => count <= context.maxPassages && !(context.quick && count > 10_000));
    const browser = await launchBrowser(false);
    try {
      for (const setup of setups(counts)) {
        const { count, persist } = setup;
        const loadAverageAtStart = loadavg().map((value) => round(value, 2));
        log(`search: ${count} ${setup.corpus} passages, stop words ${setup.stopWords ? 'on' : 'off'}${persist ? ' (persisted, then reloaded)' : ''}; load ${loadAverageAtStart.join(' ')}`);
        const { page, errors } = await openPage(browser, `${context.origin}/scripts/bench/pages/search.html`);
        await page.waitForFunction(() => window.searchBench !== undefined, undefined, { timeout: 60_000 });
        const index = await page.evaluate((setup) => (window.searchBench as SearchBenchPage).index(setup), setup);
        const list = queries(setup, WARM_UP + MEASURED);
        const runs = (await page.evaluate((list) => (window.searchBench as SearchBenchPage).queries(list), list)).slice(WARM_UP);
        let reload: SearchBenchRecord['reload'];
        if (persist) {
          const agains = [];
          for (let run = 0; run < RELOADS; run++) {
            await page.evaluate(() => window.searchBench?.dispose());
            await page.reload();
            await page.waitForFunction(() => window.searchBench !== undefined, undefined, { timeout: 60_000 });
            const again = await page.evaluate((setup) => (window.searchBench as SearchBenchPage).index(setup), setup);
            log(`  reload ${run + 1}: ${round(again.ms)} ms; ${Object.entries(again.timings).map(([part, ms]) => `${part} ${round(ms)}`).join(', ')}`);
            agains.push(again);
          }
          const last = agains[agains.length - 1] as (typeof agains)[number];
          reload = {
            ms: round(median(agains.map((again) => again.ms))),
            runsMs: agains.map((again) => round(again.ms)),
            embedded: Math.max(...agains.map((again) => again.embedded)),
            reused: last.reused,
            lexicalFromStore: agains.every((again) => again.lexicalFromStore),
            timings: agains.map((again) => Object.fromEntries(Object.entries(again.timings).map(([part, ms]) => [part, round(ms)]))),
          };
        }
        await page.evaluate(() => window.searchBench?.dispose());
        await page.context().close();
        const record: SearchBenchRecord = {
          passages: count,
          corpus: setup.corpus,
          stopWords: setup.stopWords,
          loadAverageAtStart,
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
