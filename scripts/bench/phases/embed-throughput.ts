/**
 * Embedding throughput: `createEmbedder` (worker, WASM, q8) against the naive transformers.js
 * `feature-extraction` pipeline (main thread, one call over every text) on the same model and texts, in
 * alternating rounds (each round runs both, the order swapping each round, so machine load hits both alike);
 * the ratio reported is the median and range over the rounds. The model is derived at bench time from the
 * cross-encoder fixture (embedding-model.ts). Also checks that both return the same vectors (cosine).
 */
import type { Page } from '@playwright/test';
import { launchBrowser, openPage } from '../browser.js';
import { deriveEmbeddingModel, EMBEDDING_BASE, EMBEDDING_MODEL } from '../embedding-model.js';
import { makeDocsPassages } from '../docs-text.js';
import type { EmbedThroughputRecord } from '../results.js';
import { makePassages, type PassageKind, type PassageText } from '../text.js';
import { log, round, spread } from '../util.js';
import type { Phase } from '../phase.js';
import type { EmbedBenchPage, EmbedRun } from '../pages/embed-contract.js';

const PAGES = { library: '/scripts/bench/pages/embed-library.html', naive: '/scripts/bench/pages/embed-naive.html' } as const;
type Name = keyof typeof PAGES;

function texts(count: number, kind: PassageKind, text: PassageText): string[] {
  return text === 'docs' ? makeDocsPassages(count, kind) : makePassages(count, kind);
}

function embed(page: Page, list: readonly string[]): Promise<EmbedRun> {
  return page.evaluate((list) => (window.embedBench as EmbedBenchPage).embed(list), list);
}

/** The smallest cosine between the two contenders' vectors of the same text. */
function minCosine(a: readonly number[][], b: readonly number[][]): number {
  let worst = 1;
  a.forEach((x, row) => {
    const y = b[row] as number[];
    let dot = 0;
    let nx = 0;
    let ny = 0;
    x.forEach((value, i) => {
      dot += value * (y[i] as number);
      nx += value * value;
      ny += (y[i] as number) ** 2;
    });
    worst = Math.min(worst, dot / Math.sqrt(nx * ny));
  });
  return worst;
}

export const embedThroughput: Phase = {
  name: 'embed',
  title: 'embedding throughput: createEmbedder (worker, WASM, q8) vs the naive transformers.js feature-extraction pipeline, alternating rounds',
  investigation: false,
  sharedBrowser: false,
  async run(context) {
    const { hiddenState } = deriveEmbeddingModel();
    log(`embed: ${EMBEDDING_MODEL} derived (last_hidden_state = ${hiddenState})`);
    const browser = await launchBrowser(false);
    const pages = new Map<Name, Page>();
    try {
      for (const name of ['library', 'naive'] as const) {
        const { page } = await openPage(browser, context.origin + PAGES[name]);
        await page.waitForFunction(() => window.embedBench !== undefined, undefined, { timeout: 60_000 });
        const loaded = await page.evaluate((options) => (window.embedBench as EmbedBenchPage).load(options), { model: EMBEDDING_MODEL, modelBaseUrl: EMBEDDING_BASE });
        log(`  ${name}: loaded in ${Math.round(loaded.ms)} ms (${loaded.detail})`);
        pages.set(name, page);
      }
      const sets = [
        { count: 100, kind: 'short' as const, text: 'generated' as const },
        { count: 100, kind: 'mixed' as const, text: 'generated' as const },
        { count: 100, kind: 'short' as const, text: 'docs' as const },
      ].filter((set) => set.count <= context.maxPassages);
      const rounds = context.quick ? 3 : 5;
      // Steady state for both (V8's optimized WebAssembly, warm caches): one untimed pass over 20 texts of each set.
      for (const set of sets) for (const page of pages.values()) await embed(page, texts(20, set.kind, set.text));
      for (const set of sets) {
        const list = texts(set.count, set.kind, set.text);
        const ms: Record<Name, number[]> = { library: [], naive: [] };
        const ratios: number[] = [];
        let cosine = 1;
        for (let r = 0; r < rounds; r++) {
          const order: Name[] = r % 2 === 0 ? ['library', 'naive'] : ['naive', 'library'];
          const runs = {} as Record<Name, EmbedRun>;
          for (const name of order) runs[name] = await embed(pages.get(name) as Page, list);
          ms.library.push(runs.library.ms);
          ms.naive.push(runs.naive.ms);
          ratios.push(runs.naive.ms / runs.library.ms);
          cosine = Math.min(cosine, minCosine(runs.library.vectors, runs.naive.vectors));
        }
        const record: EmbedThroughputRecord = {
          model: EMBEDDING_MODEL,
          passages: set.count,
          kind: set.kind,
          text: set.text,
          libraryMs: spread(ms.library) as NonNullable<ReturnType<typeof spread>>,
          naiveMs: spread(ms.naive) as NonNullable<ReturnType<typeof spread>>,
          speedup: spread(ratios) as NonNullable<ReturnType<typeof spread>>,
          libraryPassagesPerSecond: round((set.count * 1000) / (spread(ms.library)?.median ?? Number.NaN), 1),
          minCosineLibraryVsNaive: round(cosine, 6),
        };
        (context.results.embedThroughput ??= []).push(record);
        log(`  ${JSON.stringify(record)}`);
      }
    } finally {
      for (const page of pages.values()) await page.evaluate(() => window.embedBench?.dispose()).catch(() => undefined);
      await browser.close();
    }
  },
};
