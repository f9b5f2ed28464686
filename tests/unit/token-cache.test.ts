import { describe, expect, it } from 'vitest';
import { TOKEN_CACHE_LIMITS } from '../../src/engine/rerank-engine.js';
import { TokenCache } from '../../src/engine/token-cache.js';

const ids = (text: string): number[] => Array.from(text, (char) => char.charCodeAt(0));
/** A tokenizer that drops whitespace, as the real ones do: whitespace-only text has no ids. */
const idsOfWords = (text: string): number[] => Array.from(text.replace(/\s/g, ''), (char) => char.charCodeAt(0));
const roomy = { maxChars: 1_000_000, maxTextChars: 1_000_000 };

describe('TokenCache', () => {
  it('tokenizes a text once, and drops the least recently used texts past its token budget', () => {
    const calls: string[] = [];
    const tokenize = (text: string): number[] => (calls.push(text), ids(text));
    const cache = new TokenCache({ maxTokens: 10, ...roomy });
    expect(cache.ids('abcd', tokenize)).toEqual(ids('abcd'));
    expect(cache.ids('efgh', tokenize)).toEqual(ids('efgh'));
    expect(cache.ids('abcd', tokenize)).toEqual(ids('abcd')); // a hit: abcd is now the most recent
    expect(calls).toEqual(['abcd', 'efgh']);
    cache.ids('ijkl', tokenize); // 12 tokens > 10: efgh, the least recently used, goes
    expect(cache.tokens).toBe(8);
    cache.ids('abcd', tokenize);
    cache.ids('efgh', tokenize);
    expect(calls).toEqual(['abcd', 'efgh', 'ijkl', 'efgh']);
  });

  it('does not keep a text longer than the whole budget, and lets tokenizer errors through', () => {
    const cache = new TokenCache({ maxTokens: 3, ...roomy });
    expect(cache.ids('abcdef', ids)).toHaveLength(6);
    expect(cache.size).toBe(0);
    expect(() => cache.ids('x', () => { throw new Error('tokenizer failed'); })).toThrow('tokenizer failed');
    expect(cache.size).toBe(0);
  });

  it('counts the characters of texts with no tokens: whitespace passages are evicted by the character budget', () => {
    const cache = new TokenCache({ maxTokens: 1_000, maxChars: 50_000, maxTextChars: 20_000 });
    // 200 distinct passages of 10,000 whitespace characters: 0 tokens each, 2M characters in all.
    for (let i = 0; i < 200; i++) {
      const text = ' '.repeat(i) + '\n'.repeat(10_000 - i);
      expect(cache.ids(text, idsOfWords)).toEqual([]);
      expect(cache.chars).toBeLessThanOrEqual(50_000);
    }
    expect(cache.tokens).toBe(0);
    expect(cache.size).toBe(5); // 5 x 10,000 characters fill the budget exactly
    expect(cache.chars).toBe(50_000);
  });

  it('evicts by characters and by tokens, whichever budget is reached first, oldest first', () => {
    const calls: string[] = [];
    const tokenize = (text: string): number[] => (calls.push(text), idsOfWords(text));
    const cache = new TokenCache({ maxTokens: 6, maxChars: 20, maxTextChars: 20 });
    cache.ids('ab        ', tokenize); // 10 chars, 2 tokens
    cache.ids('cd        ', tokenize); // 20 chars, 4 tokens
    cache.ids('e', tokenize); // 21 chars: the oldest goes
    expect([cache.size, cache.chars, cache.tokens]).toEqual([2, 11, 3]);
    cache.ids('fghi', tokenize); // 7 tokens > 6: 'cd ...' goes
    expect([cache.size, cache.chars, cache.tokens]).toEqual([2, 5, 5]);
    cache.ids('cd        ', tokenize);
    expect(calls.filter((text) => text === 'cd        ')).toHaveLength(2);
  });

  it('never keeps a text over maxTextChars, however few tokens it has', () => {
    const calls: string[] = [];
    const tokenize = (text: string): number[] => (calls.push(text), idsOfWords(text));
    const cache = new TokenCache({ maxTokens: 1_000, maxChars: 1_000_000, maxTextChars: 100 });
    const long = `${' '.repeat(100)}x`;
    expect(cache.ids(long, tokenize)).toEqual(ids('x'));
    expect(cache.ids(long, tokenize)).toEqual(ids('x'));
    expect(calls).toHaveLength(2);
    expect([cache.size, cache.chars]).toEqual([0, 0]);
    cache.ids(' '.repeat(99) + 'y', tokenize); // exactly 100: kept
    expect(cache.size).toBe(1);
  });

  it("the engine's limits bound the key text too: whitespace megabytes cannot pile up", () => {
    const cache = new TokenCache(TOKEN_CACHE_LIMITS);
    // 1,000 distinct hostile passages of 100,000 characters (the default maxDocumentChars): 200 MB of UTF-16
    // if kept; skipped as too long. Then 2,000 of 15,000 characters: kept, but only up to maxChars.
    const digits = (text: string): number[] => ids(text.trimEnd());
    for (let i = 0; i < 1_000; i++) cache.ids(`${i}${' '.repeat(100_000)}`, digits);
    expect(cache.chars).toBe(0);
    for (let i = 0; i < 2_000; i++) cache.ids(`${i}${'\t'.repeat(15_000)}`, digits);
    expect(cache.chars).toBeLessThanOrEqual(TOKEN_CACHE_LIMITS.maxChars);
    expect(cache.chars).toBeGreaterThan(TOKEN_CACHE_LIMITS.maxChars - 15_010);
  });
});
