/**
 * The browser GPU bench's page (scripts/bench-gpu/browser/drive.ts opens it): the library exactly as a page
 * without a bundler uses it, `dist/standalone/webgpu-reranker.js` (createReranker: the model in its Web
 * Worker, onnxruntime-web's WebGPU EP there), served beside this page as `./standalone/`.
 */
import type * as Library from '../../../src/index.js';
import { PROGRESS_PREFIX, type BrowserBench, type BrowserLoadOptions } from './contract.js';
import { searchBench } from './search-bench.js';
import { captureSettled } from '../capture-settled.js';

type Lib = typeof Library;
let lib: Lib | undefined;
let reranker: Library.Reranker | undefined;

async function library(): Promise<Lib> {
  // A URL known only at run time: the bundler leaves the import alone, the browser loads the built file.
  const url = new URL('./standalone/webgpu-reranker.js', location.href).href;
  lib ??= (await import(/* @vite-ignore */ url)) as Lib;
  return lib;
}

/**
 * Load progress for the drive log (forwardPageMessages passes on lines that start with PROGRESS_PREFIX): each
 * stage once, downloads every 10%, each with the seconds since createReranker, so a slow or stuck load shows
 * where it is.
 */
function progressLogger(started: number): (progress: Library.LoadProgress) => void {
  const logged = new Set<string>();
  return (progress) => {
    const step = progress.stage === 'download' || progress.stage === 'download-total' ? `${progress.stage} ${Math.floor(progress.progress / 10) * 10}%` : progress.stage;
    const where = progress.stage === 'download' ? ` ${progress.file}` : progress.stage === 'session' ? ` on ${progress.device} (${progress.dtype})` : '';
    if (logged.has(step + where)) return;
    logged.add(step + where);
    console.info(`${PROGRESS_PREFIX}${((performance.now() - started) / 1000).toFixed(1)} s: ${step}${where}`);
  };
}

const bench: BrowserBench = {
  async adapter() {
    const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null || adapter === undefined) return undefined;
    const { vendor, architecture, device, description } = adapter.info;
    return { vendor, architecture, device, description, features: [...adapter.features].map(String).sort() };
  },
  async load(options: BrowserLoadOptions) {
    const { createReranker } = await library();
    await reranker?.dispose();
    reranker = undefined;
    const started = performance.now();
    reranker = await createReranker({
      model: options.model,
      modelBaseUrl: options.modelBaseUrl,
      device: options.device ?? 'webgpu',
      dtype: (options.dtype ?? 'fp32') as Library.DtypeRequest,
      webgpuGraphCapture: options.capture,
      ...(options.batchTokenBudget === undefined ? {} : { batchTokenBudget: options.batchTokenBudget }),
      ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
      onProgress: progressLogger(started),
    });
    const ms = performance.now() - started;
    const { info } = reranker;
    return { ms, device: info.device, dtype: info.dtype, maxLength: info.maxLength, graphCapture: info.graphCapture, ...(info.fallbackReason === undefined ? {} : { fallbackReason: info.fallbackReason }) };
  },
  async rerank(query, passages) {
    if (reranker === undefined) throw new Error('load first');
    const started = performance.now();
    const ranked = await reranker.rerank(query, passages);
    const ms = performance.now() - started;
    const timings = await reranker.lastTimings();
    const scores = new Array<number>(passages.length).fill(Number.NaN);
    for (const row of ranked) scores[row.index] = row.score;
    return {
      ms,
      scores,
      tokenizeMs: timings?.tokenizeMs ?? Number.NaN,
      inferenceMs: timings?.inferenceMs ?? Number.NaN,
      batches: timings?.batches ?? 0,
      ...(timings?.graphCapture === undefined ? {} : { graphCapture: timings.graphCapture }),
    };
  },
  async captureSettled() {
    const loaded = reranker;
    if (loaded === undefined) throw new Error('load first');
    return captureSettled(() => loaded.lastTimings());
  },
  async dispose() {
    await reranker?.dispose();
    reranker = undefined;
  },
};

window.gpuBench = bench;
// The search scenario, driven by search-drive.ts.
window.gpuSearchBench = searchBench;
