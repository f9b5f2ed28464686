/**
 * The lexical stage keeps only results that enter the best k as MiniSearch scores them (its filter), so
 * MiniSearch sorts a few hundred instead of every match: the k it returns must be MiniSearch's own first k,
 * same ids, same scores, same order (ties included), for every prefix / combineWith / boost setting and k.
 */
import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { LexicalIndex } from '../../src/search/lexical-index.js';
import { makePassages } from '../../scripts/bench/text.js';

const documents = makePassages(3000, 'short').map((text, index) => ({ id: `d${index}`, title: text.split('.')[0] ?? '', text }));
const queries = makePassages(25, 'short', 77).map((text, index) => text.toLowerCase().split(' ').slice(0, 1 + (index % 4)).join(' '));

describe('LexicalIndex top k', () => {
  const index = LexicalIndex.create(['title', 'text']);
  documents.forEach((document) => index.put(document.id, [document.title, document.text]));
  const plain = new MiniSearch<{ id: string; title: string; text: string }>({ fields: ['title', 'text'], storeFields: [], idField: 'id' });
  plain.addAll(documents);

  const settings = [
    { options: {}, prefix: (_term: string, at: number, terms: string[]) => at === terms.length - 1, boosts: { title: 2, text: 1 } },
    { options: { prefix: true as const, combineWith: 'AND' as const }, prefix: true, boosts: { title: 1, text: 1 } },
    { options: { prefix: false as const, fuzzy: 0.2 }, prefix: false, boosts: { title: 3, text: 1 } },
  ];
  for (const [at, setting] of settings.entries()) {
    it(`returns MiniSearch's first k (setting ${at})`, () => {
      let compared = 0;
      for (const query of queries) {
        const all = plain.search(query, { prefix: setting.prefix, fuzzy: setting.options.fuzzy ?? 0, combineWith: setting.options.combineWith ?? 'OR', boost: setting.boosts });
        for (const k of [1, 10, 50]) {
          const got = index.search(query, k, setting.options, setting.boosts);
          expect(got).toEqual(all.slice(0, k).map((hit) => ({ id: hit.id, score: hit.score })));
          compared += got.length;
        }
        // With a keep filter, the k best of those kept.
        const kept = index.search(query, 20, setting.options, setting.boosts, (id) => Number(id.slice(1)) % 2 === 0);
        expect(kept).toEqual(all.filter((hit) => Number(String(hit.id).slice(1)) % 2 === 0).slice(0, 20).map((hit) => ({ id: hit.id, score: hit.score })));
      }
      expect(compared).toBeGreaterThan(500);
    });
  }

  it('has ties to keep in order: the synthetic corpus scores many documents alike', () => {
    const all = plain.search('the', { boost: { title: 2, text: 1 } });
    const scores = all.slice(0, 200).map((hit) => hit.score);
    expect(new Set(scores).size).toBeLessThan(scores.length);
    expect(index.search('the', 200, { prefix: false }, { title: 2, text: 1 })).toEqual(all.slice(0, 200).map((hit) => ({ id: hit.id, score: hit.score })));
  });
});
