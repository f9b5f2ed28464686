/**
 * Throughput: the library, the naive transformers.js pattern and native onnxruntime-node (batched, and one
 * row per run for q8) on the same passage sets, interleaved, in steady state; also checks that the library
 * scores like native onnxruntime on the same inputs. Passage sets: generated pseudo-English and real docs
 * text (docs-text.ts). Each round runs every contender once, so a round's ratio compares runs made under the
 * same machine load; the ratios reported are the median and range over the rounds.
 */
import type { Browser } from '@playwright/test';
import { LIBRARY_PAGE, MODEL, MODEL_BASE, NAIVE_PAGE, NATIVE_MAX_ROWS, TOKEN_BUDGET, type ContenderName, type Dtype } from '../config.js';
import { PageContender } from '../contenders.js';
import { currentLoadAverage } from '../machine.js';
import type { NativeRunner } from '../native-runner.js';
import type { ContenderSummary, Results, RunRecord, ThroughputCase } from '../results.js';
import { DOCS_QUERY, docsTextSource, makeDocsPassages } from '../docs-text.js';
import { makePassages, QUERY, type PassageKind, type PassageText } from '../text.js';
import { log, maxAbsDiff, record, round, sleep, spread, summarize } from '../util.js';
import type { Phase } from '../phase.js';

interface Plan {
  readonly count: number;
  readonly kind: PassageKind;
  readonly text: PassageText;
  /** Alternating rounds; 3 at least wherever a ratio is a target. */
  readonly reps: number;
  /** Per-run time cap for the naive pattern (ms). */
  readonly naiveCapMs: number;
}

function throughputPlans(dtype: Dtype, quick: boolean): Plan[] {
  // The 100-passage sets are the targets' cases: 3 rounds even in a quick run, on both texts.
  const targets = (['generated', 'docs'] as const).flatMap((text) => [
    { count: 100, kind: 'short' as const, text, reps: 3, naiveCapMs: 60_000 },
    { count: 100, kind: 'mixed' as const, text, reps: 3, naiveCapMs: 90_000 },
  ]);
  if (dtype === 'fp32') return [...(quick ? [] : [{ count: 10, kind: 'short' as const, text: 'generated' as const, reps: 3, naiveCapMs: 60_000 }]), ...targets];
  return [
    { count: 10, kind: 'short', text: 'generated', reps: quick ? 3 : 5, naiveCapMs: 60_000 },
    ...(quick ? [] : [{ count: 10, kind: 'mixed' as const, text: 'generated' as const, reps: 5, naiveCapMs: 60_000 }]),
    ...targets,
    { count: 1000, kind: 'short', text: 'generated', reps: 1, naiveCapMs: quick ? 45_000 : 120_000 },
    { count: 1000, kind: 'mixed', text: 'generated', reps: 1, naiveCapMs: quick ? 30_000 : 90_000 },
  ];
}

function passagesOf(plan: Pick<Plan, 'count' | 'kind' | 'text'>): { query: string; passages: string[] } {
  return plan.text === 'docs'
    ? { query: DOCS_QUERY, passages: makeDocsPassages(plan.count, plan.kind) }
    : { query: QUERY, passages: makePassages(plan.count, plan.kind) };
}

async function measureThroughput(
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
  // Both texts, both contenders, the same passes: neither contender starts a measured set less warm.
  for (const text of ['generated', 'docs'] as const) {
    const warmup = passagesOf({ count: 100, kind: 'short', text });
    for (let rep = 0; rep < 2; rep += 1) {
      await library.run(warmup.passages, 600_000, warmup.query);
      await naive.run(warmup.passages, 120_000, warmup.query);
    }
  }
  results.notes.push(`docs text: ${docsTextSource()}`);
  const nativeKinds: ContenderName[] = dtype === 'q8' ? ['native', 'nativeOneRow'] : ['native'];
  let naiveGaveUpAt: { count: number; kind: PassageKind; text: PassageText } | undefined;

  for (const plan of throughputPlans(dtype, quick).filter((p) => p.count <= maxPassages)) {
    const { query, passages } = passagesOf(plan);
    const runs: Partial<Record<ContenderName, RunRecord[]>> = {};
    const push = (name: ContenderName, run: RunRecord): void => {
      (runs[name] ??= []).push(run);
    };
    let skipNaive =
      naiveGaveUpAt !== undefined && naiveGaveUpAt.kind === plan.kind && naiveGaveUpAt.text === plan.text && plan.count >= naiveGaveUpAt.count;
    let lastLibraryScores: number[] | undefined;
    for (let rep = 0; rep < plan.reps; rep += 1) {
      const lib = await library.run(passages, 600_000, query);
      push('library', lib.record);
      lastLibraryScores = lib.scores ?? lastLibraryScores;
      await sleep(300);
      if (!skipNaive) {
        const nv = await naive.run(passages, plan.naiveCapMs, query);
        push('naive', nv.record);
        if (nv.record.failed !== undefined) {
          // A failed or stopped naive run is not repeated (here or for larger cases of this kind).
          naiveGaveUpAt = { count: plan.count, kind: plan.kind, text: plan.text };
          skipNaive = true;
          log(`  naive ${plan.count} ${plan.kind}: ${nv.record.failed}`);
        }
        await sleep(300);
      }
      for (const name of nativeKinds) {
        const reply = await native.run({
          dtype,
          threads,
          query,
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
        if (rep === 0 && lastLibraryScores !== undefined && plan.count === 100 && plan.text === 'generated') {
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
    // Per round: the library's run over the other contender's run of the same round.
    const roundRatios = (other: ContenderName): number[] =>
      (runs.library ?? []).flatMap((lib, round) => {
        const theirs = runs[other]?.[round];
        return lib.failed === undefined && theirs !== undefined && theirs.failed === undefined ? [lib.pairsPerSecond / theirs.pairsPerSecond] : [];
      });
    const bestNative = (runs.native ?? []).map((run, round) =>
      Math.max(run.pairsPerSecond, runs.nativeOneRow?.[round]?.pairsPerSecond ?? 0),
    );
    const vsBest = (runs.library ?? []).flatMap((lib, round) =>
      lib.failed === undefined && (bestNative[round] ?? 0) > 0 ? [lib.pairsPerSecond / (bestNative[round] as number)] : [],
    );
    const spreads = {
      vsNaive: spread(roundRatios('naive')),
      vsNative: spread(roundRatios('native')),
      vsNativeOneRow: spread(roundRatios('nativeOneRow')),
      vsNativeBest: spread(vsBest),
    };
    const ratios = Object.fromEntries(
      Object.entries(spreads).flatMap(([name, value]) => (value === undefined ? [] : [[name, value.median]])),
    ) as ThroughputCase['ratios'];
    const ratioRanges = Object.fromEntries(
      Object.entries(spreads).flatMap(([name, value]) => (value === undefined ? [] : [[name, value]])),
    ) as ThroughputCase['ratioRanges'];
    const entry: ThroughputCase = {
      dtype,
      count: plan.count,
      kind: plan.kind,
      text: plan.text,
      threads: { library: library.loadResult?.threads ?? 1, librarySessions, naive: naive.loadResult?.threads ?? Number.NaN, native: threads },
      runs,
      summary,
      ratios,
      ratioRanges,
      loadAverageAfter: currentLoadAverage(),
    };
    results.throughput.push(entry);
    log(
      `  ${dtype} ${plan.count} ${plan.kind} ${plan.text}: ` +
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

export const throughput: Phase = {
  name: 'throughput',
  title: 'library vs naive vs native onnxruntime-node, per dtype',
  investigation: false,
  sharedBrowser: true,
  async run(context) {
    const browser = await context.sharedBrowser();
    for (const dtype of context.dtypes) {
      await context.step(`throughput ${dtype}`, () =>
        measureThroughput(context.results, browser, context.origin, context.native, dtype, context.quick, context.maxPassages),
      );
    }
  },
};
