/**
 * Investigation tool (`--only=profile`, not in the default run): its answer is recorded in docs/benchmarks.md
 * ("Why 0.6x native is out of reach on WASM");
 * run it again when that answer may have changed (a new onnxruntime-web, another machine).
 *
 * Where a run's time goes: onnxruntime's profiler on one pair (one-word, short and mixed-length passage) run
 * alone at one thread, in the browser through the library's path (a fresh probe page per pair: ending the
 * profile ends it for the session) and in native onnxruntime-node, on the same q8 file and token ids.
 */
import type { Browser } from '@playwright/test';
import { openPage } from '../browser.js';
import { PROBE_PAGE } from '../config.js';
import type { NativeRunner } from '../native-runner.js';
import { opProfile } from '../op-profile.js';
import type { ProfileRecord, Results } from '../results.js';
import { makePassages, QUERY, type PassageKind } from '../text.js';
import { log, round } from '../util.js';
import type { Phase } from '../phase.js';

async function measureProfile(results: Results, browser: Browser, origin: string, native: NativeRunner, quick: boolean): Promise<void> {
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

export const profile: Phase = {
  name: 'profile',
  title: "onnxruntime's profiler on one pair, WASM (the library's path) and native, 1 thread",
  investigation: true,
  sharedBrowser: true,
  run: async (context) => measureProfile(context.results, await context.sharedBrowser(), context.origin, context.native, context.quick),
};
