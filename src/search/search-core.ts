/**
 * The search worker's state: the documents that can be found, the lexical and dense indexes over them, and the
 * persisted copy. New or changed documents that need an embedding wait in `#pending` until their vector arrives,
 * so a document is either searchable by every stage or not at all, and a replaced one keeps its old version
 * until then.
 */
import { documentText } from '../shared/search-keys.js';
import type { FirstStageAnswer, FirstStageHit, FirstStageRequest, PrepareResult, SearchConfig, WorkerIndexingTimings } from '../shared/search-protocol.js';
import type { SearchDocument, StageHit } from '../shared/search-types.js';
import { createContentHasher, type ContentHasher } from './content-hash.js';
import { DenseIndex } from './dense-index.js';
import { reciprocalRankFusion, type ScoredId } from './fusion.js';
import { IndexStore, STORED_INDEX_VERSION, VECTOR_BLOCK, type StoredRead, type StoredVectors } from './index-store.js';
import { LexicalIndex } from './lexical-index.js';

/** While embedding, changed blocks of vectors are saved at most this often, so an interrupted indexing keeps most of its work. */
const FLUSH_MS = 2000;

interface Entry {
  readonly document: SearchDocument;
  readonly values: readonly string[];
  readonly hash: string;
}

export class SearchCore {
  readonly #config: SearchConfig;
  readonly #fusionK: number;
  #lexical: LexicalIndex | undefined;
  /** id -> content hash of what the lexical index holds (the persisted manifest). */
  readonly #lexicalHashes = new Map<string, string>();
  readonly #dense: DenseIndex | undefined;
  readonly #store: IndexStore | undefined;
  readonly #visible = new Map<string, Entry>();
  readonly #pending = new Map<string, Entry>();
  /** The content hasher, made once (WebAssembly compiles asynchronously). */
  readonly #hasher: Promise<ContentHasher>;
  /**
   * The stored index and vectors, read once: from the moment the worker is configured, so that IndexedDB works
   * while the documents arrive and are hashed, and the lexical index loads while the vectors are read. Taken by `load`.
   */
  #stored: StoredRead | undefined;
  /** Blocks of vectors IndexedDB holds for this index and model, when known: a commit with nothing to write skips the write. */
  #storedBlocks: number | undefined;
  #flushedAt = 0;
  /** The lexical index or its manifest changed since it was stored (writing it unchanged cost 0.7 s per 10,000). */
  #indexDirty = true;

  constructor(config: SearchConfig) {
    this.#config = config;
    this.#fusionK = config.fusionK;
    this.#lexical = config.lexical ? LexicalIndex.create(config.fields, config.stopWords ?? []) : undefined;
    this.#dense = config.dimensions === undefined ? undefined : new DenseIndex(config.dimensions);
    this.#store = config.persist === undefined ? undefined : new IndexStore(config.persist);
    this.#hasher = createContentHasher();
    this.#stored = this.#store?.read(this.#dense === undefined ? undefined : config.model);
  }

  /** What the stored lexical index must have been built with: the fields, then the stop words (if any). */
  #lexicalKey(): string {
    const key = this.#config.fields.join('\u0000');
    const stopWords = this.#config.stopWords ?? [];
    return stopWords.length === 0 ? key : `${key}\u0001${[...new Set(stopWords)].sort().join('\u0000')}`;
  }

  get size(): number {
    return this.#visible.size;
  }

  async load(documents: readonly SearchDocument[]): Promise<PrepareResult> {
    const timings = newTimings();
    let start = performance.now();
    const entries = this.#entries(documents, await this.#hasher);
    timings.hashMs = performance.now() - start;
    let lexicalFromStore = false;
    start = performance.now();
    const read = this.#stored;
    this.#stored = undefined;
    const stored = await read?.index;
    timings.readStoreMs = performance.now() - start;
    start = performance.now();
    if (stored !== undefined && this.#config.lexical && stored.lexical !== null && stored.lexicalFields === this.#lexicalKey()) {
      this.#lexical = LexicalIndex.fromJSON(this.#config.fields, this.#config.stopWords ?? [], stored.lexical);
      const wanted = new Map(entries.map((entry) => [entry.document.id, entry.hash]));
      let dropped = false;
      for (const [id, hash] of Object.entries(stored.manifest)) {
        if (wanted.get(id) === hash) this.#lexicalHashes.set(id, hash);
        else dropped = this.#lexical.delete(id) || dropped;
      }
      lexicalFromStore = true;
      this.#indexDirty = dropped;
    }
    timings.lexicalLoadMs = performance.now() - start;
    start = performance.now();
    const vectors = await read?.vectors;
    timings.readStoreMs += performance.now() - start;
    if (vectors !== undefined) this.#storedBlocks = Math.ceil(vectors.layout.length / VECTOR_BLOCK);
    return { ...this.#stage(entries, timings, vectors), lexicalFromStore, timings };
  }

  async upsert(documents: readonly SearchDocument[]): Promise<PrepareResult> {
    const timings = newTimings();
    const start = performance.now();
    const entries = this.#entries(documents, await this.#hasher);
    timings.hashMs = performance.now() - start;
    return { ...this.#stage(entries, timings, undefined), lexicalFromStore: false, timings };
  }

  /** Shows the documents whose vectors arrived; saves the changed blocks at most every `FLUSH_MS` (and at commit). */
  async putVectors(ids: readonly string[], vectors: readonly Float32Array[]): Promise<void> {
    ids.forEach((id, index) => {
      const entry = this.#pending.get(id);
      if (entry === undefined) return;
      this.#pending.delete(id);
      this.#show(entry, vectors[index] as Float32Array);
    });
    if (performance.now() - this.#flushedAt > FLUSH_MS) await this.#flushVectors();
  }

  dropPending(): void {
    for (const id of this.#pending.keys()) {
      // A document loaded from the stored lexical index but never embedded must not be found lexically either.
      if (!this.#visible.has(id) && this.#lexicalHashes.has(id)) {
        this.#lexical?.delete(id);
        this.#indexDirty = true;
        this.#lexicalHashes.delete(id);
      }
    }
    this.#pending.clear();
  }

  remove(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      this.#pending.delete(id);
      if (this.#visible.delete(id)) removed++;
      this.#dense?.delete(id);
      if (this.#lexical?.delete(id) === true) {
        this.#lexicalHashes.delete(id);
        this.#indexDirty = true;
      }
    }
    return removed;
  }

  async commit(): Promise<number> {
    await this.#flushVectors();
    if (this.#store !== undefined && this.#indexDirty) {
      this.#indexDirty = false;
      try {
        await this.#store.writeIndex({
          version: STORED_INDEX_VERSION,
          lexicalFields: this.#lexicalKey(),
          lexical: this.#lexical?.toJSON() ?? null,
          manifest: Object.fromEntries(this.#lexicalHashes),
        });
      } catch (error) {
        this.#indexDirty = true;
        throw error;
      }
    }
    return this.#visible.size;
  }

  firstStage(request: FirstStageRequest): FirstStageAnswer {
    const lists: ScoredId[][] = [];
    let lexicalMs: number | undefined;
    let denseMs: number | undefined;
    let lexicalAt = -1;
    let denseAt = -1;
    if (this.#lexical !== undefined && request.query.trim().length > 0) {
      const start = performance.now();
      // Every indexed document is visible unless some wait for their vectors (then filter them out).
      const keep = this.#pending.size === 0 ? undefined : (id: string) => this.#visible.has(id);
      const hits = this.#lexical.search(request.query, request.candidates, request.lexical, request.boosts, keep);
      lexicalMs = performance.now() - start;
      lexicalAt = lists.push(hits) - 1;
    }
    if (this.#dense !== undefined && request.vector !== undefined) {
      const start = performance.now();
      const hits = this.#dense.search(request.vector, request.candidates);
      denseMs = performance.now() - start;
      denseAt = lists.push(hits) - 1;
    }
    const start = performance.now();
    const fused = reciprocalRankFusion(lists, this.#fusionK).slice(0, request.candidates);
    const hits = fused.map((hit, index): FirstStageHit => {
      const entry = this.#visible.get(hit.id) as Entry;
      return {
        id: hit.id,
        text: documentText(entry.values),
        ...(request.returnDocuments ? { document: entry.document } : {}),
        ...stageHit('lexical', lists, lexicalAt, hit.ranks),
        ...stageHit('dense', lists, denseAt, hit.ranks),
        fused: { rank: index + 1, score: hit.score },
      };
    });
    const fusionMs = performance.now() - start;
    return { hits, fusionMs, ...(lexicalMs === undefined ? {} : { lexicalMs }), ...(denseMs === undefined ? {} : { denseMs }) };
  }

  #entries(documents: readonly SearchDocument[], hash: ContentHasher): Entry[] {
    const fields = this.#config.fields;
    return documents.map((document) => {
      const values = fields.map((field) => document[field] ?? '');
      return { document, values, hash: hash(fields, values) };
    });
  }

  /**
   * Unchanged documents are skipped; the others are shown now, or wait for an embedding not found in `stored`
   * (the stored vectors, read once at the first indexing: later changes were embedded in this session or are new).
   */
  #stage(entries: readonly Entry[], timings: Timings, stored: StoredVectors | undefined): Omit<PrepareResult, 'lexicalFromStore' | 'timings'> {
    const start = performance.now();
    const changed = entries.filter((entry) => this.#visible.get(entry.document.id)?.hash !== entry.hash);
    let reused = entries.length - changed.length;
    const dense = this.#dense;
    if (dense === undefined) {
      for (const entry of changed) this.#show(entry, undefined);
      timings.placeMs = performance.now() - start;
      return { toEmbed: [], reused };
    }
    dense.reserve(dense.size + changed.length);
    const positions = new Map(stored?.layout.map((hash, index) => [hash, index]));
    const toEmbed: { id: string; text: string }[] = [];
    const found: { entry: Entry; vector: Float32Array; at: number }[] = [];
    for (const entry of changed) {
      const vector = stored?.byHash.get(entry.hash);
      if (vector !== undefined && vector.length === dense.dimensions) found.push({ entry, vector, at: positions.get(entry.hash) ?? 0 });
      else {
        this.#pending.set(entry.document.id, entry);
        toEmbed.push({ id: entry.document.id, text: documentText(entry.values) });
      }
    }
    // In the stored slot order, so an unchanged corpus lands in the same slots and its blocks need no rewrite.
    found.sort((a, b) => a.at - b.at);
    for (const { entry } of found) this.#show(entry, undefined);
    dense.setMany(found.map(({ entry, vector }) => ({ id: entry.document.id, vector, hash: entry.hash })));
    reused += found.length;
    if (stored !== undefined) dense.markStored(stored.layout);
    timings.placeMs = performance.now() - start;
    return { toEmbed, reused };
  }

  async #flushVectors(): Promise<void> {
    this.#flushedAt = performance.now();
    if (this.#store === undefined || this.#config.model === undefined || this.#dense === undefined) return;
    const { blocks, count } = this.#dense.takeDirtyBlocks(VECTOR_BLOCK);
    // Nothing changed and no block to drop (an unchanged reload): no readwrite transaction at all.
    if (blocks.length === 0 && count === this.#storedBlocks) return;
    await this.#store.writeVectors(this.#config.model, blocks, count);
    this.#storedBlocks = count;
  }

  #show(entry: Entry, vector: Float32Array | undefined): void {
    const id = entry.document.id;
    if (this.#lexical !== undefined && this.#lexicalHashes.get(id) !== entry.hash) {
      this.#lexical.put(id, entry.values);
      this.#lexicalHashes.set(id, entry.hash);
      this.#indexDirty = true;
    }
    if (vector !== undefined) this.#dense?.set(id, vector, entry.hash);
    this.#visible.set(id, entry);
  }
}

type Timings = { -readonly [K in keyof WorkerIndexingTimings]: number };

function newTimings(): Timings {
  return { hashMs: 0, readStoreMs: 0, lexicalLoadMs: 0, placeMs: 0 };
}

function stageHit(name: 'lexical' | 'dense', lists: readonly ScoredId[][], at: number, ranks: readonly (number | undefined)[]): Partial<Record<'lexical' | 'dense', StageHit>> {
  if (at < 0) return {};
  const rank = ranks[at];
  if (rank === undefined) return {};
  return { [name]: { rank, score: (lists[at] as ScoredId[])[rank - 1]?.score as number } };
}
