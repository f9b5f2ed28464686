import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../src/engine/token-cache.js';

const ids = (text: string): number[] => Array.from(text, (char) => char.charCodeAt(0));

describe('TokenCache', () => {
  it('tokenizes a text once, and drops the least recently used texts past its token budget', () => {
    const calls: string[] = [];
    const tokenize = (text: string): number[] => (calls.push(text), ids(text));
    const cache = new TokenCache(10);
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
    const cache = new TokenCache(3);
    expect(cache.ids('abcdef', ids)).toHaveLength(6);
    expect(cache.size).toBe(0);
    expect(() => cache.ids('x', () => { throw new Error('tokenizer failed'); })).toThrow('tokenizer failed');
    expect(cache.size).toBe(0);
  });
});
