/**
 * The faster reload keeps what is stored and what it means: the WebAssembly content hash is the same SHA-256 as
 * before (a store written by the earlier code is read, not rebuilt), an index record of another version is never
 * read (the lexical index is rebuilt, the vectors still match by content hash), an unchanged reload writes
 * nothing, the read started at configuration fails as `storage-failed`, and answers are the same as a fresh build.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { contentHash, createContentHasher } from '../../src/search/content-hash.js';
import { SEARCH_DB_NAME, STORED_INDEX_VERSION, VECTOR_BLOCK } from '../../src/search/index-store.js';
import { SearchCore } from '../../src/search/search-core.js';
import { RerankerError } from '../../src/shared/errors.js';
import { modelKey } from '../../src/shared/search-keys.js';
import type { SearchConfig } from '../../src/shared/search-protocol.js';
import type { SearchDocument } from '../../src/shared/search-types.js';

const DIMENSIONS = 8;
const MODEL = modelKey({ model: 'test/seeded', revision: 'main', dtype: 'fp32', dimensions: DIMENSIONS });

/** A unit vector that depends on the text (its characters' codes, spread over the dimensions). */
function embed(text: string): Float32Array {
  const vector = new Float32Array(DIMENSIONS);
  for (let i = 0; i < text.length; i++) vector[(text.charCodeAt(i) * 7 + i) % DIMENSIONS] = (vector[(text.charCodeAt(i) * 7 + i) % DIMENSIONS] as number) + 1;
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

const DOCS: SearchDocument[] = Array.from({ length: 700 }, (_, i) => ({
  id: `doc-${i}`,
  title: `Title ${i % 37}`,
  body: `passage ${i} about ${['pandas', 'koalas', 'rust borrowing', 'bamboo shoots', 'café crème'][i % 5]} and ${i % 11} more words`,
}));

function config(overrides: Partial<SearchConfig> = {}): SearchConfig {
  return { fields: ['title', 'body'], lexical: true, model: MODEL, dimensions: DIMENSIONS, persist: 'reload', fusionK: 60, ...overrides };
}

async function index(core: SearchCore, documents: readonly SearchDocument[]) {
  const prepared = await core.load(documents);
  await core.putVectors(prepared.toEmbed.map((item) => item.id), prepared.toEmbed.map((item) => embed(item.text)));
  await core.commit();
  return prepared;
}

function ask(core: SearchCore, query: string) {
  return core.firstStage({ query, vector: embed(query), candidates: 20, lexical: {}, boosts: { title: 2, body: 1 }, returnDocuments: false }).hits;
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

describe('content hash', () => {
  it('the WebAssembly SHA-256 equals the JavaScript one and node:crypto over the same bytes', async () => {
    const hash = await createContentHasher();
    const cases: [string[], string[]][] = [
      [['text'], ['']],
      [['title', 'body'], ['Giant panda', 'eats bamboo']],
      [['a'], ['café crème, 東京, emoji 🐼']],
      [['a'], ['lone surrogate \ud800 here']],
      [['a', 'b'], ['x'.repeat(100_000), 'y']],
    ];
    for (const [fields, values] of cases) {
      const expected = createHash('sha256').update(Buffer.from(new TextEncoder().encode(JSON.stringify([fields, values])))).digest('hex');
      expect(hash(fields, values)).toBe(expected);
      expect(contentHash(fields, values)).toBe(expected);
    }
  });
});

describe('reload', () => {
  it('reads a store written in the stored format (version 1, SHA-256 hashes) without embedding', async () => {
    // The records as the earlier code wrote them, made here by hand: one index record, blocks of 512.
    const fields = ['title', 'body'];
    const hashes = DOCS.map((doc) => createHash('sha256').update(JSON.stringify([fields, [doc['title'], doc['body']]])).digest('hex'));
    const db = await openDB(SEARCH_DB_NAME, 1, {
      upgrade(upgrading) {
        upgrading.createObjectStore('blocks');
        upgrading.createObjectStore('indexes');
      },
    });
    for (let block = 0; block * VECTOR_BLOCK < DOCS.length; block++) {
      const slice = DOCS.slice(block * VECTOR_BLOCK, (block + 1) * VECTOR_BLOCK);
      const vectors = new Float32Array(slice.length * DIMENSIONS);
      slice.forEach((doc, i) => vectors.set(embed(`${doc['title']}\n\n${doc['body']}`), i * DIMENSIONS));
      await db.put('blocks', { hashes: hashes.slice(block * VECTOR_BLOCK, (block + 1) * VECTOR_BLOCK), vectors }, ['reload', MODEL, block]);
    }
    db.close();
    const core = new SearchCore(config());
    const prepared = await index(core, DOCS);
    expect(STORED_INDEX_VERSION).toBe(1);
    expect(prepared.toEmbed).toEqual([]);
    expect(prepared.reused).toBe(DOCS.length);
    const fresh = new SearchCore(config({ persist: undefined }));
    await index(fresh, DOCS);
    expect(ask(core, 'panda bamboo')).toEqual(ask(fresh, 'panda bamboo'));
  });

  it('never reads an index record of another version: the lexical index is rebuilt, the vectors still reused', async () => {
    await index(new SearchCore(config()), DOCS);
    const db = await openDB(SEARCH_DB_NAME);
    const record = await db.get('indexes', 'reload');
    // A record from a later format whose lexical field would mislead if read.
    await db.put('indexes', { ...record, version: STORED_INDEX_VERSION + 1, lexical: '{"not":"minisearch"}' }, 'reload');
    db.close();
    const core = new SearchCore(config());
    const prepared = await index(core, DOCS);
    expect(prepared).toMatchObject({ lexicalFromStore: false, reused: DOCS.length, toEmbed: [] });
    const fresh = new SearchCore(config({ persist: undefined }));
    await index(fresh, DOCS);
    expect(ask(core, 'koalas rust')).toEqual(ask(fresh, 'koalas rust'));
  });

  it('answers exactly as a fresh build, and an unchanged reload opens no readwrite transaction', async () => {
    const first = new SearchCore(config());
    await index(first, DOCS);
    const modes: string[] = [];
    const original = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      modes.push(args[1] ?? 'readonly');
      return original.apply(this, args);
    } as IDBDatabase['transaction'];
    let core: SearchCore;
    try {
      core = new SearchCore(config());
      const prepared = await index(core, DOCS);
      expect(prepared).toMatchObject({ toEmbed: [], reused: DOCS.length, lexicalFromStore: true });
    } finally {
      IDBDatabase.prototype.transaction = original;
    }
    expect(modes).toEqual(['readonly']);
    for (const query of ['panda', 'café crème', 'Title 3 rust borrowing', 'words']) expect(ask(core, query)).toEqual(ask(first, query));
  });

  it('reports where the time went', async () => {
    await index(new SearchCore(config()), DOCS);
    const { timings } = await new SearchCore(config()).load(DOCS);
    expect(Object.keys(timings).sort()).toEqual(['hashMs', 'lexicalLoadMs', 'placeMs', 'readStoreMs']);
    for (const ms of Object.values(timings)) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('a store that cannot be opened fails the load with storage-failed (the read started at configuration)', async () => {
    globalThis.indexedDB = {
      open: () => {
        throw new DOMException('blocked by the test', 'UnknownError');
      },
    } as unknown as IDBFactory;
    const core = new SearchCore(config());
    const failure = await core.load(DOCS).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RerankerError);
    expect((failure as RerankerError).code).toBe('storage-failed');
    expect((failure as RerankerError).message).toMatch(/without `persist`/);
  });
});
