/**
 * The search bench page: `createSearch` over synthetic passages (the bench's seeded pseudo-English) or the search
 * demo's man-page paragraphs repeated to the count, with a SYNTHETIC EMBEDDER (not a model: a seeded random unit vector per text, 384-d), so what is timed is the library's
 * first stage (lexical + exact dense + fusion, in the search worker), indexing and the IndexedDB reload.
 */
import { createSearch, englishStopWords, type Search, type SearchDocument, type SearchEmbedder } from '../../../src/index.js';
import { seededRandom } from '../../shared/seeded-random.js';
import { makePassages } from '../text.js';
import { repeatManPages, type ManPageParagraph } from './man-page-copies.js';
import type { SearchCorpus, SearchQueryRun } from './search-contract.js';


const DIMENSIONS = 384;

function textSeed(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

class SyntheticEmbedder implements SearchEmbedder {
  readonly info = { model: 'synthetic/random-unit-vectors', revision: 'bench', dtype: 'fp32', dimensions: DIMENSIONS };
  documents = 0;

  async embed(texts: readonly string[], options: { kind?: 'query' | 'document' } = {}): Promise<Float32Array[]> {
    if ((options.kind ?? 'document') === 'document') this.documents += texts.length;
    // Cheap on purpose (it runs on the page's thread, where a real embedder has its own worker): one seeded
    // generator per text, filled in a plain loop.
    return texts.map((text) => {
      const random = seededRandom(textSeed(text));
      const vector = new Float32Array(DIMENSIONS);
      let norm = 0;
      for (let i = 0; i < DIMENSIONS; i++) {
        const value = random() * 2 - 1;
        vector[i] = value;
        norm += value * value;
      }
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < DIMENSIONS; i++) vector[i] = (vector[i] as number) * scale;
      return vector;
    });
  }
}

async function manPages(count: number): Promise<SearchDocument[]> {
  const response = await fetch('/demo-data/man-pages.json');
  if (!response.ok) throw new Error(`demo-data/man-pages.json: HTTP ${response.status} (run scripts/search-corpus/extract_man_pages.py)`);
  return repeatManPages((await response.json()) as ManPageParagraph[], count).map((paragraph) => ({ ...paragraph }));
}

async function corpus(kind: SearchCorpus, count: number): Promise<{ documents: SearchDocument[]; fields: string[] | Record<string, number> }> {
  if (kind === 'man-pages') return { documents: await manPages(count), fields: { title: 2, text: 1 } };
  return { documents: makePassages(count, 'short').map((text, index) => ({ id: `d${index}`, text })), fields: ['text'] };
}

const longTasks: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });

let search: Search | undefined;
let embedder: SyntheticEmbedder | undefined;

window.searchBench = {
  async index({ count, persist, corpus: kind, stopWords }) {
    const { documents, fields } = await corpus(kind, count);
    embedder = new SyntheticEmbedder();
    // Let the long task of making the passages (the bench's own work) be reported before counting starts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    longTasks.length = 0;
    const started = performance.now();
    search = await createSearch({
      documents,
      fields,
      embedder,
      embedBatchSize: 256,
      lexical: { stopWords: stopWords ? englishStopWords : [] },
      ...(persist ? { persist: { name: `bench-${kind}-${count}` } } : {}),
    });
    const ms = performance.now() - started;
    const { reused, lexicalFromStore, timings } = search.info.lastIndexing;
    return { ms, longTasks: [...longTasks], embedded: embedder.documents, reused, lexicalFromStore, timings: { ...timings } };
  },
  async queries(queries) {
    if (search === undefined) throw new Error('index first');
    const runs: SearchQueryRun[] = [];
    for (const query of queries) {
      const { timings } = await search.search(query, { topK: 10, candidates: 50 });
      const lexicalMs = timings.lexicalMs ?? 0;
      const denseMs = timings.denseMs ?? 0;
      runs.push({ firstStageMs: lexicalMs + denseMs + timings.fusionMs, lexicalMs, denseMs, fusionMs: timings.fusionMs, roundTripMs: timings.totalMs - (timings.embedQueryMs ?? 0) });
    }
    return runs;
  },
  dispose() {
    search?.dispose();
    search = undefined;
  },
};
