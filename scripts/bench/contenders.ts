/** Browser contenders: a bench page (library or naive) reused across runs, and the warm probe page. */
import type { Browser, Page } from '@playwright/test';
import { launchBrowser, openBenchPage, openPage, pageLoad, pageRerank, withCap, type OpenPage } from './browser.js';
import { LIBRARY_PAGE, MODEL, MODEL_BASE, NAIVE_PAGE, PROBE_PAGE, TOKEN_BUDGET } from './config.js';
import type { PageLoadOptions, PageLoadResult, PageRerankResult } from './pages/contract.js';
// Declares window.probe (the thread probe page).
import type { ProbeLoad, ProbeReply } from './pages/probe-contract.js';
import type { RunRecord } from './results.js';
import { QUERY, makePassages } from './text.js';
import { record, round } from './util.js';

/** One contender's page, loaded once and reused; re-opened after a run had to be stopped. */
export class PageContender {
  #opened: OpenPage | undefined;
  loadResult: PageLoadResult | undefined;

  constructor(
    readonly name: 'library' | 'naive',
    readonly browser: Browser,
    readonly url: string,
    readonly loadOptions: PageLoadOptions,
  ) {}

  async ensure(): Promise<Page> {
    if (this.#opened !== undefined && !this.#opened.page.isClosed()) return this.#opened.page;
    this.#opened = await openBenchPage(this.browser, this.url);
    this.loadResult = await pageLoad(this.#opened.page, this.loadOptions);
    // Warm-up: one small call (kernels, allocator), never timed.
    await pageRerank(this.#opened.page, QUERY, makePassages(4, 'short'));
    return this.#opened.page;
  }

  get errors(): string[] {
    return this.#opened?.errors ?? [];
  }

  async run(passages: readonly string[], capMs: number, query = QUERY): Promise<{ record: RunRecord; scores?: number[] }> {
    const page = await this.ensure();
    const outcome = await withCap(() => pageRerank(page, query, passages), capMs, () => this.close());
    if (!outcome.ok) {
      await this.close();
      return { record: { ms: Number.NaN, pairsPerSecond: Number.NaN, failed: outcome.error, capped: outcome.capped } };
    }
    const result: PageRerankResult = outcome.value;
    return {
      record: record(result.ms, passages.length, {
        ...(result.tokenizeMs === undefined ? {} : { tokenizeMs: round(result.tokenizeMs) }),
        ...(result.inferenceMs === undefined ? {} : { inferenceMs: round(result.inferenceMs) }),
        ...(result.batches === undefined ? {} : { batches: result.batches }),
        ...(result.paddedShape === undefined ? {} : { paddedShape: result.paddedShape }),
      }),
      scores: result.scores,
    };
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    await opened?.context.close().catch(() => undefined);
  }
}

/**
 * A probe page (the library's inference path, one knob exposed) with the bench model loaded, after one
 * unmeasured pass over 100 short passages: a fresh worker runs V8's baseline WASM code for its first seconds,
 * at half speed or less, and the settings compared here must not differ by how far each got with that.
 */
export async function openWarmProbe(browser: Browser, origin: string, options: Pick<ProbeLoad, 'threads'> & Partial<Pick<ProbeLoad, 'wasmPaths' | 'sessionOptions'>>): Promise<{ page: Page; loaded: ProbeReply }> {
  const opened = await openPage(browser, origin + PROBE_PAGE);
  await opened.page.waitForFunction(() => window.probe !== undefined);
  const loaded = await opened.page.evaluate(
    async (message) => window.probe?.load(message),
    { modelBaseUrl: MODEL_BASE, model: MODEL, dtype: 'q8' as const, ...options },
  );
  if (loaded?.ok !== true) throw new Error(`probe load (${JSON.stringify(options)}) failed: ${loaded?.error ?? 'no reply'}`);
  const warmup = await opened.page.evaluate(
    async (message) => window.probe?.run(message),
    { query: QUERY, passages: makePassages(100, 'short'), maxRows: 1, tokenBudget: TOKEN_BUDGET },
  );
  if (warmup?.ok !== true) throw new Error(`probe warm-up (${JSON.stringify(options)}) failed: ${warmup?.error ?? 'no reply'}`);
  return { page: opened.page, loaded };
}

/** Warms Vite's transforms and dependency optimizer (every bench page, the demo, one library load) so no contender pays for them. */
export async function warmDevServer(origin: string): Promise<void> {
  const browser = await launchBrowser(false);
  try {
    for (const page of [LIBRARY_PAGE, NAIVE_PAGE, PROBE_PAGE, '/']) {
      const opened = await openPage(browser, origin + page);
      await opened.page.waitForLoadState('networkidle');
      await opened.context.close();
    }
    const warm = new PageContender('library', browser, origin + LIBRARY_PAGE, { model: MODEL, modelBaseUrl: MODEL_BASE, device: 'wasm', dtype: 'q8' });
    await warm.ensure();
    await warm.close();
  } finally {
    await browser.close();
  }
}
