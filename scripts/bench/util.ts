/** Small helpers shared by the phases: statistics, rounding, logging, run records. */
import type { ContenderSummary, RunRecord } from './results.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median and range of per-round ratios, rounded to 2 digits; undefined without rounds. */
export function spread(values: readonly number[]): { median: number; min: number; max: number; rounds: number } | undefined {
  if (values.length === 0) return undefined;
  return { median: round(median(values), 2), min: round(Math.min(...values), 2), max: round(Math.max(...values), 2), rounds: values.length };
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function log(message: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  a.forEach((value, index) => {
    worst = Math.max(worst, Math.abs(value - (b[index] ?? Number.NaN)));
  });
  return worst;
}

export function record(ms: number, count: number, extra: Omit<RunRecord, 'ms' | 'pairsPerSecond'> = {}): RunRecord {
  return { ms: round(ms), pairsPerSecond: round((count / ms) * 1000, 2), ...extra };
}

export function summarize(runs: readonly RunRecord[] | undefined, count: number): ContenderSummary | undefined {
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
