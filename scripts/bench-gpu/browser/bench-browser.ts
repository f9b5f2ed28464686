/**
 * What the browser GPU bench's drivers (drive.ts: rerankers, search-drive.ts: search end to end) share: the
 * headless Chromium they launch, the host facts their reports carry, and the page's warnings forwarded to the
 * run's log.
 */
import { cpus, hostname } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROGRESS_PREFIX } from './contract.js';

/** One log line with the time of day, as the drivers print them. */
export const log = (message: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Chromium with WebGPU on and nothing in the background; `flags` (the adapter's: Vulkan, ANGLE, f16 toggle) after. */
export function launchBenchBrowser(executablePath: string, flags: readonly string[]): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-unsafe-webgpu', ...flags],
  });
}

/** The machine and browser a report's figures come from. */
export function hostFacts(browser: Browser): { hostname: string; cpus: number; cpuModel: string; node: string; browser: string } {
  return { hostname: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, browser: browser.version() };
}

/** The page's console errors and warnings, and its uncaught errors, in the run's log (shortened). */
export function forwardPageMessages(page: Page): void {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log(`  page ${message.type()}: ${message.text().slice(0, 300)}`);
    else if (message.type() === 'info' && message.text().startsWith(PROGRESS_PREFIX)) log(`  ${message.text()}`);
  });
  page.on('pageerror', (error) => log(`  page error: ${error.message}`));
}
