/**
 * `npm run bench`: the library against the naive transformers.js pattern and native onnxruntime-node,
 * in one run, alternating contenders (A B C A B C) so that drift and other load on the machine hit all
 * of them alike. Writes bench/results/latest.json and bench/results/latest.md.
 *
 *   npm run bench                 # the default phases (throughput, sweep, load, longtask, webgpu)
 *   npm run bench -- --quick      # fewer repetitions, no budget sweep, capped slow cases
 *   npm run bench -- --only=throughput,load --dtypes=q8 --max-passages=100
 *   npm run bench -- --only=profile --out=bench/.build/partial   # one part, written away from bench/results
 *   npm run bench -- --help       # every phase, investigation phases (sessions, threads, options, profile) included
 *
 * This file parses the arguments, runs the phases (one module each under phases/) and writes the results.
 * Needs fixtures/bench/ms-marco-minilm-l6-shape/ (the q8 file is committed; the fp32 file is made by
 * `npm run fixtures:bench`, see scripts/fixtures/README.md); without the fp32 file the fp32 parts are skipped.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from '@playwright/test';
import { CHROMIUM } from '../shared/chromium.js';
import { launchBrowser, startServer } from './browser.js';
import { MODEL_DIR, type Dtype } from './config.js';
import { warmDevServer } from './contenders.js';
import { currentLoadAverage, machineInfo } from './machine.js';
import { modelInfo, passageInfo } from './model-info.js';
import { NativeRunner } from './native-runner.js';
import type { BenchContext, Phase } from './phase.js';
import { PHASES } from './phases/index.js';
import { renderMarkdown } from './report.js';
import type { Results } from './results.js';
import { log } from './util.js';

interface Options {
  readonly quick: boolean;
  readonly phases: readonly Phase[];
  readonly port: number;
  readonly maxPassages: number;
  readonly dtypes: readonly Dtype[] | undefined;
  /** Where latest.json and latest.md go (default bench/results; a partial run can write elsewhere). */
  readonly outDir: string;
}

function usage(): string {
  const line = (phase: Phase): string => `  ${phase.name.padEnd(11)} ${phase.title}${phase.skipWhenQuick === true ? ' (not with --quick)' : ''}`;
  return [
    'npm run bench -- [--quick] [--only=<phase>,...] [--out=<dir>] [--dtypes=q8,fp32] [--max-passages=<n>] [--port=<n>]',
    'default phases:',
    ...PHASES.filter((phase) => !phase.investigation).map(line),
    'investigation phases (answers recorded in docs/benchmarks.md; only with --only):',
    ...PHASES.filter((phase) => phase.investigation).map(line),
  ].join('\n');
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const only = value('only')?.split(',');
  for (const name of only ?? []) {
    if (!PHASES.some((phase) => phase.name === name)) throw new Error(`unknown phase ${name}\n${usage()}`);
  }
  const phases = PHASES.filter((phase) =>
    only === undefined ? !phase.investigation && !(quick && phase.skipWhenQuick === true) : only.includes(phase.name),
  );
  const port = Number(value('port') ?? process.env['BENCH_PORT'] ?? 4180);
  const maxPassages = Number(value('max-passages') ?? Infinity);
  const dtypes = value('dtypes')?.split(',').filter((d): d is Dtype => d === 'q8' || d === 'fp32');
  return { quick, phases, port, maxPassages, dtypes, outDir: value('out') ?? 'bench/results' };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const options = parseOptions(process.argv.slice(2));
  const startedAt = Date.now();
  if (!existsSync(resolve(MODEL_DIR, 'onnx/model_quantized.onnx'))) {
    throw new Error(`${MODEL_DIR}/onnx/model_quantized.onnx is missing; make it with npm run fixtures:bench (Python, torch).`);
  }
  const hasFp32 = existsSync(resolve(MODEL_DIR, 'onnx/model.onnx'));
  const results: Results = {
    machine: machineInfo(CHROMIUM),
    mode: options.quick ? 'quick' : 'full',
    model: modelInfo(),
    passages: await passageInfo(),
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
  log(`phases: ${options.phases.map((phase) => phase.name).join(', ')}`);

  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const save = (): void => {
    results.totalSeconds = Math.round((Date.now() - startedAt) / 1000);
    results.loadAverageAtEnd = currentLoadAverage();
    writeFileSync(resolve(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(resolve(outDir, 'latest.md'), renderMarkdown(results));
  };
  const step = async (name: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      const message = (error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)).slice(0, 300);
      results.notes.push(`phase ${name} failed: ${message}`);
      log(`phase ${name} failed: ${message}`);
    }
    save();
  };

  const { server, origin } = await startServer(options.port);
  const native = new NativeRunner();
  let shared: Browser | undefined;
  const closeShared = async (): Promise<void> => {
    await shared?.close();
    shared = undefined;
  };
  const context: BenchContext = {
    results,
    origin,
    quick: options.quick,
    maxPassages: options.maxPassages,
    dtypes: (options.dtypes ?? ['q8', 'fp32']).filter((d) => d === 'q8' || hasFp32),
    hasFp32,
    native,
    sharedBrowser: async () => (shared ??= await launchBrowser(false)),
    step,
  };
  try {
    await warmDevServer(origin);
    for (const phase of options.phases) {
      // Phases that launch their own browser (load, memory, long tasks) run with no other browser open.
      if (!phase.sharedBrowser) await closeShared();
      log(`${phase.name}: ${phase.title}${phase.investigation ? ' (an investigation phase)' : ''}`);
      await step(phase.name, () => phase.run(context));
    }
  } finally {
    await closeShared();
    native.close();
    await server.close();
  }

  save();
  log(`wrote ${options.outDir}/latest.json and latest.md in ${results.totalSeconds} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
