/**
 * Score head of layerwise rerankers (BAAI/bge-reranker-v2-minicpm-layerwise, see docs/model-cards/bge-reranker-v2.md:
 * `model(**inputs, cutoff_layers=[n])` -> `scores[:, -1]`): the cutoff layer's own score head at the last real
 * position. The exported graph for layer n is cut after that layer and returns that one number per pair.
 * Values of different cutoff layers are not comparable with each other; only the order within one layer is.
 * `normalize` is the sigmoid (LayerWiseFlagLLMReranker's `normalize=True`).
 */
import { sigmoid } from './sequence-classification.js';

export function layerwiseScores(output: Float32Array, rows: number): number[] {
  if (output.length !== rows) throw new RangeError(`expected ${rows} layer scores (one per pair), got ${output.length}`);
  return Array.from(output);
}

export const normalizeLayerwise = sigmoid;
