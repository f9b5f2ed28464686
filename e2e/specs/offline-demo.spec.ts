/**
 * The built demo (`vite build`, as `npm run build:demo` makes it) served as plain static files: one visit
 * online loads a model, then the network is cut (the browser context offline AND the server stopped) and a
 * second visit still opens the page, lists the model as available offline and reranks with the right scores.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { serveStatic, type StaticServer } from '../static-server.js';
import { expect, loadReference, test, type ReferencePair } from '../support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** A preset of the demo's `#model`, served from the fixtures: the tiny BERT under the preset's name. */
const PRESET = 'Xenova/ms-marco-MiniLM-L-6-v2';
const DEMO_URL = `/?modelBaseUrl=/fixtures/models&model=${PRESET}&device=wasm&dtype=fp32`;

let site: string;
let server: StaticServer | undefined;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  site = mkdtempSync(join(tmpdir(), 'webgpu-reranker-offline-demo-'));
  // Into a folder of its own: dist/demo may be in use by someone else's preview server.
  execFileSync('npx', ['vite', 'build', '--outDir', site, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  cpSync(join(root, 'fixtures/models/tiny-bert-reranker'), join(site, 'fixtures/models', PRESET), { recursive: true });
  server = await serveStatic(site);
});

test.afterAll(async () => {
  await server?.close();
  if (site !== undefined) rmSync(site, { recursive: true, force: true });
});

/** Reranks `pairs` (one query) on the demo page; returns the shown rows, best first. */
async function rerankOnPage(page: Page, pairs: readonly ReferencePair[]): Promise<{ index: number; raw: number }[]> {
  await page.locator('#query').fill(pairs[0]?.query ?? '');
  await page.locator('#passages').fill(pairs.map((pair) => pair.passage.trim()).join('\n\n'));
  await page.locator('#rerank').click();
  const rows = page.locator('#results li');
  await expect(rows).toHaveCount(pairs.length, { timeout: 120_000 });
  return rows.evaluateAll((items) =>
    items.map((item) => ({
      index: Number((item as HTMLElement).dataset['index']),
      raw: Number(item.querySelector('.score-raw')?.textContent?.replace(/[^\d.eE+-]/g, '')),
    })),
  );
}

function expectReferenceScores(shown: { index: number; raw: number }[], pairs: readonly ReferencePair[]): void {
  const expectedOrder = pairs
    .map((pair, index) => ({ index, score: pair.scoreTorch }))
    .sort((a, b) => b.score - a.score)
    .map((row) => row.index);
  expect(shown.map((row) => row.index)).toEqual(expectedOrder);
  for (const row of shown) {
    // The page shows 4 decimals.
    expect(Math.abs(row.raw - (pairs[row.index]?.scoreTorch ?? Number.NaN)), `passage ${row.index}`).toBeLessThanOrEqual(1e-3);
  }
}

test('after one visit the built demo opens with the network cut, lists the cached model and reranks', async ({ page, context }) => {
  test.setTimeout(300_000);
  const origin = server?.origin ?? '';
  const reference = loadReference('tiny-bert-reranker');
  const query = reference.pairs[0]?.query ?? '';
  const pairs = reference.pairs.filter((pair) => pair.query === query && pair.passage.trim() !== '' && !/\n\s*\n/.test(pair.passage));
  expect(pairs.length).toBeGreaterThanOrEqual(3);
  const preset = page.locator(`#model option[value="${PRESET}"]`);
  const offlineList = page.locator('#offline-models');

  // ---- First visit, online ----
  const first = await page.goto(`${origin}${DEMO_URL}`);
  expect(first?.fromServiceWorker()).toBe(false);
  await expect(page.locator('#offline-status')).toHaveAttribute('data-offline-ready', 'true', { timeout: 120_000 });
  await expect(page.locator('#offline-status')).toContainText('works offline');
  // Nothing is cached yet: the preset is not marked, and the list says so.
  await expect(preset).not.toHaveAttribute('data-offline');
  await expect(offlineList).toContainText('None yet');

  expectReferenceScores(await rerankOnPage(page, pairs), pairs);
  await expect(preset).toHaveAttribute('data-offline', 'fp32');
  await expect(preset).toContainText('available offline (fp32)');
  await expect(offlineList.locator('li')).toHaveText([`/fixtures/models/${PRESET}/ (fp32)`]);

  // The service worker's cache holds every file of the build (pages: the reranker and the search demo; scripts, CSS,
  // workers, .wasm, the search corpus).
  const pages = readdirSync(site).filter((file) => file.endsWith('.html'));
  expect(pages.sort()).toEqual(['index.html', 'search.html']);
  const built = [...pages, ...readdirSync(join(site, 'assets')).map((file) => `assets/${file}`)].map((path) => `${origin}/${path}`).sort();
  expect(built.some((url) => url.endsWith('.wasm'))).toBe(true);
  const precached = await page.evaluate(async () => {
    const names = (await caches.keys()).filter((name) => name.startsWith('webgpu-reranker-demo-'));
    const cache = await caches.open(names[0] ?? 'none');
    return { names, urls: (await cache.keys()).map((request) => request.url).sort() };
  });
  expect(precached.names).toHaveLength(1);
  expect(precached.urls).toEqual(built);

  // ---- The network goes away: the browser is offline and the server is gone ----
  await context.setOffline(true);
  await server?.close();
  server = undefined;

  // ---- Second visit ----
  const second = await page.goto(`${origin}${DEMO_URL}`);
  expect(second?.status()).toBe(200);
  expect(second?.fromServiceWorker()).toBe(true);
  await expect(page.locator('h1')).toHaveText('webgpu-reranker');
  // The cached page keeps its COOP/COEP headers: still cross-origin isolated.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.locator('#offline-status')).toHaveAttribute('data-offline-ready', 'true');
  await expect(preset).toHaveAttribute('data-offline', 'fp32');
  await expect(offlineList.locator('li')).toHaveText([`/fixtures/models/${PRESET}/ (fp32)`]);
  await expect(page.locator('#model')).toHaveValue(PRESET);

  expectReferenceScores(await rerankOnPage(page, pairs), pairs);
  await expect(page.locator('#info')).toContainText('wasm');
  await expect(page.locator('#error')).toBeHidden();

  // ---- The search page, still offline: page, corpus and search worker come from the cache; the fp32 reranker too ----
  const search = await page.goto(`${origin}/search.html?modelBaseUrl=/fixtures/models&model=${PRESET}&device=wasm&dtype=fp32`);
  expect(search?.fromServiceWorker()).toBe(true);
  await expect(page.locator('#search-status')).toHaveAttribute('data-ready', 'true', { timeout: 240_000 });
  await expect(page.locator('#search-status')).toContainText('reranker on wasm');
  await page.locator('#search-query').pressSequentially('socket', { delay: 40 });
  await expect(page.locator('#search-results li')).toHaveCount(10);
});
