/**
 * Builds cross-encoder inputs exactly as FlagEmbedding's FlagReranker does in Python:
 * query and passage are tokenized without special tokens, the query is capped at
 * floor(maxLength * 3 / 4) tokens, then only the passage is cut ("only_second"), so the closing
 * separator always survives and an empty passage keeps both separators.
 *
 * transformers.js's own pair truncation cuts the end of the joined sequence instead and drops the
 * separator of an empty passage, which moves scores (docs/design.md, pair encoding); hence this file.
 */
import { RerankerError } from '../shared/errors.js';

/**
 * Where the special tokens go around the two segments, read off the tokenizer's own post-processor
 * (`[CLS] A [SEP] B [SEP]` for BERT, `<s> A </s></s> B </s>` for XLM-RoBERTa).
 */
export interface PairTemplate {
  readonly prefix: readonly number[];
  readonly middle: readonly number[];
  readonly suffix: readonly number[];
  /** token_type_id of prefix, A, middle, B and suffix positions. */
  readonly typeIds: { readonly prefix: number; readonly a: number; readonly middle: number; readonly b: number; readonly suffix: number };
}

export interface EncodedPair {
  readonly inputIds: number[];
  readonly tokenTypeIds: number[];
  /** True when query or passage lost tokens to the length limit. */
  readonly truncated: boolean;
}

export function specialTokenCount(template: PairTemplate): number {
  return template.prefix.length + template.middle.length + template.suffix.length;
}

/**
 * Derives the template from one probe: the tokenizer encoded segment A alone, segment B alone (both
 * without special tokens) and the pair with special tokens. The pair must read prefix A middle B suffix.
 */
export function deriveTemplate(probe: {
  aIds: readonly number[];
  bIds: readonly number[];
  pairIds: readonly number[];
  pairTypeIds: readonly number[] | undefined;
}): PairTemplate {
  const { aIds, bIds, pairIds } = probe;
  const typeIds = probe.pairTypeIds ?? pairIds.map(() => 0);
  const aStart = indexOfSequence(pairIds, aIds, 0);
  const bStart = aStart < 0 ? -1 : indexOfSequence(pairIds, bIds, aStart + aIds.length);
  if (aIds.length === 0 || bIds.length === 0 || aStart < 0 || bStart < 0) {
    throw new RerankerError(
      'unsupported-model',
      'The tokenizer does not encode a text pair as "prefix A middle B suffix", so this model is not a ' +
        'cross-encoder this library can feed. Use a sequence-classification reranker such as ' +
        'Xenova/ms-marco-MiniLM-L-6-v2 or a bge-reranker.',
    );
  }
  const bEnd = bStart + bIds.length;
  const typeAt = (position: number, fallback: number): number => typeIds[position] ?? fallback;
  return {
    prefix: pairIds.slice(0, aStart),
    middle: pairIds.slice(aStart + aIds.length, bStart),
    suffix: pairIds.slice(bEnd),
    typeIds: {
      prefix: typeAt(0, 0),
      a: typeAt(aStart, 0),
      middle: typeAt(aStart + aIds.length, typeAt(aStart, 0)),
      b: typeAt(bStart, 0),
      suffix: typeAt(bEnd, typeAt(bStart, 0)),
    },
  };
}

function indexOfSequence(haystack: readonly number[], needle: readonly number[], from: number): number {
  outer: for (let start = from; start + needle.length <= haystack.length; start++) {
    for (let offset = 0; offset < needle.length; offset++) {
      if (haystack[start + offset] !== needle[offset]) continue outer;
    }
    return start;
  }
  return -1;
}

/** FlagEmbedding's default: the query gets at most three quarters of the pair. */
export function queryTokenLimit(maxLength: number): number {
  return Math.floor((maxLength * 3) / 4);
}

/**
 * Passage tokens that fit in one pair beside a query of `queryLength` tokens (before its cap) and the
 * special tokens; 0 when the capped query leaves no room (tiny `maxLength`).
 */
export function passageRoom(queryLength: number, template: PairTemplate, maxLength: number): number {
  const query = Math.min(queryLength, queryTokenLimit(maxLength));
  return Math.max(0, maxLength - query - specialTokenCount(template));
}

/** Joins already-tokenized query and passage ids (no special tokens) into one truncated pair. */
export function encodePair(
  queryIds: readonly number[],
  passageIds: readonly number[],
  template: PairTemplate,
  maxLength: number,
): EncodedPair {
  const query = queryIds.slice(0, queryTokenLimit(maxLength));
  const passage = passageIds.slice(0, passageRoom(queryIds.length, template, maxLength));
  const truncated = query.length < queryIds.length || passage.length < passageIds.length;
  const { prefix, middle, suffix, typeIds } = template;
  const inputIds = [...prefix, ...query, ...middle, ...passage, ...suffix];
  const tokenTypeIds = [
    ...prefix.map(() => typeIds.prefix),
    ...query.map(() => typeIds.a),
    ...middle.map(() => typeIds.middle),
    ...passage.map(() => typeIds.b),
    ...suffix.map(() => typeIds.suffix),
  ];
  return { inputIds, tokenTypeIds, truncated };
}
