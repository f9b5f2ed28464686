/**
 * Pair encoding for the native (onnxruntime-node) contender, written here so the bench does not depend
 * on the library's internals: FlagReranker's rule, as the library applies it (query capped at
 * floor(maxLength * 3 / 4) tokens, then only the passage is cut), with the special tokens read off the
 * tokenizer's own pair template. The bench checks that native and library scores agree, so any drift
 * between the two encoders shows up in the results.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';

export interface PairTemplate {
  readonly prefix: readonly number[];
  readonly middle: readonly number[];
  readonly suffix: readonly number[];
  /** token type id of the prefix, the query, the middle, the passage and the suffix */
  readonly types: readonly [number, number, number, number, number];
}

export interface EncodedPair {
  readonly ids: number[];
  readonly types: number[];
}

function indexOfRun(haystack: readonly number[], needle: readonly number[], from: number): number {
  for (let start = from; start + needle.length <= haystack.length; start += 1) {
    if (needle.every((id, offset) => haystack[start + offset] === id)) return start;
  }
  return -1;
}

/** `pairIds`/`pairTypes`: the tokenizer's encoding of the pair (a, b) with special tokens. */
export function templateFromProbe(
  aIds: readonly number[],
  bIds: readonly number[],
  pairIds: readonly number[],
  pairTypes: readonly number[] | undefined,
): PairTemplate {
  const aAt = indexOfRun(pairIds, aIds, 0);
  const bAt = indexOfRun(pairIds, bIds, aAt + aIds.length);
  if (aAt < 0 || bAt < 0) throw new Error(`cannot read the pair template from ${JSON.stringify(pairIds)}`);
  const type = (position: number): number => pairTypes?.[position] ?? 0;
  const suffixAt = bAt + bIds.length;
  return {
    prefix: pairIds.slice(0, aAt),
    middle: pairIds.slice(aAt + aIds.length, bAt),
    suffix: pairIds.slice(suffixAt),
    types: [type(0), type(aAt), type(aAt + aIds.length), type(bAt), type(suffixAt)],
  };
}

/** The pair template of a transformers.js tokenizer, read off its encoding of the pair ("a", "b"). */
export function templateOfTokenizer(tokenizer: PreTrainedTokenizer): PairTemplate {
  const aIds = tokenizer.encode('a', { add_special_tokens: false });
  const bIds = tokenizer.encode('b', { add_special_tokens: false });
  const pair = tokenizer('a', { text_pair: 'b', return_tensor: false, return_token_type_ids: true }) as unknown as {
    input_ids: number[];
    token_type_ids?: number[];
  };
  return templateFromProbe(aIds, bIds, pair.input_ids, pair.token_type_ids);
}

export function encodePair(template: PairTemplate, queryIds: readonly number[], passageIds: readonly number[], maxLength: number): EncodedPair {
  const special = template.prefix.length + template.middle.length + template.suffix.length;
  const query = queryIds.slice(0, Math.floor((maxLength * 3) / 4));
  const passage = passageIds.slice(0, Math.max(0, maxLength - special - query.length));
  const ids = [...template.prefix, ...query, ...template.middle, ...passage, ...template.suffix];
  const [tPrefix, tQuery, tMiddle, tPassage, tSuffix] = template.types;
  const types = [
    ...template.prefix.map(() => tPrefix),
    ...query.map(() => tQuery),
    ...template.middle.map(() => tMiddle),
    ...passage.map(() => tPassage),
    ...template.suffix.map(() => tSuffix),
  ];
  return { ids, types };
}

/** Flat int64 inputs of one batch, each row padded with zeros (mask 0) to the longest; both contenders wrap them in their own Tensor class. */
export function padBatch(pairs: readonly EncodedPair[]): { ids: BigInt64Array; mask: BigInt64Array; types: BigInt64Array; dims: number[] } {
  const length = Math.max(...pairs.map((pair) => pair.ids.length));
  const ids = new BigInt64Array(pairs.length * length);
  const mask = new BigInt64Array(pairs.length * length);
  const types = new BigInt64Array(pairs.length * length);
  pairs.forEach((pair, row) => {
    pair.ids.forEach((id, position) => {
      ids[row * length + position] = BigInt(id);
      mask[row * length + position] = 1n;
      types[row * length + position] = BigInt(pair.types[position] ?? 0);
    });
  });
  return { ids, mask, types, dims: [pairs.length, length] };
}

/** Length-sorted batches: at most `maxRows` rows and `tokenBudget` padded tokens (rows x longest) each. */
export function planBatches(lengths: readonly number[], tokenBudget: number, maxRows: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[a] ?? 0) - (lengths[b] ?? 0) || a - b);
  const batches: number[][] = [];
  let batch: number[] = [];
  let longest = 0;
  for (const index of order) {
    const length = lengths[index] ?? 0;
    if (batch.length > 0 && (batch.length >= maxRows || (batch.length + 1) * Math.max(longest, length) > tokenBudget)) {
      batches.push(batch);
      batch = [];
      longest = 0;
    }
    batch.push(index);
    longest = Math.max(longest, length);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
