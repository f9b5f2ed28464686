/**
 * Score head of rerankers that answer with a relevance digit (lightblue/lb-reranker-0.5B-v1.0, see
 * docs/model-cards/lb-reranker-0.5b.md): score = sum over d = 1..K of d * P(d), where P(d) is the probability of
 * the token `d` at the next position under the softmax over the WHOLE vocabulary (the card reads vLLM's
 * logprobs). The exported graph returns log P(d) for d = 1..K (K = 7), so probability left on other tokens
 * lowers the score, as in the card.
 * `normalize` maps the 1..K scale onto 0..1: (score - 1) / (K - 1), clamped (a score can fall below 1 when
 * the digits hold less than all of the probability).
 */

export function digitExpectationScores(output: Float32Array, rows: number, digits: number): number[] {
  if (output.length !== rows * digits) {
    throw new RangeError(`expected ${rows} x ${digits} digit log-probabilities, got ${output.length} values`);
  }
  const scores = new Array<number>(rows);
  for (let row = 0; row < rows; row++) {
    let expected = 0;
    for (let d = 0; d < digits; d++) expected += (d + 1) * Math.exp(output[row * digits + d] as number);
    scores[row] = expected;
  }
  return scores;
}

export function normalizeDigitExpectation(score: number, digits: number): number {
  return Math.min(1, Math.max(0, (score - 1) / (digits - 1)));
}
