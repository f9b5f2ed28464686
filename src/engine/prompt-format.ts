/**
 * How one [query, passage] pair becomes one model row, for every model family the library serves:
 *
 * - `segments`: query and passage are tokenized apart (each wrapped in its text template first) and joined
 *   around fixed tokens: `[CLS] q [SEP] p [SEP]` for cross-encoders (the template read off the tokenizer),
 *   `<s> Query: q <s> p` for MiniCPM-Reranker, and FlagEmbedding's LLM layout
 *   `[bos] "A: {query}" "\n" "B: {passage}" "\n" {prompt}` for bge-reranker-v2-gemma / minicpm-layerwise.
 *   Truncation is FlagEmbedding's: query capped at floor(3/4 maxLength), then only the passage is cut; the
 *   LLM layout's trailing "\n{prompt}" is appended after truncation, outside the budget, as in the card.
 * - `chat`: the whole prompt is rendered through the tokenizer's chat template and tokenized at once
 *   (lb-reranker). Tokenizing the pieces apart would differ: byte-level BPE merges across the boundaries
 *   (`?` + `\n\n` is one pre-token). The card sets no truncation; a row over `maxLength` keeps the longest
 *   query prefix of at most floor(3/4 maxLength) tokens and then the longest passage prefix (whole code
 *   points) whose rendered prompt fits.
 * - `wrapped`: a fixed prefix, one text holding instruction, query and passage, and a fixed suffix, each
 *   tokenized apart (Qwen3-Reranker). The middle text is tokenized whole, as the card does, and only its token
 *   ids are cut, from the end, so that the row fits `maxLength` with the prefix and suffix.
 */
import { encodePair, passageRoom, queryTokenLimit, type EncodedPair, type PairTemplate } from './pair-encoding.js';
import { RerankerError } from '../shared/errors.js';

export interface SegmentsFormat {
  readonly kind: 'segments';
  readonly template: PairTemplate;
  /** The text the query is tokenized as (e.g. `A: ${query}`). */
  queryText(query: string): string;
  passageText(passage: string): string;
  /** Tokens appended after truncation that do not count against maxLength (FlagEmbedding's `\n{prompt}`). */
  readonly tail: readonly number[];
  /** Tokens put before the row after truncation, outside maxLength too (mxbai v2's chat prefix). */
  readonly lead: readonly number[];
  /** The passage is tokenized as it is, so token windows of it (chunking) are windows of the passage. */
  readonly verbatimPassage: boolean;
}

export interface ChatFormat {
  readonly kind: 'chat';
  /** The whole prompt text of one pair. */
  render(query: string, passage: string): string;
}

export interface WrappedFormat {
  readonly kind: 'wrapped';
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
  /** The middle text of one pair. */
  render(query: string, passage: string): string;
}

export type PromptFormat = SegmentsFormat | ChatFormat | WrappedFormat;

/** The cross-encoder layout: the tokenizer's pair template around the bare texts. */
export function crossEncoderFormat(template: PairTemplate): SegmentsFormat {
  return { kind: 'segments', template, queryText: (q) => q, passageText: (p) => p, tail: [], lead: [], verbatimPassage: true };
}

/**
 * Fills `{name}` slots in one pass, so a query that itself contains `{passage}` is left as typed.
 * Unknown slots are left as they are.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (slot, name: string) => values[name] ?? slot);
}

/** Whether token windows of the passage can be scored one by one (see ChunkingOptions). */
export function supportsChunking(format: PromptFormat): boolean {
  return format.kind === 'segments' && format.verbatimPassage;
}

/** Segments layout: FlagEmbedding truncation of the (already wrapped and tokenized) texts, then lead and tail. */
export function encodeSegmentsRow(
  queryIds: readonly number[],
  passageIds: readonly number[],
  format: SegmentsFormat,
  maxLength: number,
): EncodedPair {
  const row = encodePair(queryIds, passageIds, format.template, maxLength);
  if (format.tail.length === 0 && format.lead.length === 0) return row;
  const tailType = format.template.typeIds.suffix;
  const leadType = format.template.typeIds.prefix;
  return {
    inputIds: [...format.lead, ...row.inputIds, ...format.tail],
    tokenTypeIds: [...format.lead.map(() => leadType), ...row.tokenTypeIds, ...format.tail.map(() => tailType)],
    truncated: row.truncated,
  };
}

/** Passage tokens one row can hold beside the query (chunk window size); tail tokens are outside the budget. */
export function segmentsPassageRoom(queryLength: number, format: SegmentsFormat, maxLength: number): number {
  return passageRoom(queryLength, format.template, maxLength);
}

/** Chat layout: render, tokenize whole; cut the query, then the passage, only when the row is too long. */
export function encodeChatRow(
  query: string,
  passage: string,
  format: ChatFormat,
  tokenize: (text: string) => number[],
  maxLength: number,
): EncodedPair {
  let truncated = false;
  let keptQuery = query;
  const queryCap = queryTokenLimit(maxLength);
  if (tokenize(query).length > queryCap) {
    keptQuery = longestFittingPrefix(query, (prefix) => tokenize(prefix).length <= queryCap);
    truncated = true;
  }
  let ids = tokenize(format.render(keptQuery, passage));
  if (ids.length > maxLength) {
    const kept = longestFittingPrefix(passage, (prefix) => tokenize(format.render(keptQuery, prefix)).length <= maxLength);
    ids = tokenize(format.render(keptQuery, kept));
    truncated = true;
    if (ids.length > maxLength) {
      throw new RerankerError(
        'invalid-input',
        `maxLength ${maxLength} is too small for this model's prompt: its template alone takes ${ids.length} tokens. ` +
          'Use a larger maxLength.',
        { details: { argument: 'maxLength' } },
      );
    }
  }
  return { inputIds: ids, tokenTypeIds: new Array<number>(ids.length).fill(0), truncated };
}

/** Wrapped layout: prefix, the middle text's ids cut from the end to fit, suffix. */
export function encodeWrappedRow(middleIds: readonly number[], format: WrappedFormat, maxLength: number): EncodedPair {
  const room = maxLength - format.prefix.length - format.suffix.length;
  if (room < 1) {
    throw new RerankerError(
      'invalid-input',
      `maxLength ${maxLength} is too small for this model's prompt: its fixed parts alone take ` +
        `${format.prefix.length + format.suffix.length} tokens. Use a larger maxLength.`,
      { details: { argument: 'maxLength' } },
    );
  }
  const kept = middleIds.length > room ? middleIds.slice(0, room) : middleIds;
  const inputIds = [...format.prefix, ...kept, ...format.suffix];
  return { inputIds, tokenTypeIds: new Array<number>(inputIds.length).fill(0), truncated: kept.length < middleIds.length };
}

/**
 * The longest prefix of `text`, cut at a code point boundary, that `fits` accepts (token counts grow with the
 * prefix, so a binary search over the cut finds it with some 20 tokenizations for a 100,000-character text).
 */
function longestFittingPrefix(text: string, fits: (prefix: string) => boolean): string {
  const points = Array.from(text);
  let low = 0;
  let high = points.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(points.slice(0, middle).join(''))) low = middle;
    else high = middle - 1;
  }
  return points.slice(0, low).join('');
}
