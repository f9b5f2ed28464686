/**
 * `npm run bench`: the library against the naive transformers.js pattern and native onnxruntime-node,
 * in one run, alternating contenders (A B C A B C) so that drift and other load on the machine hit all
 * of them alike. Writes bench/results/latest.json and bench/results/latest.md.
 *
 *   npm run bench                 # everything (about 40 minutes on the 2-core machine when others use it too)
 *   npm run bench -- --quick      # fewer repetitions, no budget sweep, capped slow cases (about 20 minutes)
 *   npm run bench -- --only=sessions,threads,options,profile,throughput,load,longtask,webgpu,sweep --dtypes=q8 --max-passages=100
 *   npm run bench -- --only=longtask --out=bench/.partial   # one part, written away from bench/results
 *
 * Needs fixtures/bench/ms-marco-minilm-l6-shape/ (the q8 file is committed; the fp32 file is made by
 * `npm run fixtures:bench`, see scripts/fixtures/README.md); without the fp32 file the fp32 parts are skipped.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { ViteDevServer } from 'vite';
import { CHROMIUM } from '../shared/chromium.js';
import {
  launchBrowser,
  openBenchPage,
  openPage,
  pageLoad,
  pageRerank,
  startServer,
  withCap,
  type OpenPage,
} from './browser.js';
import { MemorySampler, chromiumProcesses, currentLoadAverage, machineInfo, pssMb, type MachineInfo } from './machine.js';
import type { NativeError, NativeProfileReply, NativeProfileRequest, NativeReply, NativeRequest } from './native.js';
import { opProfile, type OpProfile } from './op-profile.js';
import type { PageLoadOptions, PageLoadResult, PageRerankResult } from './pages/contract.js';
// Declares window.probe (the thread probe page).
import type { ProbeLoad, ProbeReply } from './pages/probe-contract.js';
import { renderMarkdown } from './report.js';
import { QUERY, WORD_RANGE, makePassages, type PassageKind } from './text.js';

export const MODEL = 'ms-marco-minilm-l6-shape';
const MODEL_DIR = resolve('fixtures/bench', MODEL);
const MODEL_BASE = '/fixtures/bench';
const LIBRARY_PAGE = '/scripts/bench/pages/library.html';
const PROBE_PAGE = '/scripts/bench/pages/probe.html';
const NAIVE_PAGE = '/scripts/bench/pages/naive.html';
/** The library's default batch token budget (src/engine/rerank-engine.ts); native batches use it too. */
const TOKEN_BUDGET = 4096;
const NATIVE_MAX_ROWS = 64;

type Dtype = 'q8' | 'fp32';
type ContenderName = 'library' | 'naive' | 'native' | 'nativeOneRow';

// ----------------------------------------------------------------------------------------- options

interface Options {
  readonly quick: boolean;
  readonly phases: ReadonlySet<string>;
  readonly port: number;
  /** Leave out throughput cases with more passages than this (for trying the bench out). */
  readonly maxPassages: number;
  readonly dtypes: readonly Dtype[] | undefined;
  /** Where latest.json and latest.md go (default bench/results; a partial run can write elsewhere). */
  readonly outDir: string;
}

const ALL_PHASES = ['sessions', 'threads', 'options', 'profile', 'throughput', 'load', 'longtask', 'webgpu', 'sweep'] as const;

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  const phases = new Set<string>(only === undefined ? ALL_PHASES : only.split(','));
  if (quick && only === undefined) phases.delete('sweep');
  for (const phase of phases) {
    if (!(ALL_PHASES as readonly string[]).includes(phase)) throw new Error(`unknown phase ${phase}; one of ${ALL_PHASES.join(', ')}`);
  }
  const port = Number(argv.find((arg) => arg.startsWith('--port='))?.slice('--port='.length) ?? process.env['BENCH_PORT'] ?? 4180);
  const maxPassages = Number(argv.find((arg) => arg.startsWith('--max-passages='))?.slice('--max-passages='.length) ?? Infinity);
  const dtypeArg = argv.find((arg) => arg.startsWith('--dtypes='))?.slice('--dtypes='.length);
  const dtypes = dtypeArg === undefined ? undefined : dtypeArg.split(',').filter((d): d is Dtype => d === 'q8' || d === 'fp32');
  const outDir = argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length) ?? 'bench/results';
  return { quick, phases, port, maxPassages, dtypes, outDir };
}

// ----------------------------------------------------------------------------------------- results

export interface RunRecord {
  readonly ms: number;
  readonly pairsPerSecond: number;
  readonly tokenizeMs?: number;
  readonly inferenceMs?: number;
  readonly batches?: number;
  readonly paddedShape?: number[];
  readonly peakRssMb?: number;
  /** Set when the run did not finish: an error, or the time cap. */
  readonly failed?: string;
  readonly capped?: boolean;
}

export interface ContenderSummary {
  readonly runs: number;
  readonly medianMs: number;
  readonly pairsPerSecond: number;
  readonly failed?: string;
  readonly capped?: boolean;
}

export interface ThroughputCase {
  readonly dtype: Dtype;
  readonly count: number;
  readonly kind: PassageKind;
  /** Library: threads per session, and sessions side by side; native runs sessions x threads threads. */
  readonly threads: { readonly library: number; readonly librarySessions: number; readonly naive: number; readonly native: number };
  readonly runs: Partial<Record<ContenderName, RunRecord[]>>;
  readonly summary: Partial<Record<ContenderName, ContenderSummary>>;
  /** library pairs/s over the other's (medians). */
  readonly ratios: { readonly vsNaive?: number; readonly vsNative?: number; readonly vsNativeOneRow?: number; readonly vsNativeBest?: number };
  readonly loadAverageAfter: readonly number[];
}

export interface LoadRecord {
  readonly contender: 'library' | 'naive';
  readonly dtype: Dtype;
  readonly threads?: number;
  readonly coldLoadMs?: number;
  readonly firstRerankMs?: number;
  /** createReranker (or from_pretrained) called, to the first 100-passage (mixed) rerank resolved. */
  readonly timeToFirstResultMs?: number;
  /** A new page in the same browser context: files come from Cache Storage. */
  readonly warmLoadMs?: number;
  readonly baselineMb: number;
  readonly peakMb: number;
  readonly peakAboveIdleMb: number;
  readonly failed?: string;
  readonly errors: string[];
}

export interface LongTaskRecord {
  readonly passages: number;
  readonly kind: PassageKind;
  readonly threads: number;
  readonly sessions: number;
  /** From the key press that started the rerank to all results on the page. */
  readonly rerankMs: number;
  /** Long tasks (> 50 ms) from the start until the first results were on the page, and their durations. */
  readonly longTasksWhileReranking: number[];
  readonly maxLongTaskWhileRerankingMs: number;
  /** Long tasks from the first results on the page until all were (and 500 ms more). */
  readonly longTasksWhileRendering: number[];
  readonly maxLongTaskWhileRenderingMs: number;
  /** From the first results on the page to the last. */
  readonly renderMs: number;
  readonly keystrokes: number;
  readonly maxKeyToFrameMs: number;
  readonly medianKeyToFrameMs: number;
  readonly maxKeyPressRoundTripMs: number;
  readonly typedTextArrived: boolean;
  readonly loadLongTasksMs: number[];
  /** Load average (1, 5, 15 min) just before the rerank started and after the results were on the page. */
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
  readonly errors: string[];
}

export interface WebGpuRecord {
  readonly adapter: string;
  readonly loadMs?: number;
  readonly dtype?: string;
  readonly runs: { readonly count: number; readonly kind: PassageKind; readonly first: boolean; readonly ms: number; readonly pairsPerSecond: number }[];
  readonly failed?: string;
  readonly errors: string[];
}

export interface SweepRecord {
  readonly dtype: Dtype;
  readonly kind: PassageKind;
  readonly count: number;
  readonly byBudget: { readonly budget: number; readonly runsMs: number[]; readonly medianMs: number; readonly pairsPerSecond: number; readonly batches?: number }[];
}

export interface ThreadsRecord {
  readonly dtype: Dtype;
  readonly count: number;
  readonly kind: PassageKind;
  readonly byThreads: { readonly threads: number; readonly pairsPerSecondRuns: number[]; readonly medianPairsPerSecond: number; readonly bestPairsPerSecond: number }[];
}

/** One runtime setting of the library's inference path, against the library's own choice (interleaved). */
export interface SessionsRecord {
  readonly dtype: 'q8';
  readonly count: number;
  readonly kind: PassageKind;
  /** Whether a busy-looping process held one core during the row. */
  readonly busyCore: boolean;
  readonly bySessions: { readonly sessions: number; readonly pairsPerSecondRuns: number[]; readonly medianPairsPerSecond: number; readonly bestPairsPerSecond: number }[];
}

export interface OptionsRecord {
  readonly count: number;
  /** 'tiny': one-word passages (pairs of about 13 tokens), so the fixed cost of a run shows. */
  readonly kind: PassageKind | 'tiny';
  readonly byVariant: { readonly name: string; readonly pairsPerSecondRuns: number[]; readonly medianPairsPerSecond: number }[];
}

/** onnxruntime's profiler on one pair run alone, in the browser (WASM, the library's path) and native, 1 thread. */
export interface ProfileRecord {
  readonly kind: PassageKind | 'tiny';
  readonly tokens: number;
  readonly threads: 1;
  readonly wasm: OpProfile & { readonly ms: number };
  readonly native: OpProfile & { readonly ms: number };
}

export interface Results {
  readonly machine: MachineInfo;
  readonly mode: 'quick' | 'full';
  readonly model: { readonly name: string; readonly files: Record<string, { bytes: number; sha256: string; matchesFixtureScript?: boolean }> };
  readonly passages: { readonly query: string; readonly wordRange: typeof WORD_RANGE; readonly tokens: Record<string, { min: number; median: number; max: number }> };
  throughput: ThroughputCase[];
  load: LoadRecord[];
  longTask?: LongTaskRecord;
  webgpu?: WebGpuRecord;
  sweep: SweepRecord[];
  threads: ThreadsRecord[];
  sessions?: SessionsRecord[];
  options: OptionsRecord[];
  profile?: ProfileRecord[];
  checks: Record<string, number | string>;
  notes: string[];
  totalSeconds?: number;
  loadAverageAtEnd?: readonly number[];
}

// ----------------------------------------------------------------------------------------- helpers

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function log(message: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  a.forEach((value, index) => {
    worst = Math.max(worst, Math.abs(value - (b[index] ?? Number.NaN)));
  });
  return worst;
}

function record(ms: number, count: number, extra: Omit<RunRecord, 'ms' | 'pairsPerSecond'> = {}): RunRecord {
  return { ms: round(ms), pairsPerSecond: round((count / ms) * 1000, 2), ...extra };
}

function summarize(runs: readonly RunRecord[] | undefined, count: number): ContenderSummary | undefined {
  if (runs === undefined || runs.length === 0) return undefined;
  const done = runs.filter((run) => run.failed === undefined);
  const failedRun = runs.find((run) => run.failed !== undefined);
  if (done.length === 0) {
    return {
      runs: 0,
      medianMs: Number.NaN,
      pairsPerSecond: Number.NaN,
      ...(failedRun?.failed === undefined ? {} : { failed: failedRun.failed }),
      ...(failedRun?.capped === true ? { capped: true } : {}),
    };
  }
  const ms = median(done.map((run) => run.ms));
  return { runs: done.length, medianMs: round(ms), pairsPerSecond: round((count / ms) * 1000, 2) };
}

// ----------------------------------------------------------------------------------------- native child

class NativeRunner {
  readonly #child: ChildProcess;
  readonly #ready: Promise<void>;

  constructor() {
    this.#child = fork(resolve('bench/.build/bench/native.js'), ['fixtures/bench', MODEL], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#ready = new Promise((done, fail) => {
      this.#child.once('message', () => done());
      this.#child.once('error', fail);
    });
  }

  run(request: NativeRequest): Promise<NativeReply> {
    return this.#ask<NativeReply>('run', 'result', request);
  }

  profile(request: NativeProfileRequest): Promise<NativeProfileReply> {
    return this.#ask<NativeProfileReply>('profile', 'profile', request);
  }

  /** One request to the child, answered by one message of type `replyType` or an error. */
  async #ask<T extends { readonly type: string }>(type: string, replyType: T['type'], request: object): Promise<T> {
    await this.#ready;
    return new Promise((done, fail) => {
      this.#child.once('message', (message: T | NativeError) => {
        if (message.type === replyType) done(message as T);
        else fail(new Error((message as NativeError).message));
      });
      this.#child.send({ type, ...request });
    });
  }

  close(): void {
    this.#child.send({ type: 'exit' });
  }
}

// ----------------------------------------------------------------------------------------- browser contenders

/** One contender's page, loaded once and reused; re-opened after a run had to be stopped. */
class PageContender {
  #opened: OpenPage | undefined;
  loadResult: PageLoadResult | undefined;

  constructor(
    readonly name: 'library' | 'naive',
    readonly browser: Browser,
    readonly url: string,
    readonly loadOptions: PageLoadOptions,
  ) {}

  async ensure(): Promise<Page> {
    if (this.#opened !== undefined && !this.#opened.page.isClosed()) return this.#opened.page;
    this.#opened = await openBenchPage(this.browser, this.url);
    this.loadResult = await pageLoad(this.#opened.page, this.loadOptions);
    // Warm-up: one small call (kernels, allocator), never timed.
    await pageRerank(this.#opened.page, QUERY, makePassages(4, 'short'));
    return this.#opened.page;
  }

  get errors(): string[] {
    return this.#opened?.errors ?? [];
  }

  async run(passages: readonly string[], capMs: number): Promise<{ record: RunRecord; scores?: number[] }> {
    const page = await this.ensure();
    const outcome = await withCap(() => pageRerank(page, QUERY, passages), capMs, () => this.close());
    if (!outcome.ok) {
      await this.close();
      return { record: { ms: Number.NaN, pairsPerSecond: Number.NaN, failed: outcome.error, capped: outcome.capped } };
    }
    const result: PageRerankResult = outcome.value;
    return {
      record: record(result.ms, passages.length, {
        ...(result.tokenizeMs === undefined ? {} : { tokenizeMs: round(result.tokenizeMs) }),
        ...(result.inferenceMs === undefined ? {} : { inferenceMs: round(result.inferenceMs) }),
        ...(result.batches === undefined ? {} : { batches: result.batches }),
        ...(result.paddedShape === undefined ? {} : { paddedShape: result.paddedShape }),
      }),
      scores: result.scores,
    };
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    await opened?.context.close().catch(() => undefined);
  }
}

// ----------------------------------------------------------------------------------------- phases

interface Plan {
  readonly count: number;
  readonly kind: PassageKind;
  readonly reps: number;
  /** Per-run time cap for the naive pattern (ms). */
  readonly naiveCapMs: number;
}

function throughputPlans(dtype: Dtype, quick: boolean): Plan[] {
  if (dtype === 'fp32') {
    return [
      ...(quick ? [] : [{ count: 10, kind: 'short' as const, reps: 3, naiveCapMs: 60_000 }]),
      { count: 100, kind: 'short', reps: quick ? 2 : 3, naiveCapMs: 60_000 },
      { count: 100, kind: 'mixed', reps: quick ? 1 : 3, naiveCapMs: 90_000 },
    ];
  }
  return [
    { count: 10, kind: 'short', reps: quick ? 3 : 5, naiveCapMs: 60_000 },
    ...(quick ? [] : [{ count: 10, kind: 'mixed' as const, reps: 5, naiveCapMs: 60_000 }]),
    { count: 100, kind: 'short', reps: quick ? 3 : 5, naiveCapMs: 60_000 },
    { count: 100, kind: 'mixed', reps: quick ? 2 : 3, naiveCapMs: 90_000 },
    { count: 1000, kind: 'short', reps: 1, naiveCapMs: quick ? 45_000 : 120_000 },
    { count: 1000, kind: 'mixed', reps: 1, naiveCapMs: quick ? 30_000 : 90_000 },
  ];
}

async function throughputPhase(
  results: Results,
  browser: Browser,
  origin: string,
  native: NativeRunner,
  dtype: Dtype,
  quick: boolean,
  maxPassages: number,
): Promise<void> {
  const library = new PageContender('library', browser, origin + LIBRARY_PAGE, { model: MODEL, modelBaseUrl: MODEL_BASE, device: 'wasm', dtype });
  // The naive pattern's default dtype on WASM is q8; fp32 must be asked for.
  const naive = new PageContender('naive', browser, origin + NAIVE_PAGE, {
    model: MODEL,
    modelBaseUrl: MODEL_BASE,
    device: 'wasm',
    ...(dtype === 'fp32' ? { dtype } : {}),
  });
  log(`throughput ${dtype}: loading the library and naive pages`);
  await library.ensure();
  await naive.ensure();
  const librarySessions = library.loadResult?.sessions ?? 1;
  // Equal cores: native onnxruntime gets as many threads as the library has threads in all its sessions.
  const threads = (library.loadResult?.threads ?? 1) * librarySessions;
  log(`  library: ${JSON.stringify(library.loadResult)}; naive: ${JSON.stringify(naive.loadResult)}`);
  // Steady state, as on a page that has reranked before: a fresh worker or page runs V8's baseline WASM code
  // for its first seconds, at half speed or less, until the optimized code is in (see ProbeProfile). The
  // first result of a fresh page is measured in the load phase instead.
  const warmup = makePassages(100, 'short');
  for (let rep = 0; rep < 2; rep += 1) {
    await library.run(warmup, 600_000);
    await naive.run(warmup, 120_000);
  }
  const nativeKinds: ContenderName[] = dtype === 'q8' ? ['native', 'nativeOneRow'] : ['native'];
  let naiveGaveUpAt: { count: number; kind: PassageKind } | undefined;

  for (const plan of throughputPlans(dtype, quick).filter((p) => p.count <= maxPassages)) {
    const passages = makePassages(plan.count, plan.kind);
    const runs: Partial<Record<ContenderName, RunRecord[]>> = {};
    const push = (name: ContenderName, run: RunRecord): void => {
      (runs[name] ??= []).push(run);
    };
    let skipNaive =
      naiveGaveUpAt !== undefined && naiveGaveUpAt.kind === plan.kind && plan.count >= naiveGaveUpAt.count;
    let lastLibraryScores: number[] | undefined;
    for (let rep = 0; rep < plan.reps; rep += 1) {
      const lib = await library.run(passages, 600_000);
      push('library', lib.record);
      lastLibraryScores = lib.scores ?? lastLibraryScores;
      await sleep(300);
      if (!skipNaive) {
        const nv = await naive.run(passages, plan.naiveCapMs);
        push('naive', nv.record);
        if (nv.record.failed !== undefined) {
          // A failed or stopped naive run is not repeated (here or for larger cases of this kind).
          naiveGaveUpAt = { count: plan.count, kind: plan.kind };
          skipNaive = true;
          log(`  naive ${plan.count} ${plan.kind}: ${nv.record.failed}`);
        }
        await sleep(300);
      }
      for (const name of nativeKinds) {
        const reply = await native.run({
          dtype,
          threads,
          query: QUERY,
          passages,
          maxRows: name === 'nativeOneRow' ? 1 : NATIVE_MAX_ROWS,
          tokenBudget: TOKEN_BUDGET,
        });
        push(
          name,
          record(reply.totalMs, plan.count, {
            tokenizeMs: round(reply.tokenizeMs),
            inferenceMs: round(reply.inferenceMs),
            batches: reply.batches,
            peakRssMb: round(reply.peakRssMb),
          }),
        );
        if (rep === 0 && lastLibraryScores !== undefined && plan.count === 100) {
          // Same inputs, same model file: the library must score like native onnxruntime (q8: one row per batch).
          if (dtype === 'fp32' && name === 'native') results.checks[`maxAbsDiff library vs native, fp32, 100 ${plan.kind}`] = maxAbsDiff(lastLibraryScores, reply.scores);
          if (dtype === 'q8' && name === 'nativeOneRow') results.checks[`maxAbsDiff library vs native one-row, q8, 100 ${plan.kind}`] = maxAbsDiff(lastLibraryScores, reply.scores);
          if (dtype === 'q8' && name === 'native') results.checks[`maxAbsDiff library vs native batched, q8, 100 ${plan.kind}`] = maxAbsDiff(lastLibraryScores, reply.scores);
        }
        await sleep(300);
      }
    }
    const summary: Partial<Record<ContenderName, ContenderSummary>> = {};
    for (const name of ['library', 'naive', ...nativeKinds] as ContenderName[]) {
      const s = summarize(runs[name], plan.count);
      if (s !== undefined) summary[name] = s;
    }
    const lib = summary.library?.pairsPerSecond ?? Number.NaN;
    const ratio = (other: number | undefined): number | undefined =>
      other === undefined || !Number.isFinite(other) || !Number.isFinite(lib) ? undefined : round(lib / other, 2);
    const best = Math.max(summary.native?.pairsPerSecond ?? 0, summary.nativeOneRow?.pairsPerSecond ?? 0);
    const ratios = {
      ...(ratio(summary.naive?.pairsPerSecond) === undefined ? {} : { vsNaive: ratio(summary.naive?.pairsPerSecond) as number }),
      ...(ratio(summary.native?.pairsPerSecond) === undefined ? {} : { vsNative: ratio(summary.native?.pairsPerSecond) as number }),
      ...(ratio(summary.nativeOneRow?.pairsPerSecond) === undefined ? {} : { vsNativeOneRow: ratio(summary.nativeOneRow?.pairsPerSecond) as number }),
      ...(best > 0 && ratio(best) !== undefined ? { vsNativeBest: ratio(best) as number } : {}),
    };
    const entry: ThroughputCase = {
      dtype,
      count: plan.count,
      kind: plan.kind,
      threads: { library: library.loadResult?.threads ?? 1, librarySessions, naive: naive.loadResult?.threads ?? Number.NaN, native: threads },
      runs,
      summary,
      ratios,
      loadAverageAfter: currentLoadAverage(),
    };
    results.throughput.push(entry);
    log(
      `  ${dtype} ${plan.count} ${plan.kind}: ` +
        Object.entries(summary)
          .map(([name, s]) => `${name} ${s.failed === undefined ? `${s.pairsPerSecond} pairs/s` : s.failed}`)
          .join(', ') +
        ` | ratios ${JSON.stringify(ratios)} | load ${entry.loadAverageAfter.join(' ')}`,
    );
  }
  for (const contender of [library, naive]) {
    if (contender.errors.length > 0) results.notes.push(`${contender.name} ${dtype} page errors: ${contender.errors.slice(0, 3).join(' | ')}`);
    await contender.close();
  }
}

/** Cold load, first result, warm load and peak memory: a fresh browser per contender (empty caches). */
async function loadPhase(results: Results, origin: string, dtypes: readonly Dtype[], quick: boolean): Promise<void> {
  const order: { contender: 'library' | 'naive'; dtype: Dtype }[] = [];
  for (const dtype of dtypes) order.push({ contender: 'library', dtype }, { contender: 'naive', dtype });
  const passages = makePassages(100, 'mixed');
  for (const { contender, dtype } of order) {
    log(`load ${contender} ${dtype}`);
    const browser = await launchBrowser(false);
    const errors: string[] = [];
    let entry: LoadRecord;
    const sampler = new MemorySampler();
    try {
      const blank = await browser.newContext();
      await (await blank.newPage()).goto('about:blank');
      await sleep(1500);
      const baselineMb = pssMb(chromiumProcesses());
      sampler.start();
      const url = origin + (contender === 'library' ? LIBRARY_PAGE : NAIVE_PAGE);
      const options: PageLoadOptions = {
        model: MODEL,
        modelBaseUrl: MODEL_BASE,
        device: 'wasm',
        ...(contender === 'library' || dtype === 'fp32' ? { dtype } : {}),
      };
      const first = await openBenchPage(browser, url);
      errors.push(...first.errors);
      const cold = await pageLoad(first.page, options);
      const capMs = quick ? 60_000 : 120_000;
      const rerank = await withCap(() => pageRerank(first.page, QUERY, passages), capMs, () => first.context.close());
      let warmLoadMs: number | undefined;
      if (rerank.ok) {
        await first.page.evaluate(async () => window.bench?.dispose());
        await first.page.close();
        // A returning visitor: a new page in the same context, files from Cache Storage.
        const second = await openBenchPage(browser, url, first.context);
        warmLoadMs = (await pageLoad(second.page, options)).ms;
        errors.push(...second.errors);
      }
      const peakMb = sampler.stop();
      entry = {
        contender,
        dtype,
        threads: cold.threads,
        coldLoadMs: round(cold.ms),
        ...(rerank.ok
          ? { firstRerankMs: round(rerank.value.ms), timeToFirstResultMs: round(cold.ms + rerank.value.ms) }
          : { failed: rerank.error }),
        ...(warmLoadMs === undefined ? {} : { warmLoadMs: round(warmLoadMs) }),
        baselineMb: round(baselineMb),
        peakMb: round(peakMb),
        peakAboveIdleMb: round(peakMb - baselineMb),
        errors: [...new Set(errors)].slice(0, 5),
      };
    } catch (error) {
      const peakMb = sampler.stop();
      entry = {
        contender,
        dtype,
        baselineMb: Number.NaN,
        peakMb: round(peakMb),
        peakAboveIdleMb: Number.NaN,
        failed: error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error),
        errors,
      };
    } finally {
      await browser.close();
    }
    results.load.push(entry);
    log(`  ${JSON.stringify(entry)}`);
  }
}

interface DemoProbeState {
  longTasks: { start: number; duration: number }[];
  keys: { key: string; delay: number; toFrame: number }[];
  /** When the results list first held more than the demo's own handful of results. */
  renderedAt?: number;
  /** When it held all of them. */
  completedAt?: number;
  startedAt?: number;
}

declare global {
  interface Window {
    __benchProbe?: DemoProbeState;
  }
}

/** The demo page reranking 1,000 passages while someone types in the query box. */
async function longTaskPhase(results: Results, origin: string, quick: boolean): Promise<void> {
  void quick;
  const kind: PassageKind = 'short';
  const count = 1000;
  log(`long tasks: demo page, ${count} ${kind} passages`);
  const browser = await launchBrowser(false);
  try {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const state: DemoProbeState = { longTasks: [], keys: [] };
      window.__benchProbe = state;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) state.longTasks.push({ start: entry.startTime, duration: entry.duration });
      }).observe({ type: 'longtask', buffered: true });
      // Key-to-frame: from the key event's timestamp (when the browser got it) to the next animation frame
      // after the handlers ran, i.e. how long until the typed character can be painted.
      document.addEventListener(
        'keydown',
        (event) => {
          const delay = performance.now() - event.timeStamp;
          requestAnimationFrame(() => state.keys.push({ key: event.key, delay, toFrame: performance.now() - event.timeStamp }));
        },
        true,
      );
    });
    const opened = await openPage(
      browser,
      `${origin}/?modelBaseUrl=${encodeURIComponent(MODEL_BASE)}&model=${MODEL}&device=wasm`,
      context,
    );
    const { page } = opened;
    // Load the model with the demo's own passages first: the check is about reranking, not loading.
    await page.locator('#rerank').click();
    await page.locator('#results li').first().waitFor({ timeout: 120_000 });
    const loadLongTasks = await page.evaluate(() => window.__benchProbe?.longTasks.map((task) => task.duration) ?? []);
    // Set the textarea directly (as a paste would) and announce it: Playwright's fill() types into a 1 MB field slowly.
    await page.evaluate((text) => {
      const area = document.getElementById('passages');
      if (area instanceof HTMLTextAreaElement) {
        area.value = text;
        area.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }, makePassages(count, kind).join('\n\n'));
    await page.locator('#query').fill('giant panda');
    await sleep(1000);
    const [threads = Number.NaN, sessions = Number.NaN] = await page.evaluate((total) => {
      const state = window.__benchProbe;
      if (state !== undefined) {
        state.longTasks = [];
        state.keys = [];
        state.startedAt = performance.now();
        const list = document.getElementById('results');
        if (list !== null) {
          new MutationObserver(() => {
            if (state.renderedAt === undefined && list.children.length > 10) state.renderedAt = performance.now();
            if (state.completedAt === undefined && list.children.length === total) state.completedAt = performance.now();
          }).observe(list, { childList: true });
        }
      }
      const text = document.getElementById('info')?.textContent ?? '';
      return [/WASM threads\s*(\d+)/, /WASM sessions\s*(\d+)/].map((pattern) => Number(pattern.exec(text)?.[1] ?? Number.NaN));
    }, count);
    const loadAverageBefore = currentLoadAverage();
    // Start with the demo's own shortcut from the query box, so the focus stays there for typing.
    await page.locator('#query').focus();
    const started = Date.now();
    await page.keyboard.press('Control+Enter');
    const roundTrips: number[] = [];
    let typed = '';
    const done = page.waitForFunction((n) => document.querySelectorAll('#results li').length === n, count, { timeout: 900_000, polling: 250 });
    let finished = false;
    void done.then(
      () => {
        finished = true;
      },
      () => {
        finished = true;
      },
    );
    const letters = 'bamboo shoots and leaves ';
    while (!finished) {
      const key = letters[typed.length % letters.length] as string;
      const sent = Date.now();
      await page.keyboard.press(key === ' ' ? 'Space' : key);
      roundTrips.push(Date.now() - sent);
      typed += key;
      await sleep(150);
    }
    await done;
    const rerankMs = Date.now() - started;
    await sleep(500);
    const probe = await page.evaluate(() => window.__benchProbe ?? { longTasks: [], keys: [] });
    const value = await page.locator('#query').inputValue();
    const renderedAt = probe.renderedAt ?? Number.POSITIVE_INFINITY;
    // A task that was running when the first results appeared is the one that put them there: rendering.
    const rendering = (task: { start: number; duration: number }): boolean => task.start + task.duration + 1 >= renderedAt;
    const before = probe.longTasks.filter((task) => !rendering(task)).map((task) => round(task.duration));
    const during = probe.longTasks.filter(rendering).map((task) => round(task.duration));
    const toFrame = probe.keys.map((key) => key.toFrame);
    results.longTask = {
      passages: count,
      kind,
      threads,
      sessions,
      rerankMs,
      longTasksWhileReranking: before,
      maxLongTaskWhileRerankingMs: before.length === 0 ? 0 : Math.max(...before),
      longTasksWhileRendering: during,
      maxLongTaskWhileRenderingMs: during.length === 0 ? 0 : Math.max(...during),
      renderMs: round((probe.completedAt ?? Number.NaN) - renderedAt),
      keystrokes: probe.keys.length,
      maxKeyToFrameMs: round(toFrame.length === 0 ? Number.NaN : Math.max(...toFrame)),
      medianKeyToFrameMs: round(median(toFrame)),
      maxKeyPressRoundTripMs: roundTrips.length === 0 ? Number.NaN : Math.max(...roundTrips),
      typedTextArrived: value === `giant panda${typed}`,
      loadLongTasksMs: loadLongTasks.map((duration) => round(duration)),
      loadAverageBefore,
      loadAverageAfter: currentLoadAverage(),
      errors: opened.errors.slice(0, 5),
    };
    log(`  ${JSON.stringify(results.longTask)}`);
  } finally {
    await browser.close();
  }
}

/** WebGPU on the SwiftShader (CPU) adapter of headless Chromium: a first figure, fp32. */
async function webgpuPhase(results: Results, origin: string, quick: boolean, hasFp32: boolean): Promise<void> {
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

/**
 * WASM thread count: the library's inference path (transformers.js in a module worker, q8, one pair per
 * run) with `numThreads` forced, interleaved. The library chooses its own count; this shows why.
 */
/**
 * A probe page (the library's inference path, one knob exposed) with the bench model loaded, after one
 * unmeasured pass over 100 short passages: a fresh worker runs V8's baseline WASM code for its first seconds,
 * at half speed or less, and the settings compared here must not differ by how far each got with that.
 */
async function openWarmProbe(browser: Browser, origin: string, options: Pick<ProbeLoad, 'threads'> & Partial<Pick<ProbeLoad, 'wasmPaths' | 'sessionOptions'>>): Promise<{ page: Page; loaded: ProbeReply }> {
  const opened = await openPage(browser, origin + PROBE_PAGE);
  await opened.page.waitForFunction(() => window.probe !== undefined);
  const loaded = await opened.page.evaluate(
    async (message) => window.probe?.load(message),
    { modelBaseUrl: MODEL_BASE, model: MODEL, dtype: 'q8' as const, ...options },
  );
  if (loaded?.ok !== true) throw new Error(`probe load (${JSON.stringify(options)}) failed: ${loaded?.error ?? 'no reply'}`);
  const warmup = await opened.page.evaluate(
    async (message) => window.probe?.run(message),
    { query: QUERY, passages: makePassages(100, 'short'), maxRows: 1, tokenBudget: TOKEN_BUDGET },
  );
  if (warmup?.ok !== true) throw new Error(`probe warm-up (${JSON.stringify(options)}) failed: ${warmup?.error ?? 'no reply'}`);
  return { page: opened.page, loaded };
}

async function threadsPhase(results: Results, browser: Browser, origin: string, quick: boolean, cores: number): Promise<void> {
  const counts = [...new Set([1, 2, Math.min(4, cores)])];
  const pages: Page[] = [];
  for (const threads of counts) {
    const { page, loaded } = await openWarmProbe(browser, origin, { threads });
    if (loaded.threads !== threads) throw new Error(`probe asked for ${threads} threads runs ${loaded.threads}`);
    pages.push(page);
  }
  const cases: { count: number; kind: PassageKind }[] = quick
    ? [{ count: 10, kind: 'mixed' }, { count: 100, kind: 'short' }]
    : [{ count: 10, kind: 'mixed' }, { count: 100, kind: 'short' }, { count: 100, kind: 'mixed' }];
  for (const { count, kind } of cases) {
    const passages = makePassages(count, kind);
    const rates = counts.map(() => [] as number[]);
    const reps = count === 100 && kind === 'mixed' ? 2 : quick ? 3 : 5;
    for (let rep = 0; rep < reps; rep += 1) {
      for (const [index, page] of pages.entries()) {
        const reply = await page.evaluate(
          async ([p, q]) => window.probe?.run({ query: q, passages: p, maxRows: 1, tokenBudget: 4096 }),
          [passages, QUERY] as const,
        );
        if (reply?.ok === true) rates[index]?.push(round((count / reply.ms) * 1000, 2));
        await sleep(300);
      }
    }
    const entry: ThreadsRecord = {
      dtype: 'q8',
      count,
      kind,
      byThreads: counts.map((threads, index) => {
        const runs = rates[index] ?? [];
        return { threads, pairsPerSecondRuns: runs, medianPairsPerSecond: round(median(runs), 2), bestPairsPerSecond: runs.length === 0 ? Number.NaN : Math.max(...runs) };
      }),
    };
    results.threads.push(entry);
    log(`  threads q8 ${count} ${kind}: ${entry.byThreads.map((t) => `${t.threads}: median ${t.medianPairsPerSecond}, best ${t.bestPairsPerSecond}`).join(' | ')} | load ${currentLoadAverage().join(' ')}`);
  }
  for (const page of pages) await page.context().close();
}

/**
 * The library with `wasmSessions` 1 and 2 (one thread each), interleaved, on a quiet machine and with a
 * busy-looping process holding one core: the measurements behind the `wasmSessions` default.
 */
async function sessionsPhase(results: Results, browser: Browser, origin: string, quick: boolean): Promise<void> {
  const counts = [1, 2];
  const contenders = counts.map(
    (wasmSessions) => new PageContender('library', browser, origin + LIBRARY_PAGE, { model: MODEL, modelBaseUrl: MODEL_BASE, device: 'wasm', dtype: 'q8', wasmSessions }),
  );
  for (const contender of contenders) await contender.ensure();
  for (const [index, contender] of contenders.entries()) {
    if (contender.loadResult?.sessions !== counts[index]) throw new Error(`library asked for ${counts[index]} sessions runs ${contender.loadResult?.sessions}`);
    // Unmeasured, so every session has its optimized WASM code (see openWarmProbe).
    await contender.run(makePassages(100, 'short'), 300_000);
  }
  const cases: { count: number; kind: PassageKind; busyCore: boolean }[] = [
    { count: 100, kind: 'short', busyCore: false },
    { count: 10, kind: 'mixed', busyCore: false },
    ...(quick ? [] : [{ count: 100, kind: 'mixed' as const, busyCore: false }]),
    { count: 100, kind: 'short', busyCore: true },
  ];
  for (const { count, kind, busyCore } of cases) {
    const passages = makePassages(count, kind);
    const rates = counts.map(() => [] as number[]);
    const hog = busyCore ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
    try {
      if (hog !== undefined) await sleep(1000);
      for (let rep = 0; rep < (quick ? 3 : 5); rep += 1) {
        for (const [index, contender] of contenders.entries()) {
          const { record: run } = await contender.run(passages, 300_000);
          if (Number.isFinite(run.pairsPerSecond)) rates[index]?.push(run.pairsPerSecond);
          await sleep(300);
        }
      }
    } finally {
      hog?.kill();
    }
    const entry: SessionsRecord = {
      dtype: 'q8',
      count,
      kind,
      busyCore,
      bySessions: counts.map((sessions, index) => {
        const runs = rates[index] ?? [];
        return { sessions, pairsPerSecondRuns: runs, medianPairsPerSecond: round(median(runs), 2), bestPairsPerSecond: runs.length === 0 ? Number.NaN : Math.max(...runs) };
      }),
    };
    (results.sessions ??= []).push(entry);
    log(`  sessions q8 ${count} ${kind}${busyCore ? ' (one core held)' : ''}: ${entry.bySessions.map((t) => `${t.sessions}: median ${t.medianPairsPerSecond}, best ${t.bestPairsPerSecond}`).join(' | ')} | load ${currentLoadAverage().join(' ')}`);
  }
  for (const contender of contenders) await contender.close();
}

/**
 * Runtime settings that could change the speed of one-pair q8 runs, each on its own probe page (the
 * library's inference path), interleaved with native onnxruntime-node one row per run at each thread
 * count: onnxruntime-web's plain WASM build instead of the asyncify one its WebGPU bundle loads, 1 or 2
 * threads, the intra-op thread pool's spin-waiting on or off, graph optimization levels, the CPU memory
 * arena off.
 */
async function optionsPhase(results: Results, browser: Browser, origin: string, native: NativeRunner, quick: boolean): Promise<void> {
  const dist = `${origin}/node_modules/onnxruntime-web/dist`;
  const plain = { wasmPaths: { mjs: `${dist}/ort-wasm-simd-threaded.mjs`, wasm: `${dist}/ort-wasm-simd-threaded.wasm` } };
  const noSpin = { extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const variants: { name: string; threads: number; extra: Record<string, unknown> }[] = [
    { name: 'asyncify build, 1 thread', threads: 1, extra: {} },
    { name: 'plain WASM build, 1 thread', threads: 1, extra: plain },
    { name: 'asyncify build, 2 threads', threads: 2, extra: {} },
    { name: 'asyncify build, 2 threads, no spinning', threads: 2, extra: { sessionOptions: noSpin } },
    { name: 'plain WASM build, 2 threads', threads: 2, extra: plain },
    { name: 'plain WASM build, 2 threads, no spinning', threads: 2, extra: { ...plain, sessionOptions: noSpin } },
    ...(quick
      ? []
      : [
          { name: 'asyncify, graphOptimizationLevel extended', threads: 1, extra: { sessionOptions: { graphOptimizationLevel: 'extended' } } },
          { name: 'asyncify, enableCpuMemArena false', threads: 1, extra: { sessionOptions: { enableCpuMemArena: false } } },
        ]),
  ];
  const nativeThreads = [1, 2];
  const pages: Page[] = [];
  for (const variant of variants) {
    const { page, loaded } = await openWarmProbe(browser, origin, { threads: variant.threads, ...variant.extra });
    if (loaded.threads !== variant.threads) throw new Error(`probe load (${variant.name}) runs ${loaded.threads} threads, not ${variant.threads}`);
    pages.push(page);
  }
  const names = [...variants.map((variant) => variant.name), ...nativeThreads.map((threads) => `native onnxruntime-node, 1 row per run, ${threads} thread${threads === 1 ? '' : 's'}`)];
  for (const kind of ['tiny', 'short'] as const) {
    const passages = kind === 'tiny' ? Array.from({ length: 100 }, () => 'bamboo') : makePassages(100, kind);
    const rates = names.map(() => [] as number[]);
    let probeScores: number[] | undefined;
    for (let rep = 0; rep < (quick ? 2 : 3); rep += 1) {
      for (const [index, page] of pages.entries()) {
        const reply = await page.evaluate(
          async ([p, q]) => window.probe?.run({ query: q, passages: p, maxRows: 1, tokenBudget: 4096 }),
          [passages, QUERY] as const,
        );
        if (reply?.ok === true) rates[index]?.push(round((passages.length / reply.ms) * 1000, 2));
        if (rep === 0 && index === 0) probeScores = reply?.scores;
        await sleep(300);
      }
      for (const [offset, threads] of nativeThreads.entries()) {
        const reply = await native.run({ dtype: 'q8', threads, query: QUERY, passages, maxRows: 1, tokenBudget: 4096 });
        rates[variants.length + offset]?.push(round((passages.length / reply.totalMs) * 1000, 2));
        if (rep === 0 && offset === 0 && kind === 'short' && probeScores !== undefined) {
          // The same ids through onnxruntime-web without any library code: how far the two runtimes' q8
          // kernels alone land apart, to read the library-vs-native checks of the throughput phase against.
          results.checks['maxAbsDiff onnxruntime-web (probe, no library code) vs native one-row, q8, 100 short'] = maxAbsDiff(probeScores, reply.scores);
        }
        await sleep(300);
      }
    }
    const entry: OptionsRecord = {
      count: passages.length,
      kind,
      byVariant: names.map((name, index) => ({ name, pairsPerSecondRuns: rates[index] ?? [], medianPairsPerSecond: round(median(rates[index] ?? []), 2) })),
    };
    results.options.push(entry);
    log(`  options q8 100 ${kind}: ${entry.byVariant.map((v) => `${v.name}: ${v.medianPairsPerSecond}`).join(' | ')} | load ${currentLoadAverage().join(' ')}`);
  }
  for (const page of pages) await page.context().close();
}

/**
 * Where a run's time goes: onnxruntime's profiler on one pair (one-word, short and mixed-length passage) run
 * alone at one thread, in the browser through the library's path (a fresh probe page per pair: ending the
 * profile ends it for the session) and in native onnxruntime-node, on the same q8 file and token ids.
 */
async function profilePhase(results: Results, browser: Browser, origin: string, native: NativeRunner, quick: boolean): Promise<void> {
  // Native needs no tier-up; the browser does (see ProbeProfile): both skip their warm-up runs in the trace.
  const warmupMs = 8000;
  const runs = quick ? 10 : 20;
  const cases: { kind: PassageKind | 'tiny'; passage: string }[] = [
    { kind: 'tiny', passage: 'bamboo' },
    { kind: 'short', passage: makePassages(1, 'short')[0] ?? '' },
    { kind: 'mixed', passage: makePassages(1, 'mixed')[0] ?? '' },
  ];
  for (const { kind, passage } of cases) {
    const opened = await openPage(browser, origin + PROBE_PAGE);
    try {
      await opened.page.waitForFunction(() => window.probe !== undefined);
      const loaded = await opened.page.evaluate(
        async () => window.probe?.load({ modelBaseUrl: '/fixtures/bench', model: 'ms-marco-minilm-l6-shape', dtype: 'q8', threads: 1, sessionOptions: { enableProfiling: true } }),
      );
      if (loaded?.ok !== true) throw new Error(`probe load failed: ${loaded?.error ?? 'no reply'}`);
      const web = await opened.page.evaluate(async (message) => window.probe?.profile(message), { query: QUERY, passage, warmupMs, runs });
      if (web?.ok !== true || web.trace === undefined) throw new Error(`probe profile failed: ${web?.error ?? 'no trace'}`);
      const nat = await native.profile({ dtype: 'q8', threads: 1, query: QUERY, passage, warmup: 3, runs });
      if (nat.tokens !== web.tokens) throw new Error(`native encoded ${nat.tokens} tokens, the probe ${web.tokens}`);
      const entry: ProfileRecord = {
        kind,
        tokens: nat.tokens,
        threads: 1,
        wasm: { ...opProfile(web.trace, runs), ms: round(web.ms, 2) },
        native: { ...opProfile(nat.trace, runs), ms: round(nat.ms, 2) },
      };
      (results.profile ??= []).push(entry);
      log(`  profile ${kind} (${entry.tokens} tokens): WASM ${entry.wasm.ms} ms/run, native ${entry.native.ms} ms/run; WASM top: ${entry.wasm.byOp.slice(0, 4).map((o) => `${o.op} ${Math.round(o.us)} us`).join(', ')}`);
    } finally {
      await opened.context.close();
    }
  }
}

/** The batch token budget for fp32 on WASM: the same call under several budgets, interleaved. */
async function sweepPhase(results: Results, browser: Browser, origin: string): Promise<void> {
  const budgets = [1024, 2048, 4096, 8192];
  const contenders = budgets.map(
    (budget) =>
      new PageContender('library', browser, origin + LIBRARY_PAGE, {
        model: MODEL,
        modelBaseUrl: MODEL_BASE,
        device: 'wasm',
        dtype: 'fp32',
        batchTokenBudget: budget,
      }),
  );
  for (const kind of ['mixed', 'short'] as const) {
    const passages = makePassages(100, kind);
    const runs = budgets.map(() => [] as number[]);
    const batches: (number | undefined)[] = budgets.map(() => undefined);
    for (let rep = 0; rep < 2; rep += 1) {
      for (const [index, contender] of contenders.entries()) {
        const outcome = await contender.run(passages, 300_000);
        if (outcome.record.failed === undefined) runs[index]?.push(outcome.record.ms);
        batches[index] = outcome.record.batches;
        await sleep(300);
      }
    }
    const entry: SweepRecord = {
      dtype: 'fp32',
      kind,
      count: 100,
      byBudget: budgets.map((budget, index) => {
        const ms = median(runs[index] ?? []);
        const n = batches[index];
        return { budget, runsMs: runs[index] ?? [], medianMs: round(ms), pairsPerSecond: round((100 / ms) * 1000, 2), ...(n === undefined ? {} : { batches: n }) };
      }),
    };
    results.sweep.push(entry);
    log(`  sweep fp32 100 ${kind}: ${entry.byBudget.map((b) => `${b.budget}: ${b.pairsPerSecond}/s`).join(', ')}`);
  }
  for (const contender of contenders) await contender.close();
}

// ----------------------------------------------------------------------------------------- main

async function tokenStats(): Promise<Results['passages']['tokens']> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = `${resolve('fixtures/bench')}/`;
  const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
  const stats: Results['passages']['tokens'] = {};
  const queryTokens = tokenizer.encode(QUERY, { add_special_tokens: false }).length;
  for (const kind of ['short', 'mixed'] as const) {
    // Pair length: query + passage + 3 special tokens, capped at 512.
    const lengths = makePassages(1000, kind).map((p) => Math.min(512, queryTokens + 3 + tokenizer.encode(p, { add_special_tokens: false }).length));
    stats[kind] = { min: Math.min(...lengths), median: median(lengths), max: Math.max(...lengths) };
  }
  return stats;
}

function modelFiles(): Results['model']['files'] {
  const expected = JSON.parse(readFileSync(resolve('fixtures/bench', `${MODEL}.json`), 'utf8')) as {
    files: Record<string, { bytes: number; sha256: string }>;
  };
  const files: Results['model']['files'] = {};
  for (const file of ['onnx/model_quantized.onnx', 'onnx/model.onnx']) {
    const path = resolve(MODEL_DIR, file);
    if (!existsSync(path)) continue;
    const hash = sha256(path);
    const want = expected.files[file]?.sha256;
    files[file] = { bytes: readFileSync(path).byteLength, sha256: hash, ...(want === undefined ? {} : { matchesFixtureScript: want === hash }) };
  }
  return files;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = Date.now();
  if (!existsSync(resolve(MODEL_DIR, 'onnx/model_quantized.onnx'))) {
    throw new Error(`${MODEL_DIR}/onnx/model_quantized.onnx is missing; make it with npm run fixtures:bench (Python, torch).`);
  }
  const hasFp32 = existsSync(resolve(MODEL_DIR, 'onnx/model.onnx'));
  const results: Results = {
    machine: machineInfo(CHROMIUM),
    mode: options.quick ? 'quick' : 'full',
    model: { name: MODEL, files: modelFiles() },
    passages: { query: QUERY, wordRange: WORD_RANGE, tokens: await tokenStats() },
    throughput: [],
    load: [],
    sweep: [],
    threads: [],
    options: [],
    checks: {},
    notes: [],
  };
  if (!hasFp32) {
    results.notes.push(
      'fp32 parts skipped: fixtures/bench/ms-marco-minilm-l6-shape/onnx/model.onnx is missing (about 90 MB, not committed); ' +
        'make it with `npm run fixtures:bench` on a machine with torch, transformers, onnx and onnxruntime.',
    );
  }
  for (const [file, info] of Object.entries(results.model.files)) {
    if (info.matchesFixtureScript === false) results.notes.push(`${file} differs from the file the fixture script recorded (sha256).`);
  }
  log(`machine: ${JSON.stringify(results.machine)}`);
  log(`passages (pair tokens): ${JSON.stringify(results.passages.tokens)}`);
  const dtypes: Dtype[] = (options.dtypes ?? ['q8', 'fp32']).filter((d) => d === 'q8' || hasFp32);

  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const save = (): void => {
    results.totalSeconds = Math.round((Date.now() - startedAt) / 1000);
    results.loadAverageAtEnd = currentLoadAverage();
    writeFileSync(resolve(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(resolve(outDir, 'latest.md'), renderMarkdown(results));
  };
  /** A phase that fails is recorded in the notes; the others still run, and results are saved after each. */
  const phase = async (name: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
      results.notes.push(`phase ${name} failed: ${message.slice(0, 300)}`);
      log(`phase ${name} failed: ${message.slice(0, 300)}`);
    }
    save();
  };
  const { server, origin } = await startServer(options.port);
  const native = new NativeRunner();
  try {
    // Warm Vite's transforms and dependency optimizer so no contender pays for them.
    {
      const browser = await launchBrowser(false);
      for (const page of [LIBRARY_PAGE, NAIVE_PAGE, PROBE_PAGE, '/']) {
        const opened = await openPage(browser, origin + page);
        await opened.page.waitForLoadState('networkidle');
        await opened.context.close();
      }
      const warm = new PageContender('library', browser, origin + LIBRARY_PAGE, { model: MODEL, modelBaseUrl: MODEL_BASE, device: 'wasm', dtype: 'q8' });
      await warm.ensure();
      await warm.close();
      await browser.close();
    }

    if (['sessions', 'threads', 'options', 'profile', 'throughput', 'sweep'].some((name) => options.phases.has(name))) {
      const browser = await launchBrowser(false);
      try {
        if (options.phases.has('sessions')) {
          log('sessions: the library with 1 or 2 WASM sessions side by side, q8, quiet and with one core held');
          await phase('sessions', () => sessionsPhase(results, browser, origin, options.quick));
        }
        if (options.phases.has('threads')) {
          log('threads: the library\'s path with numThreads forced');
          await phase('threads', () => threadsPhase(results, browser, origin, options.quick, results.machine.nproc));
        }
        if (options.phases.has('options')) {
          log('options: runtime settings of the library\'s path, q8, one pair per run');
          await phase('options', () => optionsPhase(results, browser, origin, native, options.quick));
        }
        if (options.phases.has('profile')) {
          log('profile: onnxruntime\'s profiler on one pair, WASM (the library\'s path) and native, 1 thread');
          await phase('profile', () => profilePhase(results, browser, origin, native, options.quick));
        }
        if (options.phases.has('throughput')) {
          for (const dtype of dtypes) {
            await phase(`throughput ${dtype}`, () => throughputPhase(results, browser, origin, native, dtype, options.quick, options.maxPassages));
          }
        }
        if (options.phases.has('sweep') && hasFp32) await phase('sweep', () => sweepPhase(results, browser, origin));
      } finally {
        await browser.close();
      }
    }
    if (options.phases.has('load')) await phase('load', () => loadPhase(results, origin, dtypes, options.quick));
    if (options.phases.has('longtask')) await phase('longtask', () => longTaskPhase(results, origin, options.quick));
    if (options.phases.has('webgpu')) await phase('webgpu', () => webgpuPhase(results, origin, options.quick, hasFp32));
  } finally {
    native.close();
    await (server as ViteDevServer).close();
  }

  save();
  log(`wrote ${options.outDir}/latest.json and latest.md in ${results.totalSeconds} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
