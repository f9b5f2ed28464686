/**
 * The library and the demo under a strict Content-Security-Policy, sent as a header by a plain static server
 * (no Vite dev server: its HMR client and injected styles are no part of a deployed app). Built into a folder
 * of its own: the standalone bundle, the demo, and the tiny BERT fixture. The policy is what the README's
 * Content-Security-Policy section documents; the tests also show that each source it grants is needed.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { serveStatic, type StaticServer } from '../static-server.js';
import { expect, test } from '../support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The strict policy, directive by directive (README: Content-Security-Policy). */
export const STRICT_POLICY: Readonly<Record<string, string>> = {
  'default-src': "'none'",
  'script-src': "'self' 'wasm-unsafe-eval'",
  'worker-src': "'self'",
  'connect-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'manifest-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

const policyText = (policy: Readonly<Record<string, string>>): string =>
  Object.entries(policy)
    .map(([directive, sources]) => `${directive} ${sources}`)
    .join('; ');

let site: string;
const servers: StaticServer[] = [];

/** A server of the built site with `policy`. */
async function serve(policy: Readonly<Record<string, string>>): Promise<StaticServer> {
  const server = await serveStatic(site, { 'Content-Security-Policy': policyText(policy) });
  servers.push(server);
  return server;
}

test.beforeAll(async () => {
  test.setTimeout(300_000);
  site = mkdtempSync(join(tmpdir(), 'webgpu-reranker-csp-'));
  const build = (args: string[]) => execFileSync('npx', ['vite', 'build', ...args, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  build(['--outDir', site]); // the demo at the root, as its base ('/') expects
  build(['--config', 'vite.standalone.config.ts', '--outDir', join(site, 'standalone')]);
  cpSync(join(root, 'e2e/pages/csp'), join(site, 'csp'), { recursive: true });
  cpSync(join(root, 'fixtures/models/tiny-bert-reranker'), join(site, 'fixtures/models/tiny-bert-reranker'), { recursive: true });
});

test.afterAll(async () => {
  for (const server of servers.splice(0)) await server.close();
  if (site !== undefined) rmSync(site, { recursive: true, force: true });
});

/** Collects the page's CSP violations (the page's and its workers' reports reach the page's console). */
function violations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) found.push(message.text());
  });
  return found;
}

test.describe('a strict Content-Security-Policy', () => {
  test('the library reranks the fixture model on WASM with no violation', async ({ page }) => {
    const server = await serve(STRICT_POLICY);
    const seen = violations(page);
    await page.goto(`${server.origin}/csp/library.html`);
    await expect(page.locator('#status')).toHaveText(/done|failed/, { timeout: 120_000 });
    await expect(page.locator('#status')).toHaveText('done on wasm');
    const scores = (await page.locator('#results li').allTextContents()).map(Number);
    expect(scores).toHaveLength(3);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(seen).toEqual([]);
  });

  test('the demo reranks the fixture model under the same policy', async ({ page }) => {
    const server = await serve(STRICT_POLICY);
    const seen = violations(page);
    await page.goto(`${server.origin}/?modelBaseUrl=/fixtures/models&model=tiny-bert-reranker&device=wasm&dtype=fp32`);
    await page.locator('#query').fill('what does the giant panda eat?');
    await page.locator('#passages').fill('Giant pandas eat bamboo almost exclusively.\n\nThe stock market closed higher today.');
    await page.locator('#rerank').click();
    await expect(page.locator('#results li')).toHaveCount(2, { timeout: 120_000 });
    await expect(page.locator('#info')).toContainText('wasm');
    expect(seen).toEqual([]);
  });

  test.describe('each source it grants is needed', () => {
    // The refusals are the subject here.
    test.use({ expectedConsoleErrors: [/.*/] });

    test("without 'wasm-unsafe-eval' onnxruntime's WebAssembly cannot compile", async ({ page }) => {
      const server = await serve({ ...STRICT_POLICY, 'script-src': "'self'" });
      await page.goto(`${server.origin}/csp/library.html`);
      await expect(page.locator('#status')).toHaveText(/done|failed/, { timeout: 120_000 });
      await expect(page.locator('#status')).toContainText('failed');
      console.log(`[csp] ${test.info().title}: ${await page.locator('#status').textContent()}`);
    });

    test("without worker-src 'self' the worker cannot start: worker-start-failed", async ({ page }) => {
      const server = await serve({ ...STRICT_POLICY, 'worker-src': "'none'" });
      await page.goto(`${server.origin}/csp/library.html`);
      await expect(page.locator('#status')).toHaveText(/done|failed/, { timeout: 120_000 });
      await expect(page.locator('#status')).toContainText('failed: worker-start-failed');
      console.log(`[csp] ${test.info().title}: ${await page.locator('#status').textContent()}`);
    });

    test("without connect-src 'self' the model files cannot be fetched", async ({ page }) => {
      const server = await serve({ ...STRICT_POLICY, 'connect-src': "'none'" });
      await page.goto(`${server.origin}/csp/library.html`);
      await expect(page.locator('#status')).toHaveText(/done|failed/, { timeout: 120_000 });
      await expect(page.locator('#status')).toContainText('failed');
      console.log(`[csp] ${test.info().title}: ${await page.locator('#status').textContent()}`);
    });
  });
});
