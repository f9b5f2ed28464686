/**
 * Score head of cross-encoders with a one-logit sequence-classification head
 * (ms-marco-MiniLM, bge-reranker-base/large/v2-m3, see docs/model-cards/flagembedding-reranker.md;
 * MiniCPM-Reranker, see docs/model-cards/minicpm-reranker.md):
 * the score is the raw logit, as `model(**inputs).logits.view(-1)` gives in Python;
 * `normalize` maps it through a sigmoid, as FlagReranker's `compute_score(normalize=True)` does.
 */

/** `logits` is the flat [batch, 1] output; returns one score per row. */
export function scoresFromLogits(logits: Float32Array, batchSize: number): number[] {
  if (logits.length !== batchSize) {
    throw new RangeError(`expected ${batchSize} logits (one label per pair), got ${logits.length}`);
  }
  return Array.from(logits);
}

export function sigmoid(x: number): number {
  // Split by sign so large |x| neither overflows exp nor loses precision.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
