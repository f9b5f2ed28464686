import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS } from './scripts/shared/chromium.js';

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
