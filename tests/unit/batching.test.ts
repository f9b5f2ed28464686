import { describe, expect, it } from 'vitest';
import { buildBatchTensors, planBatches } from '../../src/engine/batching.js';

describe('planBatches', () => {
  it('sorts by length, keeps every pair exactly once and stays under the token budget', () => {
    const lengths = [50, 5, 120, 7, 64, 6, 300, 9, 8, 33];
    const plans = planBatches(lengths, 256);
    const members = plans.flatMap((plan) => plan.members);
    expect([...members].sort((a, b) => a - b)).toEqual(lengths.map((_, index) => index));
    for (const plan of plans) {
      const longest = Math.max(...plan.members.map((index) => lengths[index] ?? 0));
      expect(plan.length).toBe(longest);
      if (plan.members.length > 1) expect(plan.members.length * plan.length).toBeLessThanOrEqual(256);
    }
    // Length-sorted: every batch's rows are no longer than the next batch's shortest.
    const order = members.map((index) => lengths[index] ?? 0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('puts a pair longer than the budget alone in its batch', () => {
    expect(planBatches([600, 10], 512)).toEqual([
      { members: [1], length: 10 },
      { members: [0], length: 600 },
    ]);
  });

  it('caps rows per batch', () => {
    const plans = planBatches(Array(10).fill(4), 10_000, 4);
    expect(plans.map((plan) => plan.members.length)).toEqual([4, 4, 2]);
  });
});

describe('buildBatchTensors', () => {
  it('right-pads rows with the pad id and masks the padding', () => {
    const pairs = [
      { inputIds: [101, 5, 102], tokenTypeIds: [0, 0, 1] },
      { inputIds: [101, 102], tokenTypeIds: [0, 1] },
    ];
    const tensors = buildBatchTensors({ members: [1, 0], length: 3 }, pairs, 9);
    expect(Array.from(tensors.inputIds, Number)).toEqual([101, 102, 9, 101, 5, 102]);
    expect(Array.from(tensors.attentionMask, Number)).toEqual([1, 1, 0, 1, 1, 1]);
    expect(Array.from(tensors.tokenTypeIds, Number)).toEqual([0, 1, 0, 0, 0, 1]);
  });
});
