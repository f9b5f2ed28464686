/** What a measurement phase is given, and what it declares about itself; run.ts runs the list in phases/index.ts. */
import type { Browser } from '@playwright/test';
import type { Dtype } from './config.js';
import type { NativeRunner } from './native-runner.js';
import type { Results } from './results.js';

export interface BenchContext {
  readonly results: Results;
  /** The Vite dev server (COOP/COEP headers) serving the bench pages, the demo and fixtures/bench. */
  readonly origin: string;
  readonly quick: boolean;
  /** Leave out throughput cases with more passages than this (for trying the bench out). */
  readonly maxPassages: number;
  /** q8, and fp32 when its model file exists (and `--dtypes` allows it). */
  readonly dtypes: readonly Dtype[];
  readonly hasFp32: boolean;
  readonly native: NativeRunner;
  /** One headless Chromium without WebGPU, shared by the phases with `sharedBrowser: true`; closed before any other phase. */
  sharedBrowser(): Promise<Browser>;
  /** Runs `work`; a failure goes into the results' notes and the bench goes on. Results are saved after each step. */
  step(name: string, work: () => Promise<void>): Promise<void>;
}

export interface Phase {
  /** The name `--only=` takes. */
  readonly name: string;
  /** What it measures, in one line for `--help` and the log. */
  readonly title: string;
  /**
   * An investigation tool: its answer is recorded in docs/benchmarks.md, so it runs only when named in
   * `--only=` (never in the default run).
   */
  readonly investigation: boolean;
  /** Left out of `--quick` runs unless named in `--only=`. */
  readonly skipWhenQuick?: boolean;
  /** Runs in the shared browser (see BenchContext.sharedBrowser); otherwise it launches its own. */
  readonly sharedBrowser: boolean;
  run(context: BenchContext): Promise<void>;
}
