/**
 * The persisted index in IndexedDB (through `idb`): per index name, the lexical index with the id -> content hash
 * manifest it was built from, and the embeddings in blocks of `VECTOR_BLOCK` documents keyed by [index name,
 * model key, block], each block holding its documents' content hashes, so a vector is reused only for the same
 * text under the same model id, revision, dtype and size. A failed write or read becomes `storage-failed`; a database deleted while open (the user
 * cleared site data) is reopened empty on the next call, which costs a re-embed, never a wrong result.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { RerankerError, describeCause } from '../shared/errors.js';
import type { VectorBlock } from './dense-index.js';

export const SEARCH_DB_NAME = 'webgpu-reranker-search';
/** Bumped when the stored shape changes; a record of another version is ignored (rebuilt). */
export const STORED_INDEX_VERSION = 1;

export interface StoredIndex {
  readonly version: number;
  /** The field names the lexical index was built over, joined; another list rebuilds it. */
  readonly lexicalFields: string;
  /** MiniSearch's JSON, or `null` when the search has no lexical stage. */
  readonly lexical: string | null;
  /** id -> content hash of every document the lexical index holds. */
  readonly manifest: Record<string, string>;
}

export interface StoredVectors {
  readonly byHash: ReadonlyMap<string, Float32Array>;
  /** The content hash at each stored slot, in order (blocks are full but the last). */
  readonly layout: readonly string[];
}

export interface StoredRead {
  readonly index: Promise<StoredIndex | undefined>;
  readonly vectors: Promise<StoredVectors | undefined>;
}

/** Documents per stored block of embeddings: a change rewrites its block only (384-d: 768 KB). */
export const VECTOR_BLOCK = 512;

interface SearchSchema extends DBSchema {
  blocks: { key: [string, string, number]; value: { hashes: string[]; vectors: Float32Array } };
  indexes: { key: string; value: StoredIndex };
}

/** Every block of one index and model: array keys sort after numbers, so [name, model, []] bounds them. */
function blockRange(name: string, model: string): IDBKeyRange {
  return IDBKeyRange.bound([name, model], [name, model, []]);
}

export class IndexStore {
  readonly #name: string;
  #db: Promise<IDBPDatabase<SearchSchema>> | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  /**
   * The stored index (`undefined` when absent or of another version) and, with a `model`, every stored vector of
   * this index under it, by content hash, with the stored slot order (`layout`: the hash at each slot). Both
   * requests go out at once in one readonly transaction, and each resolves on its own, so the lexical index can
   * load while the vectors are still being read. The vectors come in a few large blocks: a `get` per document,
   * or a record per vector, took 3 to 4 s for 10,000 in Chromium (per-record overhead).
   */
  read(model: string | undefined): StoredRead {
    const what = 'read the stored index';
    const requests = this.#run(what, async (db) => {
      const tx = db.transaction(['indexes', 'blocks'], 'readonly');
      tx.done.catch(() => undefined); // a failure surfaces through the requests
      return {
        index: tx.objectStore('indexes').get(this.#name),
        blocks: model === undefined ? undefined : tx.objectStore('blocks').getAll(blockRange(this.#name, model)),
      };
    });
    const failed = (error: unknown): never => {
      throw error instanceof RerankerError ? error : storageError(what, error);
    };
    const index = requests.then((request) => request.index).then((stored) => (stored?.version === STORED_INDEX_VERSION ? stored : undefined), failed);
    const vectors = requests.then((request) => request.blocks).then((blocks) => (blocks === undefined ? undefined : byHash(blocks)), failed);
    // Marked handled here; whoever awaits them still sees a rejection.
    index.catch(() => undefined);
    vectors.catch(() => undefined);
    return { index, vectors };
  }

  /** Writes the changed blocks and drops those past `count` (the index shrank), in one transaction. */
  async writeVectors(model: string, blocks: readonly VectorBlock[], count: number): Promise<void> {
    await this.#run('store embeddings', async (db) => {
      const tx = db.transaction('blocks', 'readwrite');
      await Promise.all([
        ...blocks.map(({ block, hashes, vectors }) => tx.store.put({ hashes, vectors }, [this.#name, model, block])),
        tx.store.delete(IDBKeyRange.bound([this.#name, model, count], [this.#name, model, []])),
        tx.done,
      ]);
    });
  }

  async writeIndex(index: StoredIndex): Promise<void> {
    await this.#run('store the index', async (db) => {
      const tx = db.transaction('indexes', 'readwrite');
      await Promise.all([tx.store.put(index, this.#name), tx.done]);
    });
  }

  close(): void {
    const db = this.#db;
    this.#db = undefined;
    void db?.then((open) => open.close(), () => undefined);
  }

  #open(): Promise<IDBPDatabase<SearchSchema>> {
    this.#db ??= openDB<SearchSchema>(SEARCH_DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore('blocks');
        db.createObjectStore('indexes');
      },
      // Another context deletes or upgrades the database (site data cleared): let it, and reopen next time.
      blocking: () => this.close(),
      terminated: () => {
        this.#db = undefined;
      },
    });
    return this.#db;
  }

  async #run<T>(what: string, work: (db: IDBPDatabase<SearchSchema>) => Promise<T>): Promise<T> {
    try {
      return await work(await this.#open());
    } catch (error) {
      // A connection closed under us (database deleted): one retry on a fresh connection.
      if (error instanceof DOMException && error.name === 'InvalidStateError') {
        this.#db = undefined;
        try {
          return await work(await this.#open());
        } catch (retryError) {
          throw storageError(what, retryError);
        }
      }
      throw storageError(what, error);
    }
  }
}

function byHash(blocks: readonly { hashes: string[]; vectors: Float32Array }[]): StoredVectors {
  const vectors = new Map<string, Float32Array>();
  const layout: string[] = [];
  for (const block of blocks) {
    const d = block.vectors.length / Math.max(1, block.hashes.length);
    block.hashes.forEach((hash, index) => {
      vectors.set(hash, block.vectors.subarray(index * d, (index + 1) * d));
      layout.push(hash);
    });
  }
  return { byHash: vectors, layout };
}

export function storageError(what: string, cause: unknown): RerankerError {
  const quota = cause instanceof DOMException && cause.name === 'QuotaExceededError';
  const name = cause instanceof Error || cause instanceof DOMException ? cause.name : 'unknown';
  const advice = quota
    ? "The origin's storage quota is full: free space (clear other site data, or delete the database `webgpu-reranker-search`), or create the search without `persist`."
    : 'IndexedDB is unavailable or failed (private mode, blocked storage, a broken profile): create the search without `persist` to keep the index in memory only.';
  return new RerankerError('storage-failed', `Could not ${what} in IndexedDB (${describeCause(cause)}). ${advice}`, {
    details: { quota, name },
    cause,
  });
}

