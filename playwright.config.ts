import { defineConfig } from '@playwright/test';

/** Debian's Chromium: `npx playwright install` cannot download a browser on machines without internet. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
/** Headless Chromium exposes WebGPU (on the SwiftShader CPU adapter) only with this flag, on localhost. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu'];
export const PORT = Number(process.env['E2E_PORT'] ?? 4173);

export default defineConfig({
  testDir: 'e2e/specs',
  // Two cores: one browser at a time keeps WASM and SwiftShader timings sane.
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS] },
  },
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    env: { WEBGPU_RERANKER_E2E: '1' },
    url: `http://localhost:${PORT}/e2e/pages/harness.html`,
    reuseExistingServer: !process.env['CI'],
    timeout: 120_000,
  },
});
