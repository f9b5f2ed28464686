import { describe, expect, it } from 'vitest';
import { runBatchesInLanes } from '../../src/engine/batch-lanes.js';

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('runBatchesInLanes', () => {
  it('runs every plan once, at most `parallelRuns` at a time', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runBatchesInLanes([1, 2, 3, 4, 5, 6, 7], 3, async (plan) => {
      running += 1;
      peak = Math.max(peak, running);
      await tick(plan % 3);
      done.push(plan);
      running -= 1;
    });
    expect([...done].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('one lane when parallelRuns is unset, and never more lanes than plans', async () => {
    let running = 0;
    let peak = 0;
    const run = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await tick(1);
      running -= 1;
    };
    await runBatchesInLanes([1, 2, 3], undefined, run);
    expect(peak).toBe(1);
    peak = 0;
    await runBatchesInLanes([1], 8, run);
    expect(peak).toBe(1);
  });

  it('after a failure starts no other batch, waits for the running ones, then throws the first error', async () => {
    const started: number[] = [];
    let slowFinished = false;
    const outcome = runBatchesInLanes([1, 2, 3, 4, 5], 2, async (plan) => {
      started.push(plan);
      if (plan === 1) throw new Error('batch 1 failed');
      await tick(20);
      if (plan === 2) slowFinished = true;
    });
    await expect(outcome).rejects.toThrow('batch 1 failed');
    expect(slowFinished).toBe(true);
    expect(started).toEqual([1, 2]);
  });
});
