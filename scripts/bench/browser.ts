/** Headless Debian Chromium, the Vite dev server (COOP/COEP), and the benchmark pages. */
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS } from '../shared/chromium.js';
import type { BenchPage, PageLoadOptions, PageLoadResult, PageRerankResult } from './pages/contract.js';

export async function startServer(port: number): Promise<{ server: ViteDevServer; origin: string }> {
  const server = await createServer({
    configFile: resolve('vite.config.ts'),
    // No file watching, no HMR: files edited while the bench runs (other work in the same checkout) must
    // not reload a page in the middle of a measurement.
    server: { port, strictPort: true, host: 'localhost', hmr: false, watch: null },
    logLevel: 'warn',
    clearScreen: false,
  });
  await server.listen();
  return { server, origin: `http://localhost:${port}` };
}

export function launchBrowser(webgpu: boolean): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...(webgpu ? WEBGPU_ARGS : [])] });
}

declare global {
  interface Window {
    bench?: BenchPage;
  }
}

export interface OpenPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly errors: string[];
}

/** A fresh context (its own cache, storage and renderer process) holding one page. */
export async function openPage(browser: Browser, url: string, context?: BrowserContext): Promise<OpenPage> {
  const ctx = context ?? (await browser.newContext());
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/VerifyEachNodeIsAssignedToAnEp|Some nodes were not assigned/.test(message.text())) {
      errors.push(`console.error: ${message.text()}`);
    }
  });
  await page.goto(url);
  return { context: ctx, page, errors };
}

export async function openBenchPage(browser: Browser, url: string, context?: BrowserContext): Promise<OpenPage> {
  const opened = await openPage(browser, url, context);
  await opened.page.waitForFunction(() => window.bench !== undefined, undefined, { timeout: 60_000 });
  return opened;
}

export function pageLoad(page: Page, options: PageLoadOptions): Promise<PageLoadResult> {
  return page.evaluate(async (opts) => {
    if (window.bench === undefined) throw new Error('no bench page');
    return window.bench.load(opts);
  }, options);
}

export function pageRerank(page: Page, query: string, passages: readonly string[]): Promise<PageRerankResult> {
  return page.evaluate(
    async ([q, p]) => {
      if (window.bench === undefined) throw new Error('no bench page');
      return window.bench.rerank(q, p);
    },
    [query, passages] as const,
  );
}

export type Capped<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly capped: boolean; readonly error: string };

/**
 * Runs `work`; after `capMs` gives up on it and calls `stop` (which must end it, e.g. close the page's
 * context: a busy main thread cannot be interrupted any other way).
 */
export async function withCap<T>(work: () => Promise<T>, capMs: number, stop: () => Promise<void>): Promise<Capped<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), capMs);
  });
  const running = work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, capped: false, error: error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error) }),
  );
  const first = await Promise.race([running, timeout]);
  if (timer !== undefined) clearTimeout(timer);
  if (first !== 'timeout') return first;
  await stop().catch(() => undefined);
  await running.catch(() => undefined);
  return { ok: false, capped: true, error: `stopped after ${Math.round(capMs / 1000)} s (time cap)` };
}
