import { WorkerSearch } from './worker-search.js';
import type { Search, SearchOptions } from '../shared/search-types.js';

/**
 * Starts the search worker, indexes `options.documents` (lexical index, and embeddings when there is an embedder,
 * reusing those stored in IndexedDB under `persist`), and resolves to a `Search` once every document can be found.
 * Rejects with a `RerankerError`: `invalid-input`, `aborted`, `storage-failed`, or the embedder's own error.
 */
export function createSearch(options: SearchOptions): Promise<Search> {
  return WorkerSearch.create(options);
}
