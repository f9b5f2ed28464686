/**
 * Investigation tool (`--only=options`, not in the default run): its answer is recorded in docs/benchmarks.md
 * ("Settings tried, in the `options` rows");
 * run it again when that answer may have changed (a new onnxruntime-web, another machine).
 *
 * Runtime settings that could change the speed of one-pair q8 runs, each on its own probe page (the
 * library's inference path), interleaved with native onnxruntime-node one row per run at each thread
 * count: onnxruntime-web's plain WASM build instead of the asyncify one its WebGPU bundle loads, 1 or 2
 * threads, the intra-op thread pool's spin-waiting on or off, graph optimization levels, the CPU memory
 * arena off.
 */
import type { Browser, Page } from '@playwright/test';
import { openWarmProbe } from '../contenders.js';
import { currentLoadAverage } from '../machine.js';
import type { NativeRunner } from '../native-runner.js';
import type { OptionsRecord, Results } from '../results.js';
import { makePassages, QUERY } from '../text.js';
import { log, maxAbsDiff, median, round, sleep } from '../util.js';
import type { Phase } from '../phase.js';

async function measureOptions(results: Results, browser: Browser, origin: string, native: NativeRunner, quick: boolean): Promise<void> {
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

export const options: Phase = {
  name: 'options',
  title: "runtime settings of the library's path, q8, one pair per run",
  investigation: true,
  sharedBrowser: true,
  run: async (context) => measureOptions(context.results, await context.sharedBrowser(), context.origin, context.native, context.quick),
};
