/**
 * Score head of LLM rerankers read from the logit of an answer token at the last real position
 * (BAAI/bge-reranker-v2-gemma, see docs/model-cards/bge-reranker-v2.md: `logits[:, -1, yes_loc]`; with two
 * tokens, Qwen3-Reranker and mxbai-rerank v2, see docs/model-cards/qwen3-reranker.md and mxbai-rerank-v2.md).
 * The exported graph returns only those tokens' logits, one row per pair:
 *   one token (`Yes`):        score = logit(Yes), as FlagLLMReranker's compute_score returns it;
 *   two tokens (`yes`, `no`; mxbai: `1`, `0`): score = logit(yes) - logit(no), whose sigmoid is softmax's
 *   P(yes) over the two.
 * `normalize` is the sigmoid in both cases (FlagLLMReranker's `normalize=True`).
 */
import { sigmoid } from './sequence-classification.js';

export function yesTokenScores(output: Float32Array, rows: number, tokens: number): number[] {
  if (tokens !== 1 && tokens !== 2) throw new RangeError(`a yes-token head reads 1 or 2 token logits, not ${tokens}`);
  if (output.length !== rows * tokens) {
    throw new RangeError(`expected ${rows} x ${tokens} token logits, got ${output.length} values`);
  }
  const scores = new Array<number>(rows);
  for (let row = 0; row < rows; row++) {
    const yes = output[row * tokens] as number;
    scores[row] = tokens === 1 ? yes : yes - (output[row * tokens + 1] as number);
  }
  return scores;
}

export const normalizeYesToken = sigmoid;
