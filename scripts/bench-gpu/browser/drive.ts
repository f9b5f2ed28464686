/**
 * `npm run bench:gpu:browser` on the GPU machine: the library's real browser path, measured. Serves the
 * standalone build, this folder's page and the benchmark models on 127.0.0.1, opens the page in headless
 * Chromium (playwright-core, the carried browser) and, per model and variant, times what `bench-main.ts`
 * times in Node + Dawn: a fresh load and its first 100-passage rerank, pairs per second by rows x tokens,
 * and 100-passage reranks (unseen and repeated passages). Writes `bench-browser-<tag>.json` in the schema of
 * bench-main.ts, which report.py renders beside the Node + Dawn runs.
 *
 * Every figure goes through `createReranker` / `rerank` / `lastTimings` of the standalone bundle: the model
 * runs in the library's Web Worker, so per-batch times are a call's inference time over its batches.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { QUERY as BENCH_QUERY, makePassages, type PassageKind } from '../../bench/text.js';
import { seededRandom } from '../../shared/seeded-random.js';
import { corpusSentences, passageOfWords, QUERIES } from '../passages.js';
import type { BrowserLoadOptions, BrowserLoadResult, BrowserRerankResult } from './contract.js';
import { forwardPageMessages, hostFacts, launchBenchBrowser, log } from './bench-browser.js';
import { serveMounts } from './static-server.js';

const { values } = parseArgs({
  options: {
    chromium: { type: 'string', default: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium' },
    'chromium-flags': { type: 'string', default: '' },
    standalone: { type: 'string', default: 'dist/standalone' },
    page: { type: 'string', default: '.carry/browser-page' },
    'models-dir': { type: 'string', default: 'bench-models' },
    model: { type: 'string', multiple: true },
    variants: { type: 'string', default: 'library,library+dynamic' },
    lengths: { type: 'string', default: '32,128,512' },
    rows: { type: 'string', default: '1,8,64' },
    'min-seconds': { type: 'string', default: '0.4' },
    'rerank-sets': { type: 'string', default: 'short,mixed' },
    'rerank-budgets': { type: 'string', default: '4096' },
    corpus: { type: 'string', default: 'scripts/fixtures/corpus.py' },
    out: { type: 'string', default: 'bench/gpu/raw' },
    tag: { type: 'string', default: 'browser' },
    'deadline-seconds': { type: 'string', default: '100000' },
    // The dtype whose scores every variant is compared with (max |score - reference| on the fidelity pairs);
    // 'none': no reference load.
    reference: { type: 'string', default: 'none' },
    'fidelity-pairs': { type: 'string', default: '24' },
    // Variants measured only by their fresh load, first 100-passage rerank and fidelity (no grid, no repeats).
    'load-only-variants': { type: 'string', default: '' },
    // The passages of the fresh page's first 100-passage rerank: 'mixed' (87-357 tokens), or 'short' where a
    // slow device (a 0.6B LLM on WASM) would spend many minutes on the mixed set.
    'first-rerank-set': { type: 'string', default: 'mixed' },
  },
  strict: true,
});

const numbers = (list: string): number[] => list.split(',').filter((s) => s.length > 0).map(Number);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return s.length === 0 ? Number.NaN : ((s[Math.floor(mid)] ?? 0) + (s[Math.ceil(mid)] ?? 0)) / 2;
};

/**
 * `library`: graph capture as a page gets it ('auto'); `library+capture`: true; `library+dynamic`: false;
 * `wasm`: device 'wasm'. A suffix `@dtype` picks the dtype (default fp32 on WebGPU, the library's 'auto' on WASM).
 */
const CAPTURE: Readonly<Record<string, 'auto' | boolean>> = { library: 'auto', 'library+capture': true, 'library+dynamic': false, wasm: false };

interface VariantSpec {
  readonly capture: 'auto' | boolean;
  readonly device: 'webgpu' | 'wasm';
  readonly dtype: string;
}

function parseVariant(variant: string): VariantSpec {
  const [base = '', dtype] = variant.split('@');
  const capture = CAPTURE[base];
  if (capture === undefined) throw new Error(`unknown variant ${variant} (${Object.keys(CAPTURE).join(', ')}, each with an optional @dtype)`);
  const device = base === 'wasm' ? 'wasm' : 'webgpu';
  return { capture, device, dtype: dtype ?? (device === 'wasm' ? 'auto' : 'fp32') };
}

/** The whole GPU's used memory (nvidia-smi), MiB; undefined where there is no nvidia-smi. */
function gpuMemoryMiB(): number | undefined {
  try {
    const text = execFileSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 5000 });
    return Number(text.trim().split('\n')[0]);
  } catch {
    return undefined;
  }
}

const firstRerankSet = values['first-rerank-set'] as PassageKind;
if (firstRerankSet !== 'mixed' && firstRerankSet !== 'short') throw new Error(`--first-rerank-set ${firstRerankSet}: use mixed or short`);

/** The smallest batchTokenBudget createReranker accepts. */
const MIN_BUDGET = 512;

const deadline = performance.now() + Number(values['deadline-seconds']) * 1000;
const late = (): boolean => performance.now() > deadline;
const flags = values['chromium-flags'].split(/\s+/).filter((flag) => flag.length > 0);
const sentences = corpusSentences(values.corpus);
mkdirSync(values.out, { recursive: true });

const server = await serveMounts({ '/': values.page, '/standalone/': values.standalone, '/models/': values['models-dir'] });
const modelBaseUrl = `${server.origin}/models`;
const browser = await launchBenchBrowser(values.chromium, flags);
const report: Record<string, unknown> = {
  tag: values.tag,
  date: new Date().toISOString(),
  path: 'browser',
  host: hostFacts(browser),
  chromiumFlags: flags,
  dawnFlags: flags,
  models: {} as Record<string, unknown>,
  gpuMemoryMiBBeforeBrowser: gpuMemoryMiB(),
};
const outFile = join(values.out, `bench-${values.tag}.json`);
const write = (): void => writeFileSync(outFile, JSON.stringify(report, null, 1));

/** A fresh context (its own Cache Storage) holding the bench page. */
async function openPage(target: Browser): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await target.newContext();
  const page = await context.newPage();
  forwardPageMessages(page);
  await page.goto(`${server.origin}/page.html`);
  await page.waitForFunction(() => window.gpuBench !== undefined, undefined, { timeout: 60_000 });
  return { page, close: () => context.close() };
}

const load = (page: Page, options: BrowserLoadOptions): Promise<BrowserLoadResult> =>
  page.evaluate((opts) => {
    if (window.gpuBench === undefined) throw new Error('no bench page');
    return window.gpuBench.load(opts);
  }, options);
/** Waits for the captured sessions built in idle time (see ../capture-settled.ts); resolves with the ms waited. */
const captureSettled = (page: Page): Promise<number> =>
  page.evaluate(() => {
    if (window.gpuBench === undefined) throw new Error('the bench page did not load');
    return window.gpuBench.captureSettled();
  });

const rerank = (page: Page, query: string, passages: readonly string[]): Promise<BrowserRerankResult> =>
  page.evaluate(([q, p]) => {
    if (window.gpuBench === undefined) throw new Error('no bench page');
    return window.gpuBench.rerank(q, p);
  }, [query, passages] as const);

try {
  const probe = await openPage(browser);
  report['adapter'] = (await probe.page.evaluate(() => window.gpuBench?.adapter())) ?? { vendor: 'none', architecture: '', device: '', description: 'no WebGPU adapter', features: [] };
  log(`browser ${browser.version()}; adapter ${JSON.stringify(report['adapter'])}`);
  await probe.close();
  write();

  for (const model of values.model ?? ['minilm-l6']) {
    const modelConfig = JSON.parse(readFileSync(join(values['models-dir'], model, 'config.json'), 'utf8')) as Record<string, unknown>;
    const variants: Record<string, unknown> = {};
    (report['models'] as Record<string, unknown>)[model] = {
      config: Object.fromEntries(['model_type', 'num_hidden_layers', 'hidden_size', 'num_attention_heads', 'intermediate_size', 'vocab_size'].map((k) => [k, modelConfig[k]])),
      variants,
    };
    const modelReport = (report['models'] as Record<string, Record<string, unknown>>)[model] ?? {};
    const reference = values.reference === 'none' ? undefined : await referenceScores(model, values.reference, modelReport);
    write();
    for (const variant of values.variants.split(',').filter((v) => v.length > 0)) {
      const spec = parseVariant(variant);
      if (late()) {
        log(`${model}: deadline reached, ${variant} not run`);
        continue;
      }
      const result: Record<string, unknown> = {};
      variants[variant] = result;
      try {
        await measureVariant(model, spec, variant, result, reference);
      } catch (error) {
        result['error'] = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
        log(`  ${variant} failed: ${String(error).split('\n')[0] ?? ''}`);
      }
      write();
    }
  }
} finally {
  write();
  await browser.close();
  await server.close();
}
log(`wrote ${outFile}`);

/** The same query and passages for every variant of a model: 24 of the mixed set by default. */
function fidelityPassages(): string[] {
  return makePassages(Number(values['fidelity-pairs']), 'mixed', 4_242);
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? Number.NaN))));
}

/** A fresh load of the reference dtype (graph capture off), its scores on the fidelity pairs and its load time. */
async function referenceScores(model: string, dtype: string, into: Record<string, unknown>): Promise<number[] | undefined> {
  const page = await openPage(browser);
  try {
    const loaded = await load(page.page, { model, modelBaseUrl, capture: false, dtype });
    const scored = await rerank(page.page, BENCH_QUERY, fidelityPassages());
    into['reference'] = { dtype: loaded.dtype, device: loaded.device, loadMs: loaded.ms, pairs: scored.scores.length, scores: scored.scores, gpuMemoryMiB: gpuMemoryMiB() };
    log(`${model}: reference ${loaded.dtype} on ${loaded.device} loaded in ${loaded.ms.toFixed(0)} ms`);
    return scored.scores;
  } catch (error) {
    into['reference'] = { dtype, error: String(error) };
    log(`${model}: reference ${dtype} failed: ${String(error).split('\n')[0] ?? ''}`);
    return undefined;
  } finally {
    await page.page.evaluate(() => window.gpuBench?.dispose()).catch(() => undefined);
    await page.close();
  }
}

async function measureVariant(model: string, spec: VariantSpec, variant: string, result: Record<string, unknown>, reference: number[] | undefined): Promise<void> {
  const { capture, device, dtype } = spec;
  // --- A fresh page (empty Cache Storage): load, then the first 100-passage rerank.
  {
    const fresh = await openPage(browser);
    try {
      const start = performance.now();
      const loaded = await load(fresh.page, { model, modelBaseUrl, capture, device, dtype });
      const loadedAt = performance.now() - start;
      // Logged before the first rerank, so a log cut short still tells a slow load from a slow first rerank.
      log(`${model}: ${variant} loaded on ${loaded.device} (${loaded.dtype}): createReranker ${loaded.ms.toFixed(0)} ms`);
      const first = await rerank(fresh.page, BENCH_QUERY, makePassages(100, firstRerankSet));
      const firstAt = performance.now() - start;
      log(`${model}: ${variant}: first 100 ${firstRerankSet} reranked ${(firstAt - loadedAt).toFixed(0)} ms after the load (inference ${first.inferenceMs.toFixed(0)} ms, ${first.batches} batches)`);
      result['timeToFirstResult'] = {
        sessionReadyMs: loadedAt,
        warmedUpMs: loadedAt,
        firstRerank100Ms: firstAt,
        createRerankerMs: loaded.ms,
        graphCapture: loaded.graphCapture,
        device: loaded.device,
        dtype: loaded.dtype,
        gpuMemoryMiB: gpuMemoryMiB(),
        ...(loaded.fallbackReason === undefined ? {} : { fallbackReason: loaded.fallbackReason }),
        firstRerankSet,
        note: `fresh page and Cache Storage: createReranker (model fetch over localhost, worker, session, warm-up), then the first rerank of the 100 ${firstRerankSet} passages of npm run bench (budget 4096)`,
      };
      // Fidelity: the fixed pairs on the loaded model, against the reference dtype's scores, once the shapes the
      // first rerank met are captured (the pairs' own shapes may still run dynamically: both paths must be right).
      // --fidelity-pairs 0: none (a slow device's minutes go to the figures asked for).
      if (fidelityPassages().length > 0) {
        await captureSettled(fresh.page);
        const scored = await rerank(fresh.page, BENCH_QUERY, fidelityPassages());
        result['fidelity'] = {
          pairs: scored.scores.length,
          scores: scored.scores,
          ...(reference === undefined ? {} : { reference: values.reference, maxAbsDiff: maxAbsDiff(scored.scores, reference) }),
        };
      }
      log(`${model}: ${variant} on ${loaded.device}: first result after ${firstAt.toFixed(0)} ms (createReranker ${loaded.ms.toFixed(0)} ms); ${loaded.graphCapture.reason}`);
    } finally {
      await fresh.close();
    }
  }

  if (values['load-only-variants'].split(',').includes(variant)) return;
  // One page for the rest: later loads read the model from its Cache Storage, as a returning user's do.
  const opened = await openPage(browser);
  try {
    const grid: Record<string, unknown>[] = [];
    result['grid'] = grid;
    const cells = numbers(values.lengths).flatMap((length) => numbers(values.rows).map((rows) => ({ rows, length })));
    cells.sort((a, b) => a.rows * a.length - b.rows * b.length || a.length - b.length);
    for (const { rows, length } of cells) {
      if (late()) break;
      // The library takes budgets from 512 tokens: a smaller cell gets 512 and calls of one batch of `rows` pairs.
      const budget = Math.max(MIN_BUDGET, rows * length);
      const loaded = await load(opened.page, { model, modelBaseUrl, capture, device, dtype, batchTokenBudget: budget, maxLength: length });
      if (loaded.maxLength < length) continue;
      // Passages of twice `length` words, truncated to exactly `length` tokens per pair.
      const passage = passageOfWords(sentences, length * 2, seededRandom(length));
      const query = QUERIES[length % QUERIES.length] ?? '';
      const passages = (count: number): string[] => Array.from({ length: count }, () => passage);
      await rerank(opened.page, query, passages(rows)); // compiles this shape; its captured session is built in idle time
      await captureSettled(opened.page);
      const probeCall = await rerank(opened.page, query, passages(rows));
      const batches = Math.max(2, Math.min(60, Math.ceil((Number(values['min-seconds']) * 1000) / Math.max(probeCall.ms, 0.01))));
      const perCall = budget > rows * length ? 1 : Math.max(1, Math.floor(Math.min(9000, 9e6 / (passage.length + 80)) / rows));
      let inferenceMs = 0;
      let batchesRun = 0;
      const perBatch: number[] = [];
      let lastCapture = probeCall.graphCapture;
      const start = performance.now();
      for (let done = 0; done < batches; done += perCall) {
        const call = await rerank(opened.page, query, passages(rows * Math.min(perCall, batches - done)));
        inferenceMs += call.inferenceMs;
        batchesRun += call.batches;
        perBatch.push(call.inferenceMs / Math.max(1, call.batches));
        lastCapture = call.graphCapture ?? lastCapture;
      }
      const wallMs = performance.now() - start;
      const pairs = rows * batches;
      const row = {
        rows,
        length,
        batches: batchesRun,
        pairs,
        pairsPerSecond: (pairs / wallMs) * 1000,
        inferencePairsPerSecond: (pairs / inferenceMs) * 1000,
        msPerBatchMedian: inferenceMs / Math.max(1, batchesRun),
        msPerBatchMin: Math.min(...perBatch),
        budget,
        graphCapture: loaded.graphCapture.enabled,
        // Which path the timed batches took: a captured-shape figure is only one if none ran dynamically.
        ...(lastCapture === undefined || probeCall.graphCapture === undefined
          ? {}
          : {
              capturedBatchesTimed: lastCapture.capturedBatches - probeCall.graphCapture.capturedBatches,
              dynamicBatchesTimed: lastCapture.dynamicBatches - probeCall.graphCapture.dynamicBatches,
              capturedShapes: lastCapture.capturedShapes,
              failedShapes: lastCapture.failedShapes,
            }),
      };
      grid.push(row);
      log(`  ${variant} ${rows}x${length}: ${row.inferencePairsPerSecond.toFixed(1)} pairs/s (calls: ${row.pairsPerSecond.toFixed(1)}), ${row.msPerBatchMedian.toFixed(2)} ms/batch; timed batches captured / dynamic: ${row.capturedBatchesTimed ?? '-'} / ${row.dynamicBatchesTimed ?? '-'}${row.failedShapes?.length ? `; failed: ${row.failedShapes.join('; ')}` : ''}`);
      write();
    }

    // --- 100-passage reranks as an app calls them: repeated (token ids cached) and unseen passages.
    const reranks: Record<string, unknown>[] = [];
    result['rerank100'] = reranks;
    const sets = values['rerank-sets'].split(',').filter((kind): kind is PassageKind => kind === 'short' || kind === 'mixed');
    for (const budget of numbers(values['rerank-budgets'])) {
      if (late() || sets.length === 0) break;
      const loaded = await load(opened.page, { model, modelBaseUrl, capture, device, dtype, batchTokenBudget: budget });
      for (const kind of sets) {
        if (late()) break;
        const passages = makePassages(100, kind);
        const first = await rerank(opened.page, BENCH_QUERY, passages);
        // Repeated and unseen calls are measured once the shapes the first call met are captured (idle builds).
        const idleBuildsMs = await captureSettled(opened.page);
        const repeats = first.ms > 3000 ? 2 : first.ms > 800 ? 4 : 10;
        for (let warm = 0; warm < (repeats > 4 ? 2 : 1); warm++) await rerank(opened.page, BENCH_QUERY, passages);
        const repeated: BrowserRerankResult[] = [];
        for (let i = 0; i < repeats; i++) repeated.push(await rerank(opened.page, BENCH_QUERY, passages));
        const cold: BrowserRerankResult[] = [];
        for (let i = 0; i < Math.min(repeats, 5); i++) {
          cold.push(await rerank(opened.page, BENCH_QUERY, makePassages(100, kind, 7_000 + 100 * budget + i)));
          // Unseen passages may meet a shape the repeated ones did not: captured before the next one.
          await captureSettled(opened.page);
        }
        const row = {
          set: kind,
          maxLength: loaded.maxLength,
          budget,
          passages: passages.length,
          batches: repeated[0]?.batches ?? 0,
          shapes: [],
          medianMs: median(repeated.map((r) => r.ms)),
          minMs: Math.min(...repeated.map((r) => r.ms)),
          tokenizeMsMedian: median(repeated.map((r) => r.tokenizeMs)),
          inferenceMsMedian: median(repeated.map((r) => r.inferenceMs)),
          coldMsMedian: median(cold.map((r) => r.ms)),
          coldTokenizeMsMedian: median(cold.map((r) => r.tokenizeMs)),
          firstCallMs: first.ms,
          firstCallTokenizeMs: first.tokenizeMs,
          // Batches on the dynamic session since the load (cumulative) after the first call and after the repeated
          // ones: equal when every repeated call ran captured. idleBuildsMs: the wait for the idle builds between.
          dynamicBatchesAfterFirst: first.graphCapture?.dynamicBatches,
          dynamicBatchesAfterRepeated: repeated.at(-1)?.graphCapture?.dynamicBatches,
          failedShapes: repeated.at(-1)?.graphCapture?.failedShapes,
          idleBuildsMs,
          capturedShapes: repeated.at(-1)?.graphCapture?.capturedShapes ?? [],
        };
        reranks.push(row);
        log(`  rerank100 ${kind} ${variant} budget ${budget}: repeated ${row.medianMs.toFixed(1)} ms, unseen ${row.coldMsMedian.toFixed(1)} ms, first ${row.firstCallMs.toFixed(0)} ms, ${row.batches} batches`);
        write();
      }
    }
  } finally {
    result['gpuMemoryMiBAfter'] = gpuMemoryMiB();
    await opened.page.evaluate(() => window.gpuBench?.dispose()).catch(() => undefined);
    await opened.close();
  }
}
