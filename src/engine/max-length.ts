/**
 * The most tokens a pair may have, from what the model's files say: the tokenizer's `model_max_length`
 * (tokenizer_config.json), the position embeddings (config.json) and the manifest's `max_positions`, each
 * less what the model needs around the pair. A value that would leave less than a usable pair is refused as
 * `unsupported-model` naming the field, never turned into a NaN, zero or negative length.
 */
import { RerankerError } from '../shared/errors.js';

/** The fewest tokens a pair may have (`maxLength` takes no less). */
export const MIN_PAIR_LENGTH = 8;

export interface LengthSources {
  /** The library's own cap: 512 for cross-encoders, MAX_SUPPORTED_LENGTH for exported LLM rerankers. */
  readonly cap: number;
  /** tokenizer_config.json's `model_max_length`, as read (anything: it is not trusted). */
  readonly modelMaxLength: unknown;
  /** config.json's `max_position_embeddings`, as read. */
  readonly maxPositionEmbeddings: unknown;
  /** Positions the embeddings never use (RoBERTa family: 2). */
  readonly positionOffset: number;
  /** The manifest's `max_positions` (validated with the manifest). */
  readonly maxPositions?: number | undefined;
  /** Tokens of the prompt that follows the pair budget (segments style). */
  readonly tailLength: number;
}

/** The limit, a whole number of at least MIN_PAIR_LENGTH; `model` names the model in errors. */
export function pairLengthLimit(sources: LengthSources, model: string): number {
  const candidates: { field: string; file: string; value: number }[] = [{ field: 'cap', file: '', value: sources.cap }];
  const fromTokenizer = sources.modelMaxLength;
  // transformers writes a huge sentinel (1e30) for "no limit"; zero, negative, non-numbers mean the same.
  if (typeof fromTokenizer === 'number' && Number.isFinite(fromTokenizer) && fromTokenizer > 0) {
    candidates.push({ field: 'model_max_length', file: 'tokenizer_config.json', value: Math.floor(fromTokenizer) });
  }
  const positions = sources.maxPositionEmbeddings;
  if (typeof positions === 'number' && Number.isFinite(positions) && positions > 0) {
    candidates.push({ field: 'max_position_embeddings', file: 'config.json', value: Math.floor(positions) - sources.positionOffset - sources.tailLength });
  }
  if (sources.maxPositions !== undefined) {
    candidates.push({ field: 'webgpu_reranker.max_positions', file: 'config.json', value: sources.maxPositions - sources.tailLength });
  }
  const least = candidates.reduce((a, b) => (b.value < a.value ? b : a));
  if (least.value < MIN_PAIR_LENGTH) {
    throw new RerankerError(
      'unsupported-model',
      `${model}'s ${least.file} ${least.field} leaves ${Math.max(0, least.value)} tokens for a query and passage ` +
        `(the prompt around them included); at least ${MIN_PAIR_LENGTH} are needed. Fix ${least.field} and re-export the model.`,
      { details: { field: least.field, file: least.file, limit: least.value } },
    );
  }
  return least.value;
}
