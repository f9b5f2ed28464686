/**
 * A bounded selection of the `k` best scores seen so far (a binary min-heap of scores and their positions), so
 * a scan keeps its best `k` without sorting every score. Ties go to the earlier offer: a score equal to the
 * k-th best is not admitted.
 */
export class TopK {
  readonly k: number;
  readonly #scores: Float64Array;
  readonly #positions: Int32Array;
  #size = 0;

  constructor(k: number) {
    this.k = Math.max(0, Math.floor(k));
    this.#scores = new Float64Array(this.k);
    this.#positions = new Int32Array(this.k);
  }

  /** Whether `score` enters the best `k` seen so far (it does while fewer than `k` were offered). */
  offer(score: number, position = 0): boolean {
    const scores = this.#scores;
    const positions = this.#positions;
    if (this.#size < this.k) {
      let at = this.#size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!worse(score, position, scores[parent] as number, positions[parent] as number)) break;
        scores[at] = scores[parent] as number;
        positions[at] = positions[parent] as number;
        at = parent;
      }
      scores[at] = score;
      positions[at] = position;
      return true;
    }
    if (this.k === 0 || !(score > (scores[0] as number))) return false;
    let at = 0;
    const size = this.#size;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && worse(scores[right] as number, positions[right] as number, scores[left] as number, positions[left] as number) ? right : left;
      if (!worse(scores[child] as number, positions[child] as number, score, position)) break;
      scores[at] = scores[child] as number;
      positions[at] = positions[child] as number;
      at = child;
    }
    scores[at] = score;
    positions[at] = position;
    return true;
  }

  /** The kept entries, best first (equal scores: earlier position first). */
  sorted(): { score: number; position: number }[] {
    const out: { score: number; position: number }[] = [];
    for (let i = 0; i < this.#size; i++) out.push({ score: this.#scores[i] as number, position: this.#positions[i] as number });
    return out.sort((a, b) => b.score - a.score || a.position - b.position);
  }
}

/** Whether (a, aPosition) ranks below (b, bPosition): a lower score, or the same score offered later. */
function worse(a: number, aPosition: number, b: number, bPosition: number): boolean {
  return a < b || (a === b && aPosition > bPosition);
}
