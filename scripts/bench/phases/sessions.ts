/**
 * Investigation tool (`--only=sessions`, not in the default run): its answer is recorded in docs/benchmarks.md
 * ("WASM sessions against WASM threads");
 * run it again when that answer may have changed (a new onnxruntime-web, another machine).
 *
 * The library with `wasmSessions` 1 and 2 (one thread each), interleaved, on a quiet machine and with a
 * busy-looping process holding one core: the measurements behind the `wasmSessions` default.
 */
import type { Browser } from '@playwright/test';
import { spawn } from 'node:child_process';
import { LIBRARY_PAGE, MODEL, MODEL_BASE } from '../config.js';
import { PageContender } from '../contenders.js';
import { currentLoadAverage } from '../machine.js';
import type { Results, SessionsRecord } from '../results.js';
import { makePassages, type PassageKind } from '../text.js';
import { log, median, round, sleep } from '../util.js';
import type { Phase } from '../phase.js';

async function measureSessions(results: Results, browser: Browser, origin: string, quick: boolean): Promise<void> {
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

export const sessions: Phase = {
  name: 'sessions',
  title: 'the library with 1 or 2 WASM sessions side by side, q8, quiet and with one core held',
  investigation: true,
  sharedBrowser: true,
  run: async (context) => measureSessions(context.results, await context.sharedBrowser(), context.origin, context.quick),
};
