/**
 * The score head a model's graph feeds, chosen from its manifest (cross-encoders without one: the
 * sequence-classification head). Each head file names its model card (summaries in docs/model-cards/) and
 * formula; this only dispatches.
 */
import type { HeadKind, ScoringInfo } from '../../shared/types.js';
import { digitExpectationScores, normalizeDigitExpectation } from './digit-expectation.js';
import { layerwiseScores, normalizeLayerwise } from './layerwise.js';
import { scoresFromLogits, sigmoid } from './sequence-classification.js';
import { normalizeYesToken, yesTokenScores } from './yes-token.js';

export interface ScoreHead {
  readonly kind: HeadKind;
  /** One score per row from the graph's flat [rows, width] output. */
  scores(output: Float32Array, rows: number): number[];
  /** Maps a score into 0..1 for `normalize: true`. */
  normalize(score: number): number;
}

/** `width`: values per row the graph returns (scoring tokens, digits); 1 for the one-number heads. */
export function scoreHead(kind: HeadKind, width = 1): ScoreHead {
  switch (kind) {
    case 'sequence-classification':
      return { kind, scores: scoresFromLogits, normalize: sigmoid };
    case 'yes-token':
      return { kind, scores: (output, rows) => yesTokenScores(output, rows, width), normalize: normalizeYesToken };
    case 'digit-expectation':
      return {
        kind,
        scores: (output, rows) => digitExpectationScores(output, rows, width),
        normalize: (score) => normalizeDigitExpectation(score, width),
      };
    case 'layerwise':
      return { kind, scores: layerwiseScores, normalize: normalizeLayerwise };
  }
}

/**
 * The 0..1 form of a raw score, as `normalize: true` returns it for the head in `info.scoring` (a page that
 * shows raw scores can show both without scoring twice).
 */
export function normalizeScore(score: number, scoring: Pick<ScoringInfo, 'head' | 'scoringTokens'>): number {
  return scoreHead(scoring.head, scoring.scoringTokens?.length ?? 1).normalize(score);
}
