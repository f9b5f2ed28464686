/** Bad input to createSearch, add and search: each a RerankerError 'invalid-input' naming the argument. */
import { describe, expect, it } from 'vitest';
import { RerankerError } from '../../src/shared/errors.js';
import { resolveFields, validateSearchCall, validateSearchDocuments, validateSearchOptions } from '../../src/shared/search-validate.js';
import type { SearchEmbedder, SearchOptions } from '../../src/shared/search-types.js';

function failure(work: () => unknown): RerankerError {
  try {
    work();
  } catch (error) {
    if (error instanceof RerankerError) return error;
    throw error;
  }
  throw new Error('expected a RerankerError');
}

const embedder: SearchEmbedder = { info: { model: 'm', revision: 'main', dtype: 'fp32', dimensions: 8 }, embed: async () => [] };

describe('createSearch options', () => {
  it('resolves fields and boosts, default text', () => {
    expect(resolveFields(undefined)).toEqual({ names: ['text'], boosts: { text: 1 } });
    expect(resolveFields(['title', 'body'])).toEqual({ names: ['title', 'body'], boosts: { title: 1, body: 1 } });
    expect(resolveFields({ title: 3, body: 1 })).toEqual({ names: ['title', 'body'], boosts: { title: 3, body: 1 } });
  });

  it.each<[string, SearchOptions, string]>([
    ['empty fields', { fields: [] }, 'fields'],
    ['id as a field', { fields: ['id'] }, 'fields'],
    ['a twice-listed field', { fields: ['a', 'a'] }, 'fields'],
    ['a zero boost', { fields: { title: 0 } }, 'fields'],
    ['no first stage', { lexical: false }, 'lexical'],
    ['a bad fuzzy', { lexical: { fuzzy: -1 } }, 'lexical.fuzzy'],
    ['stop words not an array', { lexical: { stopWords: 'the' as never } }, 'lexical.stopWords'],
    ['an empty stop word', { lexical: { stopWords: ['the', ' '] } }, 'lexical.stopWords'],
    ['an embedder without info', { embedder: { embed: async () => [] } as unknown as SearchEmbedder }, 'embedder'],
    ['an embedder with 0 dimensions', { embedder: { ...embedder, info: { ...embedder.info, dimensions: 0 } } }, 'embedder'],
    ['a reranker without rerank', { reranker: {} as never }, 'reranker'],
    ['an empty persist name', { persist: { name: '' } }, 'persist'],
    ['a zero batch', { embedBatchSize: 0 }, 'embedBatchSize'],
    ['a negative fusionK', { fusionK: -1 }, 'fusionK'],
  ])('refuses %s', (_, options, argument) => {
    const error = failure(() => validateSearchOptions(options));
    expect(error.code).toBe('invalid-input');
    expect(error.details['argument']).toBe(argument);
  });

  it('accepts an embedder-only search and the defaults', () => {
    expect(() => validateSearchOptions({ lexical: false, embedder })).not.toThrow();
    expect(() => validateSearchOptions({})).not.toThrow();
  });
});

describe('documents', () => {
  it.each<[string, unknown, number | undefined]>([
    ['not an array', 'text', undefined],
    ['a null entry', [{ id: 'a', text: 'x' }, null], 1],
    ['a missing id', [{ text: 'x' }], 0],
    ['a duplicate id', [{ id: 'a' }, { id: 'b' }, { id: 'a' }], 2],
    ['a number field', [{ id: 'a', text: 5 }], 0],
    ['an over-long field', [{ id: 'a', text: 'x'.repeat(100_001) }], 0],
  ])('refuses %s, naming its index', (_, documents, index) => {
    const error = failure(() => validateSearchDocuments(documents, ['text']));
    expect(error.code).toBe('invalid-input');
    expect(error.details['index']).toBe(index);
  });

  it('accepts absent fields and extra properties', () => {
    expect(() => validateSearchDocuments([{ id: 'a' }, { id: 'b', text: 'x', url: 'u' }], ['text'])).not.toThrow();
  });
});

describe('search calls', () => {
  it('defaults topK 10 and candidates max(50, topK)', () => {
    expect(validateSearchCall('q', undefined)).toEqual({ topK: 10, candidates: 50 });
    expect(validateSearchCall('q', { topK: 80 })).toEqual({ topK: 80, candidates: 80 });
  });

  it.each<[string, unknown, object, string]>([
    ['a non-string query', 42, {}, 'query'],
    ['an over-long query', 'q'.repeat(10_001), {}, 'query'],
    ['topK 0', 'q', { topK: 0 }, 'topK'],
    ['fractional candidates', 'q', { candidates: 2.5 }, 'candidates'],
    ['candidates under topK', 'q', { topK: 20, candidates: 10 }, 'candidates'],
  ])('refuses %s', (_, query, options, argument) => {
    const error = failure(() => validateSearchCall(query, options));
    expect(error.code).toBe('invalid-input');
    expect(error.details['argument']).toBe(argument);
  });
});
