/**
 * Chunking end to end through the proxy and the engine with the fake model (one token per character,
 * maxLength 64, BERT template of 3 special tokens): a 1-character query leaves room for 60 passage tokens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BERT_LIKE_TEMPLATE, charIds, fakeLogit } from './fake-model.js';
import { MAX_LENGTH, closeHarnesses, expectedScore, harness } from './proxy-harness.js';
import { encodePair } from '../../src/engine/pair-encoding.js';
import { validateCreateOptions } from '../../src/shared/validate.js';

afterEach(closeHarnesses);

// 200 characters: 30 words 'aaaa ' then 10 words 'zzzz '. 'z' has the larger id, so the fake model
// scores windows nearer the end higher: the relevant part is at the end.
const LONG = 'aaaa '.repeat(30) + 'zzzz '.repeat(10);
// Room 60, overlap min(32, 30) = 30, stride 30: windows start at 0, 30, 60, 90, 120 and the last one is
// aligned to the end, [140, 200): 1 + ceil((200 - 60) / 30) = 6 windows.
const WINDOW_STARTS = [0, 30, 60, 90, 120, 140];

function windowScore(query: string, passage: string, start: number): number {
  return fakeLogit(encodePair(charIds(query), charIds(passage).slice(start, start + 60), BERT_LIKE_TEMPLATE, MAX_LENGTH).inputIds);
}

describe('chunking through the proxy', () => {
  it('is off by default: a long passage is truncated and says so', async () => {
    const h = await harness();
    expect(h.reranker.info.chunking).toBe(false);
    const results = await h.reranker.rerank('q', [LONG, 'short']);
    const long = results.find((r) => r.index === 0);
    expect(long).toEqual({ index: 0, score: expect.closeTo(expectedScore('q', LONG), 6) as number, truncated: true });
    expect(results.find((r) => r.index === 1)).toMatchObject({ truncated: false });
    expect(results.every((r) => r.chunk === undefined)).toBe(true);
  });

  it('scores a long passage as its best window and says which one won', async () => {
    const h = await harness({ chunking: true });
    expect(h.reranker.info.chunking).toEqual({ maxChunksPerDoc: 8, chunkOverlap: 32 });
    const perWindow = WINDOW_STARTS.map((start) => windowScore('q', LONG, start));
    const best = Math.max(...perWindow);
    expect(perWindow.indexOf(best)).toBe(5); // the end of the passage wins
    expect(best).toBeGreaterThan(expectedScore('q', LONG)); // ... and beats the truncated pair

    const [top] = await h.reranker.rerank('q', [LONG], { returnDocuments: true });
    expect(top?.score).toBeCloseTo(best, 6);
    expect(top?.truncated).toBe(false);
    // Window [140, 200): the word 'aaaa' at 140 through the final space at 199.
    expect(top?.chunk).toEqual({ index: 5, count: 6, total: 6, tokenStart: 140, tokenEnd: 200, charStart: 140, charEnd: 200 });
    expect(h.controls.batches.slice(1).reduce((rows, batch) => rows + batch.batchSize, 0)).toBe(6);
    const timings = await h.reranker.lastTimings();
    expect(timings).toMatchObject({ pairs: 1, windows: 6 });

    const [scored] = await h.reranker.score([['q', LONG]]);
    expect(scored).toBeCloseTo(best, 6);
  });

  it('scores at most maxChunksPerDoc windows, and a call can turn chunking off or on', async () => {
    const h = await harness({ chunking: { maxChunksPerDoc: 2 } });
    expect(h.reranker.info.chunking).toEqual({ maxChunksPerDoc: 2, chunkOverlap: 32 });
    const [capped] = await h.reranker.rerank('q', [LONG]);
    expect(capped?.score).toBeCloseTo(Math.max(windowScore('q', LONG, 0), windowScore('q', LONG, 30)), 6);
    expect(capped).toMatchObject({ truncated: true, chunk: { count: 2, total: 6 } });

    const [off] = await h.reranker.rerank('q', [LONG], { chunking: false });
    expect(off).toEqual({ index: 0, score: expect.closeTo(expectedScore('q', LONG), 6) as number, truncated: true });
    // An object per call takes the library defaults for what it leaves out, not the reranker's.
    const [own] = await h.reranker.rerank('q', [LONG], { chunking: { chunkOverlap: 0 } });
    // Overlap 0, stride 60: [0,60) [60,120) [120,180) and [140,200) aligned to the end.
    expect(own?.chunk).toMatchObject({ index: 3, count: 4, total: 4, tokenStart: 140 });
    const short = await h.reranker.rerank('q', ['  tiny  '], { chunking: true });
    expect(short[0]?.chunk).toEqual({ index: 0, count: 1, total: 1, tokenStart: 0, tokenEnd: 8, charStart: 2, charEnd: 6 });
  });

  it('rejects bad chunking options as invalid-input naming the option', async () => {
    const h = await harness();
    const reasons = await Promise.all(
      [{ maxChunksPerDoc: 0 }, { maxChunksPerDoc: 1.5 }, { maxChunksPerDoc: 1001 }, { chunkOverlap: -1 }, 'yes', null].map((chunking) =>
        h.reranker.rerank('q', ['a'], { chunking: chunking as never }).then(
          () => 'resolved',
          (error: { code: string; details: { argument?: string } }) => `${error.code} ${error.details.argument ?? ''}`,
        ),
      ),
    );
    expect(reasons).toEqual([
      'invalid-input chunking.maxChunksPerDoc',
      'invalid-input chunking.maxChunksPerDoc',
      'invalid-input chunking.maxChunksPerDoc',
      'invalid-input chunking.chunkOverlap',
      'invalid-input chunking',
      'invalid-input chunking',
    ]);
    expect(() => validateCreateOptions({ model: 'm', chunking: { chunkOverlap: 'x' } })).toThrow(/chunkOverlap/);
  });
});
