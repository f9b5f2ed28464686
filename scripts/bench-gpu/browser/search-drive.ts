/**
 * The browser GPU bench's search scenario (run-browser.sh with SEARCH=1, or by hand): issue 14's target
 * "query -> reranked top 10 from 10,000 passages (rerank 50 candidates)", through the library's real API in
 * headless Chromium. Serves the bench page (search-bench.ts in it), the standalone build, the models and the
 * man-page corpus on 127.0.0.1; the page creates the embedder and the reranker (WebGPU by default), indexes
 * the first `--passages` man-page paragraphs with createSearch (every passage embedded, the indexing time),
 * then asks `--warmup` unmeasured and `--questions` measured questions, `search(q, { topK, candidates })`
 * each, and this writes `bench-browser-search.json` (per question: the whole call and each stage's time;
 * medians and p95). Nothing is stored in IndexedDB (no `persist`): every run embeds the passages.
 *
 * Locally (SwiftShader's WebGPU, the fixture models, a few hundred passages), after
 * `node scripts/bench-gpu/build-browser.mjs .carry/browser-bench`:
 *   node .carry/browser-bench/search-drive.mjs --standalone .carry/browser-bench/standalone \
 *     --page .carry/browser-bench/page --models-dir fixtures/models --embedder tiny-minilm-embedder \
 *     --reranker tiny-bert-reranker --passages 300 --out /tmp/search-raw
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { forwardPageMessages, hostFacts, launchBenchBrowser, log } from './bench-browser.js';
import type { SearchBenchIndexed, SearchBenchOptions, SearchBenchQuery } from './search-contract.js';
import { SEARCH_QUESTIONS } from './search-questions.js';
import { serveMounts } from './static-server.js';

const { values } = parseArgs({
  options: {
    chromium: { type: 'string', default: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium' },
    'chromium-flags': { type: 'string', default: '' },
    standalone: { type: 'string', default: 'dist/standalone' },
    page: { type: 'string', default: '.carry/browser-bench/page' },
    'models-dir': { type: 'string', default: 'bench-models' },
    embedder: { type: 'string', default: 'minilm-l6-embedding' },
    reranker: { type: 'string', default: 'minilm-l6' },
    device: { type: 'string', default: 'webgpu' },
    dtype: { type: 'string', default: 'fp32' },
    passages: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '5' },
    questions: { type: 'string', default: '30' },
    'top-k': { type: 'string', default: '10' },
    candidates: { type: 'string', default: '50' },
    'stop-words': { type: 'string', default: 'on' },
    out: { type: 'string', default: 'bench/gpu/raw' },
    tag: { type: 'string', default: 'search' },
  },
  strict: true,
});

/** The value at quantile q (nearest rank on the sorted values). */
const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN);
};
const summary = (xs: readonly number[]) => ({ median: quantile(xs, 0.5), p95: quantile(xs, 0.95), min: Math.min(...xs), max: Math.max(...xs) });

const warmup = Number(values.warmup);
const measured = Number(values.questions);
if (warmup + measured > SEARCH_QUESTIONS.length) throw new Error(`--warmup + --questions is at most ${SEARCH_QUESTIONS.length} (distinct questions)`);
const device = values.device === 'wasm' ? 'wasm' : 'webgpu';
const flags = values['chromium-flags'].split(/\s+/).filter((flag) => flag.length > 0);
mkdirSync(values.out, { recursive: true });
const outFile = join(values.out, `bench-browser-${values.tag}.json`);

const server = await serveMounts({ '/': values.page, '/standalone/': values.standalone, '/models/': values['models-dir'] });
const browser = await launchBenchBrowser(values.chromium, flags);
const report: Record<string, unknown> = {
  tag: values.tag,
  date: new Date().toISOString(),
  path: 'browser',
  scenario: 'search',
  host: hostFacts(browser),
  chromiumFlags: flags,
};
const write = (): void => writeFileSync(outFile, JSON.stringify(report, null, 1));

try {
  const context = await browser.newContext();
  const page = await context.newPage();
  forwardPageMessages(page);
  await page.goto(`${server.origin}/page.html`);
  await page.waitForFunction(() => window.gpuSearchBench !== undefined, undefined, { timeout: 60_000 });
  report['adapter'] = await page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
    return adapter === null || adapter === undefined ? 'no WebGPU adapter' : adapter.info.description || `${adapter.info.vendor} ${adapter.info.architecture}`;
  });
  const model = (name: string) => ({ model: name, modelBaseUrl: `${server.origin}/models`, device, dtype: values.dtype }) as const;
  const options: SearchBenchOptions = {
    corpusUrl: `${server.origin}/man-pages.json`,
    passages: Number(values.passages),
    embedder: model(values.embedder),
    reranker: model(values.reranker),
    stopWords: values['stop-words'] === 'on',
  };
  report['options'] = { ...options, topK: Number(values['top-k']), candidates: Number(values.candidates), warmup, questions: measured };
  log(`browser ${browser.version()}; adapter ${String(report['adapter'])}; indexing ${options.passages} passages…`);
  const indexed: SearchBenchIndexed = await page.evaluate((opts) => {
    if (window.gpuSearchBench === undefined) throw new Error('no search bench in the page');
    return window.gpuSearchBench.index(opts);
  }, options);
  report['index'] = { ...indexed, passagesPerSecond: (indexed.embedded / indexed.embedAllMs) * 1000 };
  log(`indexed ${indexed.passages} passages (${indexed.embedded} embedded) in ${indexed.createSearchMs.toFixed(0)} ms; embedder ${indexed.embedder.device}/${indexed.embedder.dtype}, reranker ${indexed.reranker.device}/${indexed.reranker.dtype}`);
  write();

  const ask = (question: string): Promise<SearchBenchQuery> =>
    page.evaluate(([q, k, c]) => {
      if (window.gpuSearchBench === undefined) throw new Error('no search bench in the page');
      return window.gpuSearchBench.query(q, k, c);
    }, [question, Number(values['top-k']), Number(values.candidates)] as const);
  for (const question of SEARCH_QUESTIONS.slice(0, warmup)) await ask(question);
  const rows: (SearchBenchQuery & { question: string })[] = [];
  report['queries'] = rows;
  for (const question of SEARCH_QUESTIONS.slice(warmup, warmup + measured)) {
    const row = { question, ...(await ask(question)) };
    rows.push(row);
    log(`  "${question}": ${row.ms.toFixed(1)} ms (rerank ${row.timings.rerankMs?.toFixed(1) ?? '-'} ms), ${row.results} results`);
    write();
  }
  const stage = (key: keyof SearchBenchQuery['timings']) => summary(rows.map((row) => row.timings[key] ?? Number.NaN));
  report['summary'] = {
    searchCallMs: summary(rows.map((row) => row.ms)),
    totalMs: stage('totalMs'),
    embedQueryMs: stage('embedQueryMs'),
    lexicalMs: stage('lexicalMs'),
    denseMs: stage('denseMs'),
    fusionMs: stage('fusionMs'),
    rerankMs: stage('rerankMs'),
  };
  const s = report['summary'] as Record<string, { median: number; p95: number }>;
  const line = (name: string) => `${name} ${s[name]?.median.toFixed(1) ?? '-'} / ${s[name]?.p95.toFixed(1) ?? '-'}`;
  log(`${rows.length} questions, median / p95 ms: ${['searchCallMs', 'totalMs', 'embedQueryMs', 'lexicalMs', 'denseMs', 'fusionMs', 'rerankMs'].map(line).join(', ')}`);
  await page.evaluate(() => window.gpuSearchBench?.dispose());
  await context.close();
} catch (error) {
  report['error'] = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  log(`search scenario failed: ${String(error).split('\n')[0] ?? ''}`);
  process.exitCode = 1;
} finally {
  write();
  await browser.close();
  await server.close();
}
log(`wrote ${outFile}`);
