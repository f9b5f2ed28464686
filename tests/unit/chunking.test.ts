/** Window arithmetic of long passages, checked against cases computed by hand, then as properties. */
import { describe, expect, it } from 'vitest';
import { BERT_LIKE_TEMPLATE, charIds } from './fake-model.js';
import { DEFAULT_CHUNK_OVERLAP, DEFAULT_MAX_CHUNKS_PER_DOC, planWindows, resolveChunking } from '../../src/engine/chunking.js';
import { passageRoom } from '../../src/engine/pair-encoding.js';
import { pairScores, planRows } from '../../src/engine/pair-rows.js';
import { crossEncoderFormat } from '../../src/engine/prompt-format.js';

const spans = (plan: ReturnType<typeof planWindows>) => plan.windows.map((w) => [w.start, w.end]);

describe('planWindows', () => {
  it('keeps a passage that fits as one window', () => {
    expect(planWindows(4, 4, { maxChunksPerDoc: 8, chunkOverlap: 1 })).toEqual({ windows: [{ start: 0, end: 4 }], total: 1, truncated: false });
    expect(planWindows(0, 4, { maxChunksPerDoc: 8, chunkOverlap: 1 })).toEqual({ windows: [{ start: 0, end: 0 }], total: 1, truncated: false });
  });

  it('steps by room - overlap: 10 tokens, room 4, overlap 1 -> [0,4) [3,7) [6,10)', () => {
    const plan = planWindows(10, 4, { maxChunksPerDoc: 8, chunkOverlap: 1 });
    expect(spans(plan)).toEqual([[0, 4], [3, 7], [6, 10]]);
    expect(plan).toMatchObject({ total: 3, truncated: false });
  });

  it('aligns the last window to the end: 11 tokens, room 4, overlap 1 -> ... [6,10) [7,11)', () => {
    const plan = planWindows(11, 4, { maxChunksPerDoc: 8, chunkOverlap: 1 });
    expect(spans(plan)).toEqual([[0, 4], [3, 7], [6, 10], [7, 11]]);
    expect(plan.total).toBe(4);
  });

  it('caps the overlap at half the window: room 4, overlap 32 -> stride 2', () => {
    expect(spans(planWindows(10, 4, { maxChunksPerDoc: 8, chunkOverlap: 32 }))).toEqual([[0, 4], [2, 6], [4, 8], [6, 10]]);
    // room 5: overlap min(3, 2) = 2, stride 3, total 1 + ceil(4 / 3) = 3, last window [4, 9).
    expect(spans(planWindows(9, 5, { maxChunksPerDoc: 8, chunkOverlap: 3 }))).toEqual([[0, 5], [3, 8], [4, 9]]);
  });

  it('tiles without overlap when chunkOverlap is 0', () => {
    expect(spans(planWindows(10, 5, { maxChunksPerDoc: 8, chunkOverlap: 0 }))).toEqual([[0, 5], [5, 10]]);
  });

  it('scores at most maxChunksPerDoc windows and reports the rest as truncated', () => {
    const plan = planWindows(11, 4, { maxChunksPerDoc: 2, chunkOverlap: 1 });
    expect(spans(plan)).toEqual([[0, 4], [3, 7]]);
    expect(plan).toMatchObject({ total: 4, truncated: true });
  });

  it('gives one empty, truncated window when the query leaves no room', () => {
    expect(planWindows(5, 0, { maxChunksPerDoc: 8, chunkOverlap: 1 })).toEqual({ windows: [{ start: 0, end: 0 }], total: 1, truncated: true });
  });

  it('holds its invariants on 2,000 random cases', () => {
    let seed = 12345;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    for (let case_ = 0; case_ < 2000; case_++) {
      const length = random(3000);
      const room = 1 + random(600);
      const settings = { maxChunksPerDoc: 1 + random(12), chunkOverlap: random(100) };
      const plan = planWindows(length, room, settings);
      const { windows } = plan;
      const label = JSON.stringify({ length, room, settings });
      expect(windows.length, label).toBeGreaterThan(0);
      expect(windows.length, label).toBeLessThanOrEqual(settings.maxChunksPerDoc);
      expect(windows[0]?.start, label).toBe(0);
      const overlap = Math.min(settings.chunkOverlap, Math.floor(room / 2));
      windows.forEach((window, i) => {
        expect(window.end - window.start, label).toBe(Math.min(room, length));
        const previous = windows[i - 1];
        if (previous !== undefined) {
          expect(window.start, label).toBeGreaterThan(previous.start);
          expect(previous.end - window.start, label).toBeGreaterThanOrEqual(overlap); // no gap, at least the overlap
        }
      });
      const lastEnd = windows.at(-1)?.end ?? 0;
      expect(plan.truncated, label).toBe(lastEnd < length);
      expect(plan.truncated, label).toBe(plan.total > windows.length);
    }
  });
});

describe('resolveChunking', () => {
  it('fills defaults and lets a call override the reranker', () => {
    const defaults = { maxChunksPerDoc: DEFAULT_MAX_CHUNKS_PER_DOC, chunkOverlap: DEFAULT_CHUNK_OVERLAP };
    expect(defaults).toEqual({ maxChunksPerDoc: 8, chunkOverlap: 32 });
    expect(resolveChunking(undefined, false)).toBe(false);
    expect(resolveChunking(true, false)).toEqual(defaults);
    expect(resolveChunking({ chunkOverlap: 0 }, false)).toEqual({ maxChunksPerDoc: 8, chunkOverlap: 0 });
    expect(resolveChunking(undefined, { maxChunksPerDoc: 2, chunkOverlap: 5 })).toEqual({ maxChunksPerDoc: 2, chunkOverlap: 5 });
    expect(resolveChunking(false, defaults)).toBe(false);
  });
});

describe('planRows and pairScores', () => {
  // One token per character; BERT template (3 special tokens); maxLength 8 and a 1-token query: room 4.
  const model = { prompt: crossEncoderFormat(BERT_LIKE_TEMPLATE), maxLength: 8, tokenize: charIds };
  const settings = { maxChunksPerDoc: 8, chunkOverlap: 1 };

  it('turns a long passage into one full row per window', () => {
    expect(passageRoom(1, BERT_LIKE_TEMPLATE, 8)).toBe(4);
    const planned = planRows([['q', 'abcdefghij']], model, settings);
    const [q, a, d, g, j] = charIds('qadgj');
    expect(planned.rows).toHaveLength(3);
    expect(planned.rows[1]?.inputIds).toEqual([101, q, 102, d, ...charIds('efg'), 102]);
    expect(planned.rows[2]?.inputIds.slice(3, 7)).toEqual([g, ...charIds('hi'), j]);
    expect(planned.rows[0]?.inputIds.slice(3, 4)).toEqual([a]);
    expect(planned.pairs[0]).toMatchObject({ firstRow: 0, total: 3, truncated: false });
  });

  it('gives each pair its best window, the first one on a tie', () => {
    const planned = planRows(
      [
        ['q', 'abcdefghij'],
        ['q', 'ab'],
        ['q', 'abcdefghij'],
      ],
      model,
      settings,
    );
    const scores = pairScores(planned, [1, 3, 2, /* second pair */ 0.5, /* third */ 4, 4, 1], true);
    expect(scores[0]).toEqual({ score: 3, truncated: false, window: { index: 1, count: 3, total: 3, start: 3, end: 7 } });
    expect(scores[1]).toEqual({ score: 0.5, truncated: false, window: { index: 0, count: 1, total: 1, start: 0, end: 2 } });
    expect(scores[2]?.window?.index).toBe(0);
  });

  it('reports truncation without chunking, and of a capped query with it', () => {
    const plain = planRows([['q', 'abcdefghij'], ['q', 'abc']], model, false);
    expect(plain.rows).toHaveLength(2);
    expect(pairScores(plain, [1, 2], false)).toEqual([
      { score: 1, truncated: true },
      { score: 2, truncated: false },
    ]);
    // maxLength 16: a 13-token query is capped at 12 tokens, leaving room 16 - 12 - 3 = 1 for the passage 'a'.
    const longQuery = planRows([['q'.repeat(13), 'a']], { ...model, maxLength: 16 }, settings);
    expect(longQuery.pairs[0]).toMatchObject({ total: 1, truncated: true });
    expect(longQuery.rows[0]?.inputIds).toHaveLength(16);
  });
});
