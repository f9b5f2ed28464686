/**
 * From `[query, passage]` texts to the model rows of one call, and from the rows' scores back to one
 * score per pair. Without chunking a pair is one (possibly truncated) row; with chunking it is one row per
 * token window and scores as its best window.
 */
import { planWindows, type TokenWindow } from './chunking.js';
import { queryTokenLimit, type EncodedPair } from './pair-encoding.js';
import {
  encodeChatRow,
  encodeSegmentsRow,
  encodeWrappedRow,
  segmentsPassageRoom,
  supportsChunking,
  type PromptFormat,
} from './prompt-format.js';
import { RerankerError, describeCause } from '../shared/errors.js';
import type { TokenCache } from './token-cache.js';
import type { ChunkingSettings } from '../shared/types.js';

export interface RowModel {
  readonly prompt: PromptFormat;
  readonly maxLength: number;
  tokenize(text: string): number[];
}

export interface PlannedPair {
  /** Index of the pair's first row in `rows`; its windows' rows follow in order. */
  readonly firstRow: number;
  readonly windows: readonly TokenWindow[];
  /** Windows needed to cover the passage (`windows.length` unless `maxChunksPerDoc` cut some off). */
  readonly total: number;
  /** Some query or passage tokens are in no row. */
  readonly truncated: boolean;
  /** The passage's tokens (no special tokens), kept to trace the winning window back to characters. */
  readonly passageIds: readonly number[];
}

export interface PlannedRows {
  readonly rows: readonly EncodedPair[];
  readonly pairs: readonly PlannedPair[];
}

export interface PairScore {
  readonly score: number;
  readonly truncated: boolean;
  /** With chunking: which window won (the first of equal best scores). */
  readonly window?: { readonly index: number; readonly count: number; readonly total: number } & TokenWindow;
}

/**
 * `argument` names the texts in errors: `documents` (rerank: one query, the passages are `documents[i]`)
 * or `pairs` (score: `pairs[i]`).
 */
export function planRows(
  pairs: readonly (readonly [string, string])[],
  model: RowModel,
  chunking: ChunkingSettings | false,
  argument: 'documents' | 'pairs' = 'pairs',
): PlannedRows {
  const planner = new RowPlanner(model, chunking, argument);
  pairs.forEach((pair, index) => planner.add(pair, index));
  return planner.planned;
}

/**
 * Plans rows one pair at a time, so a caller can start running full batches while later pairs are still
 * being tokenized (see RerankEngine's streamed path). Pairs must be added in index order.
 */
export class RowPlanner {
  readonly #model: RowModel;
  readonly #chunking: ChunkingSettings | false;
  readonly #argument: 'documents' | 'pairs';
  readonly #rows: EncodedPair[] = [];
  readonly #pairs: PlannedPair[] = [];
  /** The query repeats in every pair of a rerank call: tokenize each distinct query once. */
  readonly #queryIds = new Map<string, readonly number[]>();

  readonly #cache: TokenCache | undefined;

  /** `cache`: token ids kept across calls (see token-cache.ts); passages and queries are looked up there first. */
  constructor(model: RowModel, chunking: ChunkingSettings | false, argument: 'documents' | 'pairs', cache?: TokenCache) {
    if (chunking !== false && !supportsChunking(model.prompt)) throw chunkingUnsupported();
    this.#model = model;
    this.#chunking = chunking;
    this.#argument = argument;
    this.#cache = cache;
  }

  #tokenize(text: string, where: string, index: number): readonly number[] {
    const tokenize = (value: string): number[] => tokenizeOrExplain(this.#model, value, where, this.#argument, index);
    return this.#cache === undefined ? tokenize(text) : this.#cache.ids(text, tokenize);
  }

  get planned(): PlannedRows {
    return { rows: this.#rows, pairs: this.#pairs };
  }

  /** Tokenizes one pair; returns how many rows it added (at the end of `planned.rows`). */
  add([query, passage]: readonly [string, string], index: number): number {
    const model = this.#model;
    const { prompt } = model;
    const rows = this.#rows;
    const before = rows.length;
    const argument = this.#argument;
    const where = (part: 0 | 1): string =>
      argument === 'documents' ? (part === 0 ? 'query' : `documents[${index}]`) : `pairs[${index}][${part}]`;
    if (prompt.kind === 'chat') {
      // The whole prompt is tokenized at once (see prompt-format.ts); a failure is reported at the pair's passage.
      const row = explainTokenizerFailure(passage, where(1), argument, index, () =>
        encodeChatRow(query, passage, prompt, model.tokenize, model.maxLength),
      );
      rows.push(row);
      this.#pairs.push({ firstRow: before, windows: [{ start: 0, end: 0 }], total: 1, truncated: row.truncated, passageIds: [] });
      return 1;
    }
    if (prompt.kind === 'wrapped') {
      // One text holds query and passage (see prompt-format.ts); a failure is reported at the pair's passage.
      const row = encodeWrappedRow(this.#tokenize(prompt.render(query, passage), where(1), index), prompt, model.maxLength);
      rows.push(row);
      this.#pairs.push({ firstRow: before, windows: [{ start: 0, end: 0 }], total: 1, truncated: row.truncated, passageIds: [] });
      return 1;
    }
    let ids = this.#queryIds.get(query);
    if (ids === undefined) {
      ids = this.#tokenize(prompt.queryText(query), where(0), index);
      this.#queryIds.set(query, ids);
    }
    const passageIds = this.#tokenize(prompt.passageText(passage), where(1), index);
    const chunking = this.#chunking;
    if (chunking === false) {
      const row = encodeSegmentsRow(ids, passageIds, prompt, model.maxLength);
      rows.push(row);
      this.#pairs.push({ firstRow: before, windows: [{ start: 0, end: passageIds.length }], total: 1, truncated: row.truncated, passageIds });
      return 1;
    }
    const room = segmentsPassageRoom(ids.length, prompt, model.maxLength);
    const plan = planWindows(passageIds.length, room, chunking);
    for (const window of plan.windows) {
      rows.push(encodeSegmentsRow(ids, passageIds.slice(window.start, window.end), prompt, model.maxLength));
    }
    const queryTruncated = ids.length > queryTokenLimit(model.maxLength);
    this.#pairs.push({ firstRow: before, windows: plan.windows, total: plan.total, truncated: plan.truncated || queryTruncated, passageIds });
    return rows.length - before;
  }
}

/** Chunking scores windows of the passage's own tokens; a prompt that wraps the passage has none to offer. */
export function chunkingUnsupported(): RerankerError {
  return new RerankerError(
    'invalid-input',
    "chunking is not supported by this model's prompt format (it wraps the passage, e.g. 'B: {passage}' or a chat " +
      'template); long passages are truncated instead (results say truncated: true). Leave chunking off.',
    { details: { argument: 'chunking' } },
  );
}

/**
 * The tokenizer is third-party code fed arbitrary user text; if it throws on a text (transformers.js's
 * SentencePiece tokenizer overflows its stack on strings of some 600,000 characters), say which text, as
 * bad input, instead of an unexplained failure of the call.
 */
function tokenizeOrExplain(model: RowModel, text: string, where: string, argument: string, index: number): number[] {
  return explainTokenizerFailure(text, where, argument, index, () => model.tokenize(text));
}

function explainTokenizerFailure<T>(text: string, where: string, argument: string, index: number, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof RerankerError) throw error;
    throw new RerankerError(
      'invalid-input',
      `${where} (${text.length.toLocaleString('en-US')} characters) could not be tokenized: ${describeCause(error)}. ` +
        'Shorten or clean that text.',
      { details: { argument, index }, cause: error },
    );
  }
}

/** One score per pair: the row's score, or with chunking the best of its windows' rows. */
export function pairScores(planned: PlannedRows, rowScores: readonly number[], chunked: boolean): PairScore[] {
  return planned.pairs.map((pair) => {
    let best = 0;
    for (let index = 1; index < pair.windows.length; index++) {
      const candidate = rowScores[pair.firstRow + index] ?? Number.NaN;
      const current = rowScores[pair.firstRow + best] ?? Number.NaN;
      // Strictly greater: on a tie the earlier window wins, so results do not depend on float noise order.
      // A NaN window loses to any number (NaN compares false both ways): NaN only when every window is NaN.
      if (candidate > current || (Number.isNaN(current) && !Number.isNaN(candidate))) best = index;
    }
    const score = rowScores[pair.firstRow + best] ?? Number.NaN;
    const window = pair.windows[best];
    if (!chunked || window === undefined) return { score, truncated: pair.truncated };
    return {
      score,
      truncated: pair.truncated,
      window: { index: best, count: pair.windows.length, total: pair.total, start: window.start, end: window.end },
    };
  });
}
