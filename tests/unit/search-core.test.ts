/**
 * The search worker's core over fake-indexeddb: what is stored under which key, what a reload reuses, what a
 * changed or removed document costs, and that a document is never found by one stage and missing from another.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/search/content-hash.js';
import { SearchCore } from '../../src/search/search-core.js';
import { storageError } from '../../src/search/index-store.js';
import { modelKey } from '../../src/shared/search-keys.js';
import type { SearchConfig } from '../../src/shared/search-protocol.js';
import type { SearchDocument } from '../../src/shared/search-types.js';

const DIMENSIONS = 16;
const MODEL = modelKey({ model: 'test/bag-of-words', revision: 'main', dtype: 'fp32', dimensions: DIMENSIONS });

/** A deterministic bag-of-words vector (hashed words, L2-normalized): enough to make dense search meaningful. */
function embed(text: string): Float32Array {
  const vector = new Float32Array(DIMENSIONS);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = 0;
    for (const char of word) h = (h * 31 + char.charCodeAt(0)) >>> 0;
    vector[h % DIMENSIONS] = (vector[h % DIMENSIONS] as number) + 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

const DOCS: SearchDocument[] = [
  { id: 'panda', title: 'Giant panda', body: 'The giant panda eats bamboo shoots and leaves.' },
  { id: 'koala', title: 'Koala', body: 'Koalas eat eucalyptus leaves and sleep most of the day.' },
  { id: 'rust', title: 'Rust ownership', body: 'Every value in Rust has a single owner; borrowing lends it.' },
  { id: 'bamboo', title: 'Bamboo', body: 'Bamboo is a fast growing grass, food of the panda.' },
];

function config(overrides: Partial<SearchConfig> = {}): SearchConfig {
  return { fields: ['title', 'body'], lexical: true, model: MODEL, dimensions: DIMENSIONS, persist: 'docs', fusionK: 60, ...overrides };
}

/** Loads `documents`, embeds what the core asks for (counting texts), commits. */
async function index(core: SearchCore, documents: readonly SearchDocument[], embedded: string[] = []) {
  const prepared = await core.load(documents);
  embedded.push(...prepared.toEmbed.map((item) => item.id));
  await core.putVectors(prepared.toEmbed.map((item) => item.id), prepared.toEmbed.map((item) => embed(item.text)));
  await core.commit();
  return prepared;
}

function ask(core: SearchCore, query: string, candidates = 10) {
  return core.firstStage({ query, vector: embed(query), candidates, lexical: {}, boosts: { title: 1, body: 1 }, returnDocuments: false }).hits;
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

describe('SearchCore persistence', () => {
  it('reloads without embedding anything, with the same results, lexical index from the store', async () => {
    const first = new SearchCore(config());
    const embeddedFirst: string[] = [];
    await index(first, DOCS, embeddedFirst);
    expect(embeddedFirst.sort()).toEqual(['bamboo', 'koala', 'panda', 'rust']);

    const second = new SearchCore(config());
    const embeddedSecond: string[] = [];
    const prepared = await index(second, DOCS, embeddedSecond);
    expect(embeddedSecond).toEqual([]);
    expect(prepared).toMatchObject({ reused: 4, lexicalFromStore: true });
    expect(ask(second, 'what does the panda eat')).toEqual(ask(first, 'what does the panda eat'));
    expect(ask(second, 'panda')[0]?.lexical?.rank).toBe(1);
  });

  it('re-embeds only a changed or new document, and a removed one is found by no stage', async () => {
    await index(new SearchCore(config()), DOCS);
    const changed = DOCS.map((doc) => (doc.id === 'koala' ? { ...doc, body: 'Koalas are marsupials of Australia.' } : doc)).filter((doc) => doc.id !== 'rust');
    const core = new SearchCore(config());
    const embedded: string[] = [];
    await index(core, [...changed, { id: 'owl', title: 'Owl', body: 'Owls hunt at night.' }], embedded);
    expect(embedded.sort()).toEqual(['koala', 'owl']);
    expect(ask(core, 'rust ownership borrowing').map((hit) => hit.id)).not.toContain('rust');
    expect(ask(core, 'eucalyptus').filter((hit) => hit.lexical !== undefined)).toEqual([]);
    expect(ask(core, 'marsupials')[0]).toMatchObject({ id: 'koala', lexical: { rank: 1 } });
    expect(core.size).toBe(4);
  });

  it('keys embeddings by model id, revision, dtype and size: another one re-embeds everything', async () => {
    await index(new SearchCore(config()), DOCS);
    for (const other of [
      { model: 'test/other', revision: 'main', dtype: 'fp32' },
      { model: 'test/bag-of-words', revision: 'v2', dtype: 'fp32' },
      { model: 'test/bag-of-words', revision: 'main', dtype: 'q8' },
    ]) {
      const embedded: string[] = [];
      await index(new SearchCore(config({ model: modelKey({ ...other, dimensions: DIMENSIONS }) })), DOCS, embedded);
      expect(embedded, JSON.stringify(other)).toHaveLength(4);
    }
    // The first model's vectors are still there: back under it, nothing is embedded.
    const embedded: string[] = [];
    await index(new SearchCore(config()), DOCS, embedded);
    expect(embedded).toEqual([]);
  });

  it('rebuilds the lexical index when the fields change, and hashes field names with values', async () => {
    await index(new SearchCore(config()), DOCS);
    const prepared = await index(new SearchCore(config({ fields: ['body', 'title'] })), DOCS);
    expect(prepared.lexicalFromStore).toBe(false);
    expect(prepared.toEmbed).toHaveLength(4);
    expect(contentHash(['a', 'b'], ['x', 'y'])).not.toBe(contentHash(['b', 'a'], ['x', 'y']));
    // SHA-256 of the JSON [["a"],["x y"]], as Node's own crypto computes it.
    expect(contentHash(['a'], ['x y'])).toBe(createHash('sha256').update(JSON.stringify([['a'], ['x y']])).digest('hex'));
  });

  it('stop words: left out of the index and of queries (any case); another list rebuilds the stored lexical index', async () => {
    const lexicalOnly = (stopWords: string[]) => config({ model: undefined, dimensions: undefined, stopWords });
    const plain = new SearchCore(lexicalOnly([]));
    await index(plain, DOCS);
    const stopped = new SearchCore(lexicalOnly(['the', 'of', 'and', 'a']));
    expect((await index(stopped, DOCS)).lexicalFromStore).toBe(false);
    const lexicalIds = (core: SearchCore, query: string) => ask(core, query).map((hit) => hit.id);
    // 'the' is in three documents' text; as a stop word it finds none, in any case.
    expect(lexicalIds(plain, 'the')).toHaveLength(3);
    expect(lexicalIds(stopped, 'The')).toEqual([]);
    expect(lexicalIds(stopped, 'THE panda')).toEqual(lexicalIds(stopped, 'panda'));
    expect(lexicalIds(stopped, 'panda')).toEqual(['panda', 'bamboo']);
    // The same list (any order, repeats) loads the stored index; another list or none rebuilds it.
    expect((await index(new SearchCore(lexicalOnly(['a', 'and', 'of', 'the', 'the'])), DOCS)).lexicalFromStore).toBe(true);
    expect((await index(new SearchCore(lexicalOnly(['the'])), DOCS)).lexicalFromStore).toBe(false);
    const rebuilt = new SearchCore(lexicalOnly([]));
    expect((await index(rebuilt, DOCS)).lexicalFromStore).toBe(false);
    expect(lexicalIds(rebuilt, 'the')).toEqual(lexicalIds(plain, 'the'));
  });

  it('a cleared store rebuilds: everything is embedded again', async () => {
    await index(new SearchCore(config()), DOCS);
    globalThis.indexedDB = new IDBFactory();
    const embedded: string[] = [];
    const prepared = await index(new SearchCore(config()), DOCS, embedded);
    expect(embedded).toHaveLength(4);
    expect(prepared.lexicalFromStore).toBe(false);
  });
});

describe('SearchCore incremental updates', () => {
  it('a document waiting for its embedding is found by no stage; a replaced one keeps its old version until then', async () => {
    const core = new SearchCore(config({ persist: undefined }));
    await index(core, DOCS);
    const staged = await core.upsert([{ id: 'panda', title: 'Red panda', body: 'Red pandas live in the Himalayas.' }, { id: 'yak', title: 'Yak', body: 'Yaks live in the Himalayas.' }]);
    expect(staged.toEmbed.map((item) => item.id)).toEqual(['panda', 'yak']);
    const lexicalIds = (query: string) => ask(core, query).filter((hit) => hit.lexical !== undefined).map((hit) => hit.id);
    expect(lexicalIds('himalayas')).toEqual([]);
    expect(ask(core, 'himalayas').map((hit) => hit.id)).not.toContain('yak');
    expect(lexicalIds('bamboo shoots')).toContain('panda');
    expect(ask(core, 'bamboo').find((hit) => hit.id === 'panda')?.text).toContain('giant panda');
    core.dropPending();
    expect(lexicalIds('bamboo shoots')).toContain('panda');
    const again = await core.upsert([{ id: 'panda', title: 'Red panda', body: 'Red pandas live in the Himalayas.' }]);
    await core.putVectors(['panda'], [embed(again.toEmbed[0]?.text as string)]);
    expect(lexicalIds('himalayas')).toEqual(['panda']);
    expect(lexicalIds('shoots')).toEqual([]);
    expect(ask(core, 'himalayas').map((hit) => hit.id)).not.toContain('yak');
  });

  it('unchanged documents cost nothing; remove counts only known ids', async () => {
    const core = new SearchCore(config({ persist: undefined }));
    await index(core, DOCS);
    expect((await core.upsert(DOCS)).toEmbed).toEqual([]);
    expect(core.remove(['panda', 'nope', 'panda'])).toBe(1);
    const ids = ask(core, 'panda bamboo').map((hit) => hit.id);
    expect(ids[0]).toBe('bamboo');
    expect(ids).not.toContain('panda');
    expect(ids).toHaveLength(3);
  });

  it('reports each stage with its own rank and score, fused by reciprocal rank', async () => {
    const core = new SearchCore(config({ persist: undefined }));
    await index(core, DOCS);
    const hits = ask(core, 'panda bamboo');
    const top = hits[0];
    expect(top?.lexical).toBeDefined();
    expect(top?.dense).toBeDefined();
    expect(top?.fused.score).toBeCloseTo(1 / (60 + (top?.lexical?.rank as number)) + 1 / (60 + (top?.dense?.rank as number)), 12);
    expect(hits.map((hit) => hit.fused.rank)).toEqual(hits.map((_, i) => i + 1));
    expect(top?.text).toContain('\n\n');
  });

  it('lexical-only: no vectors asked, boosts move a title match up', async () => {
    const core = new SearchCore(config({ persist: undefined, model: undefined, dimensions: undefined }));
    const prepared = await core.load([
      { id: 'body-match', title: 'Leaves', body: 'bamboo bamboo' },
      { id: 'title-match', title: 'Bamboo', body: 'leaves' },
    ]);
    expect(prepared.toEmbed).toEqual([]);
    const run = (boosts: Record<string, number>) =>
      core.firstStage({ query: 'bamboo', candidates: 5, lexical: {}, boosts, returnDocuments: true }).hits.map((hit) => hit.id);
    expect(run({ title: 10, body: 1 })[0]).toBe('title-match');
    expect(run({ title: 1, body: 10 })[0]).toBe('body-match');
    // Prefixes: by default only the last term (the word being typed); true, every term; false, none.
    const find = (query: string, prefix: boolean | 'last' | undefined) =>
      core.firstStage({ query, candidates: 5, lexical: prefix === undefined ? {} : { prefix }, boosts: { title: 1, body: 1 }, returnDocuments: false }).hits.map((hit) => hit.id).sort();
    expect(find('leav bamb', undefined)).toEqual(['body-match', 'title-match']);
    expect(find('bamb leav', undefined)).toEqual(['body-match', 'title-match']);
    expect(find('bamb leavx', undefined)).toEqual([]);
    expect(find('bamb leavx', true)).toEqual(['body-match', 'title-match']);
    expect(find('bamb', false)).toEqual([]);
  });
});

describe('storage errors', () => {
  it('a quota error is storage-failed with details.quota and advice', () => {
    const error = storageError('store embeddings', new DOMException('full', 'QuotaExceededError'));
    expect(error.code).toBe('storage-failed');
    expect(error.details).toMatchObject({ quota: true, name: 'QuotaExceededError' });
    expect(error.message).toMatch(/quota.*persist/s);
    expect(storageError('read', new Error('x')).details['quota']).toBe(false);
  });
});

describe('stored blocks of embeddings', () => {
  const many = Array.from({ length: 1200 }, (_, i) => ({ id: `d${i}`, title: `Title ${i}`, body: `body text number ${i} about animals ${i % 7}` }));

  it('an unchanged reload rewrites no block; a removal rewrites only the blocks it touched', async () => {
    const { IndexStore } = await import('../../src/search/index-store.js');
    const written: number[][] = [];
    const original = IndexStore.prototype.writeVectors;
    IndexStore.prototype.writeVectors = function (model, blocks, count) {
      written.push(blocks.map((block) => block.block));
      return original.call(this, model, blocks, count);
    };
    try {
      await index(new SearchCore(config()), many);
      expect(written.flat().sort((a, b) => a - b)).toEqual([0, 1, 2]);
      written.length = 0;
      const embedded: string[] = [];
      const core = new SearchCore(config());
      await index(core, many, embedded);
      expect(embedded).toEqual([]);
      expect(written.flat()).toEqual([]);
      core.remove(['d5']);
      await core.commit();
      // The last document moved into the freed slot: its old block (2) and the freed one (0).
      expect(written.flat().sort()).toEqual([0, 2]);
      const after: string[] = [];
      await index(new SearchCore(config()), many.filter((doc) => doc.id !== 'd5'), after);
      expect(after).toEqual([]);
    } finally {
      IndexStore.prototype.writeVectors = original;
    }
  });
});
