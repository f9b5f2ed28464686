/**
 * The persisted index in IndexedDB (through `idb`): embeddings keyed by [model key, content hash], so any index
 * under the same model reuses them, and per index name the lexical index with the id -> content hash manifest it
 * was built from. A failed write or read becomes `storage-failed`; a database deleted while open (the user
 * cleared site data) is reopened empty on the next call, which costs a re-embed, never a wrong result.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { RerankerError, describeCause } from '../shared/errors.js';

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

interface SearchSchema extends DBSchema {
  vectors: { key: [string, string]; value: Float32Array };
  indexes: { key: string; value: StoredIndex };
}

export class IndexStore {
  readonly #name: string;
  #db: Promise<IDBPDatabase<SearchSchema>> | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  async readIndex(): Promise<StoredIndex | undefined> {
    return this.#run('read the stored index', async (db) => {
      const stored = await db.get('indexes', this.#name);
      return stored?.version === STORED_INDEX_VERSION ? stored : undefined;
    });
  }

  /** The stored vector of each hash under `model` (`undefined` where none), in order. */
  async readVectors(model: string, hashes: readonly string[]): Promise<(Float32Array | undefined)[]> {
    return this.#run('read stored embeddings', async (db) => {
      const tx = db.transaction('vectors', 'readonly');
      const found = await Promise.all(hashes.map((hash) => tx.store.get([model, hash])));
      await tx.done;
      return found;
    });
  }

  async writeVectors(model: string, hashes: readonly string[], vectors: readonly Float32Array[]): Promise<void> {
    await this.#run('store embeddings', async (db) => {
      const tx = db.transaction('vectors', 'readwrite');
      await Promise.all([...hashes.map((hash, index) => tx.store.put(vectors[index] as Float32Array, [model, hash])), tx.done]);
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
        db.createObjectStore('vectors');
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

