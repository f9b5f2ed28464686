/** Cold load, first result, warm load and peak memory: a fresh browser per contender (empty caches). */
import { launchBrowser, openBenchPage, pageLoad, pageRerank, withCap } from '../browser.js';
import { LIBRARY_PAGE, MODEL, MODEL_BASE, NAIVE_PAGE, type Dtype } from '../config.js';
import { chromiumProcesses, MemorySampler, pssMb } from '../machine.js';
import type { PageLoadOptions } from '../pages/contract.js';
import type { LoadRecord, Results } from '../results.js';
import { makePassages, QUERY } from '../text.js';
import { log, round, sleep } from '../util.js';
import type { Phase } from '../phase.js';

async function measureLoading(results: Results, origin: string, dtypes: readonly Dtype[], quick: boolean): Promise<void> {
  const order: { contender: 'library' | 'naive'; dtype: Dtype }[] = [];
  for (const dtype of dtypes) order.push({ contender: 'library', dtype }, { contender: 'naive', dtype });
  const passages = makePassages(100, 'mixed');
  for (const { contender, dtype } of order) {
    log(`load ${contender} ${dtype}`);
    const browser = await launchBrowser(false);
    const errors: string[] = [];
    let entry: LoadRecord;
    const sampler = new MemorySampler();
    try {
      const blank = await browser.newContext();
      await (await blank.newPage()).goto('about:blank');
      await sleep(1500);
      const baselineMb = pssMb(chromiumProcesses());
      sampler.start();
      const url = origin + (contender === 'library' ? LIBRARY_PAGE : NAIVE_PAGE);
      const options: PageLoadOptions = {
        model: MODEL,
        modelBaseUrl: MODEL_BASE,
        device: 'wasm',
        ...(contender === 'library' || dtype === 'fp32' ? { dtype } : {}),
      };
      const first = await openBenchPage(browser, url);
      errors.push(...first.errors);
      const cold = await pageLoad(first.page, options);
      const capMs = quick ? 60_000 : 120_000;
      const rerank = await withCap(() => pageRerank(first.page, QUERY, passages), capMs, () => first.context.close());
      let warmLoadMs: number | undefined;
      if (rerank.ok) {
        await first.page.evaluate(async () => window.bench?.dispose());
        await first.page.close();
        // A returning visitor: a new page in the same context, files from Cache Storage.
        const second = await openBenchPage(browser, url, first.context);
        warmLoadMs = (await pageLoad(second.page, options)).ms;
        errors.push(...second.errors);
      }
      const peakMb = sampler.stop();
      entry = {
        contender,
        dtype,
        threads: cold.threads,
        coldLoadMs: round(cold.ms),
        ...(rerank.ok
          ? { firstRerankMs: round(rerank.value.ms), timeToFirstResultMs: round(cold.ms + rerank.value.ms) }
          : { failed: rerank.error }),
        ...(warmLoadMs === undefined ? {} : { warmLoadMs: round(warmLoadMs) }),
        baselineMb: round(baselineMb),
        peakMb: round(peakMb),
        peakAboveIdleMb: round(peakMb - baselineMb),
        errors: [...new Set(errors)].slice(0, 5),
      };
    } catch (error) {
      const peakMb = sampler.stop();
      entry = {
        contender,
        dtype,
        baselineMb: Number.NaN,
        peakMb: round(peakMb),
        peakAboveIdleMb: Number.NaN,
        failed: error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error),
        errors,
      };
    } finally {
      await browser.close();
    }
    results.load.push(entry);
    log(`  ${JSON.stringify(entry)}`);
  }
}

export const loading: Phase = {
  name: 'load',
  title: 'cold and warm load, time to the first result and peak memory, a fresh browser per row',
  investigation: false,
  sharedBrowser: false,
  run: (context) => measureLoading(context.results, context.origin, context.dtypes, context.quick),
};
