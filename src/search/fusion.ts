/**
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, 2009): a document's fused score is the sum over the
 * lists it appears in of 1 / (k + rank), rank 1-based. It needs no score calibration between BM25 and cosine,
 * which live on unrelated scales.
 */

export interface ScoredId {
  readonly id: string;
  readonly score: number;
}

export interface FusedHit {
  readonly id: string;
  readonly score: number;
  /** 1-based rank in each input list, `undefined` where the document is absent. */
  readonly ranks: readonly (number | undefined)[];
}

/**
 * Fuses ranked lists (each best first, ids unique within a list) into one, best first. Ties on the fused score
 * go to the better single rank, then to the earlier list's order, so the outcome never depends on Map order.
 */
export function reciprocalRankFusion(lists: readonly (readonly ScoredId[])[], k: number): FusedHit[] {
  const ranks = new Map<string, (number | undefined)[]>();
  const order: string[] = [];
  lists.forEach((list, listIndex) => {
    list.forEach((hit, position) => {
      let entry = ranks.get(hit.id);
      if (entry === undefined) {
        entry = new Array<number | undefined>(lists.length).fill(undefined);
        ranks.set(hit.id, entry);
        order.push(hit.id);
      }
      entry[listIndex] = position + 1;
    });
  });
  const fused = order.map((id, arrival) => {
    const entry = ranks.get(id) as (number | undefined)[];
    let score = 0;
    let best = Infinity;
    for (const rank of entry) {
      if (rank === undefined) continue;
      score += 1 / (k + rank);
      best = Math.min(best, rank);
    }
    return { id, score, ranks: entry, best, arrival };
  });
  fused.sort((a, b) => b.score - a.score || a.best - b.best || a.arrival - b.arrival);
  return fused.map(({ id, score, ranks: entry }) => ({ id, score, ranks: entry }));
}
