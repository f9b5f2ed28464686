/**
 * From `[query, passage]` texts to the model rows of one call, and from the rows' scores back to one
 * score per pair. Without chunking a pair is one (possibly truncated) row; with chunking it is one row per
 * token window and scores as its best window.
 */
import { planWindows, type TokenWindow } from './chunking.js';
import { encodePair, passageRoom, queryTokenLimit, type EncodedPair, type PairTemplate } from './pair-encoding.js';
import { RerankerError, describeCause } from '../shared/errors.js';
import type { ChunkingSettings } from '../shared/types.js';

export interface RowModel {
  readonly template: PairTemplate;
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
  // The query repeats in every pair of a rerank call: tokenize each distinct query once.
  const queryIds = new Map<string, number[]>();
  const rows: EncodedPair[] = [];
  const planned = pairs.map(([query, passage], index): PlannedPair => {
    let ids = queryIds.get(query);
    if (ids === undefined) {
      ids = tokenizeOrExplain(model, query, argument === 'documents' ? 'query' : `pairs[${index}][0]`, argument, index);
      queryIds.set(query, ids);
    }
    const passageIds = tokenizeOrExplain(model, passage, argument === 'documents' ? `documents[${index}]` : `pairs[${index}][1]`, argument, index);
    const firstRow = rows.length;
    if (chunking === false) {
      const row = encodePair(ids, passageIds, model.template, model.maxLength);
      rows.push(row);
      return { firstRow, windows: [{ start: 0, end: passageIds.length }], total: 1, truncated: row.truncated, passageIds };
    }
    const room = passageRoom(ids.length, model.template, model.maxLength);
    const plan = planWindows(passageIds.length, room, chunking);
    for (const window of plan.windows) {
      rows.push(encodePair(ids, passageIds.slice(window.start, window.end), model.template, model.maxLength));
    }
    const queryTruncated = ids.length > queryTokenLimit(model.maxLength);
    return { firstRow, windows: plan.windows, total: plan.total, truncated: plan.truncated || queryTruncated, passageIds };
  });
  return { rows, pairs: planned };
}

/**
 * The tokenizer is third-party code fed arbitrary user text; if it throws on a text (transformers.js's
 * SentencePiece tokenizer overflows its stack on strings of some 600,000 characters), say which text, as
 * bad input, instead of an unexplained failure of the call.
 */
function tokenizeOrExplain(model: RowModel, text: string, where: string, argument: string, index: number): number[] {
  try {
    return model.tokenize(text);
  } catch (error) {
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
      // Strictly greater: on a tie the earlier window wins, so results do not depend on float noise order.
      if ((rowScores[pair.firstRow + index] ?? -Infinity) > (rowScores[pair.firstRow + best] ?? -Infinity)) best = index;
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
