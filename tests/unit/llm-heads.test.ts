/** The LLM score heads on hand-computed outputs: the model cards' formulas, row by row. */
import { describe, expect, it } from 'vitest';
import { scoreHead } from '../../src/engine/heads/score-head.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('yes-token head (bge-reranker-v2-gemma: logits[:, -1, yes])', () => {
  it('reads the one token logit of each row', () => {
    const head = scoreHead('yes-token', 1);
    expect(head.scores(new Float32Array([2.5, -1.25]), 2)).toEqual([2.5, -1.25]);
    expect(head.normalize(2.5)).toBeCloseTo(sigmoid(2.5), 12);
  });

  it('with two tokens scores logit(yes) - logit(no), whose sigmoid is P(yes) of the two', () => {
    const head = scoreHead('yes-token', 2);
    const [a, b] = head.scores(new Float32Array([3, 1, 0, 2]), 2);
    expect([a, b]).toEqual([2, -2]);
    const pYes = Math.exp(3) / (Math.exp(3) + Math.exp(1));
    expect(head.normalize(a as number)).toBeCloseTo(pYes, 12);
  });

  it('refuses an output of the wrong width', () => {
    expect(() => scoreHead('yes-token', 1).scores(new Float32Array(3), 2)).toThrow(RangeError);
  });
});

describe('digit-expectation head (lb-reranker: sum of d * P(d), d = 1..7)', () => {
  it('takes the expectation over the full-softmax digit probabilities', () => {
    const head = scoreHead('digit-expectation', 7);
    const probabilities = [0.1, 0.2, 0.3, 0.4, 0, 0, 0];
    const second = [0, 0, 0, 0, 0, 0.5, 0.25]; // a quarter of the mass on other tokens lowers the score
    const output = Float32Array.from([...probabilities, ...second].map((p) => Math.log(p)));
    const [first, other] = head.scores(output, 2);
    expect(first).toBeCloseTo(1 * 0.1 + 2 * 0.2 + 3 * 0.3 + 4 * 0.4, 6);
    expect(other).toBeCloseTo(6 * 0.5 + 7 * 0.25, 6);
    expect(head.normalize(first as number)).toBeCloseTo((3 - 1) / 6, 6);
    expect(head.normalize(0.5)).toBe(0);
    expect(head.normalize(7)).toBe(1);
  });
});

describe('layerwise head (bge-reranker-v2-minicpm-layerwise: the cutoff layer score at [:, -1])', () => {
  it('passes the one score per row through; normalize is the sigmoid', () => {
    const head = scoreHead('layerwise');
    expect(head.scores(new Float32Array([0.5, -3]), 2)).toEqual([0.5, -3]);
    expect(head.normalize(-3)).toBeCloseTo(sigmoid(-3), 12);
    expect(() => head.scores(new Float32Array([1, 2, 3]), 2)).toThrow(RangeError);
  });
});
