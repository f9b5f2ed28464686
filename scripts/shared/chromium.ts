/**
 * The Chromium every browser test and benchmark launches, and its flags: playwright.config.ts (the e2e
 * suite), the e2e specs that launch a browser of their own (memory, webgpu-fallback) and `npm run bench`.
 * Debian's Chromium by default: `npx playwright install` cannot download a browser on machines without
 * internet (scripts/ensure-chromium.sh installs it, with the same default path).
 */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Headless Chromium exposes WebGPU (on the SwiftShader CPU adapter) only with this flag, on localhost. */
export const WEBGPU_ARGS: readonly string[] = ['--enable-unsafe-webgpu'];
