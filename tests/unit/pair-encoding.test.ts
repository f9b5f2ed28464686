import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveTemplate, encodePair, queryTokenLimit, specialTokenCount } from '../../src/engine/pair-encoding.js';
import { RerankerError } from '../../src/shared/errors.js';

describe('deriveTemplate', () => {
  it('reads a BERT pair template with token types', () => {
    const template = deriveTemplate({ aIds: [7], bIds: [8], pairIds: [101, 7, 102, 8, 102], pairTypeIds: [0, 0, 0, 1, 1] });
    expect(template).toEqual({ prefix: [101], middle: [102], suffix: [102], typeIds: { prefix: 0, a: 0, middle: 0, b: 1, suffix: 1 } });
    expect(specialTokenCount(template)).toBe(3);
  });

  it('reads an XLM-RoBERTa pair template (double separator, no token types)', () => {
    const template = deriveTemplate({ aIds: [40, 41], bIds: [50], pairIds: [0, 40, 41, 2, 2, 50, 2], pairTypeIds: undefined });
    expect(template.prefix).toEqual([0]);
    expect(template.middle).toEqual([2, 2]);
    expect(template.suffix).toEqual([2]);
    expect(specialTokenCount(template)).toBe(4);
  });

  it('refuses a tokenizer whose pair encoding does not contain both segments', () => {
    expect(() => deriveTemplate({ aIds: [7], bIds: [8], pairIds: [101, 7, 102], pairTypeIds: undefined })).toThrow(RerankerError);
  });
});

describe('encodePair (FlagEmbedding truncation)', () => {
  const template = deriveTemplate({ aIds: [7], bIds: [8], pairIds: [101, 7, 102, 8, 102], pairTypeIds: [0, 0, 0, 1, 1] });

  it('caps the query at floor(3/4 maxLength) and cuts only the passage, keeping the closing separator', () => {
    const query = Array.from({ length: 30 }, (_, i) => 1000 + i);
    const passage = Array.from({ length: 30 }, (_, i) => 2000 + i);
    const encoded = encodePair(query, passage, template, 32);
    expect(queryTokenLimit(32)).toBe(24);
    expect(encoded.inputIds).toHaveLength(32);
    expect(encoded.inputIds.slice(0, 26)).toEqual([101, ...query.slice(0, 24), 102]);
    expect(encoded.inputIds.slice(26)).toEqual([...passage.slice(0, 5), 102]);
    expect(encoded.tokenTypeIds).toEqual([...Array(26).fill(0), ...Array(6).fill(1)]);
    expect(encoded.truncated).toBe(true);
  });

  it('keeps both separators of an empty passage', () => {
    const encoded = encodePair([5, 6], [], template, 32);
    expect(encoded.inputIds).toEqual([101, 5, 6, 102, 102]);
    expect(encoded.tokenTypeIds).toEqual([0, 0, 0, 0, 1]);
    expect(encoded.truncated).toBe(false);
  });
});

/** The reference token ids written by scripts/fixtures/make_fixtures.py with the Python tokenizer. */
interface ReferencePair {
  id: string;
  queryIds: number[];
  passageIds: number[];
  inputIds: number[];
  tokenTypeIds?: number[] | null;
  truncated: boolean;
}

for (const [model, pairIds, pairTypeIds] of [
  ['tiny-bert-reranker', 'bert', true],
  ['tiny-xlmr-reranker', 'xlmr', false],
  ['tiny-modernbert-reranker', 'modernbert', false],
  // 8,192 tokens: a query cut at 6,144 and a passage cut at maxLength (make_modernbert_long_fixture.py).
  ['tiny-modernbert-long-reranker-8192', 'modernbert', false],
] as const) {
  const file = new URL(`../../fixtures/reference/${model}.json`, import.meta.url);
  describe(`encodePair against the Python reference ids of ${model}`, () => {
    const reference = JSON.parse(readFileSync(file, 'utf8')) as { maxLength: number; pairs: ReferencePair[] };
    // The template as the library derives it: from the ids of a real pair without truncation.
    const untruncated = reference.pairs.find((pair) => !pair.truncated && pair.queryIds.length > 0 && pair.passageIds.length > 0);
    if (untruncated === undefined) throw new Error('the reference needs one untruncated pair');
    const template = deriveTemplate({
      aIds: untruncated.queryIds,
      bIds: untruncated.passageIds,
      pairIds: untruncated.inputIds,
      pairTypeIds: untruncated.tokenTypeIds ?? undefined,
    });

    it.each(reference.pairs.map((pair) => [pair.id, pair] as const))('%s', (_id, pair) => {
      const encoded = encodePair(pair.queryIds, pair.passageIds, template, reference.maxLength);
      expect(encoded.inputIds).toEqual(pair.inputIds);
      expect(encoded.truncated).toBe(pair.truncated);
      if (pairTypeIds) expect(encoded.tokenTypeIds).toEqual(pair.tokenTypeIds);
      void pairIds;
    });
  });
}
