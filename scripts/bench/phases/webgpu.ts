/** WebGPU on the SwiftShader (CPU) adapter of headless Chromium: a first figure, fp32. */
import { launchBrowser, openBenchPage, pageLoad, pageRerank, withCap } from '../browser.js';
import { LIBRARY_PAGE, MODEL, MODEL_BASE, type Dtype } from '../config.js';
import type { Results, WebGpuRecord } from '../results.js';
import { makePassages, QUERY, type PassageKind } from '../text.js';
import { log, record, round } from '../util.js';
import type { Phase } from '../phase.js';

async function measureWebGpu(results: Results, origin: string, quick: boolean, hasFp32: boolean): Promise<void> {
  log('webgpu (SwiftShader)');
  const browser = await launchBrowser(true);
  const record: WebGpuRecord = { adapter: 'unknown', runs: [], errors: [] };
  results.webgpu = record;
  try {
    const opened = await openBenchPage(browser, origin + LIBRARY_PAGE);
    const adapter = await opened.page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      const found = await gpu?.requestAdapter();
      if (found === null || found === undefined) return 'none';
      const info = found.info;
      return [info.vendor, info.architecture, info.device, info.description].filter((part) => part !== '').join(' / ');
    });
    (record as { adapter: string }).adapter = adapter;
    if (adapter === 'none') throw new Error('no WebGPU adapter');
    const dtype: Dtype = hasFp32 ? 'fp32' : 'q8';
    // The dynamic path: SwiftShader takes about a minute to capture each shape, so fp32's default
    // ('auto' captures MiniLM fp32) ran past the time cap; q8 is never captured. Captured shapes are
    // measured on a real GPU by `npm run bench:gpu`.
    const loaded = await withCap(
      () => pageLoad(opened.page, { model: MODEL, modelBaseUrl: MODEL_BASE, device: 'webgpu', dtype, webgpuGraphCapture: false }),
      180_000,
      () => opened.context.close(),
    );
    if (!loaded.ok) throw new Error(loaded.error);
    (record as { loadMs?: number }).loadMs = round(loaded.value.ms);
    (record as { dtype?: string }).dtype = `${loaded.value.dtype} on ${loaded.value.device}, graph capture off`;
    // SwiftShader runs about 0.1-0.3 pairs/s here, so 10 short passages: once with new shapes, then again.
    const cases: { count: number; kind: PassageKind }[] = quick
      ? [{ count: 10, kind: 'short' }, { count: 10, kind: 'short' }]
      : [{ count: 10, kind: 'short' }, { count: 10, kind: 'short' }, { count: 10, kind: 'short' }];
    const seen = new Set<string>();
    for (const { count, kind } of cases) {
      const key = `${count}/${kind}`;
      const first = !seen.has(key);
      seen.add(key);
      const outcome = await withCap(() => pageRerank(opened.page, QUERY, makePassages(count, kind)), 240_000, () => opened.context.close());
      if (!outcome.ok) {
        (record as { failed?: string }).failed = `${count} ${kind}: ${outcome.error}`;
        break;
      }
      record.runs.push({ count, kind, first, ms: round(outcome.value.ms), pairsPerSecond: round((count / outcome.value.ms) * 1000, 2) });
      log(`  webgpu ${count} ${kind}${first ? ' (first: new shapes compile)' : ''}: ${round(outcome.value.ms)} ms`);
    }
    record.errors.push(...opened.errors.slice(0, 5));
  } catch (error) {
    (record as { failed?: string }).failed = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    log(`  webgpu failed: ${record.failed ?? ''}`);
  } finally {
    await browser.close();
  }
}

export const webgpu: Phase = {
  name: 'webgpu',
  title: 'the library on SwiftShader (a regression figure, not a GPU one)',
  investigation: false,
  sharedBrowser: false,
  run: (context) => measureWebGpu(context.results, context.origin, context.quick, context.hasFp32),
};
