/**
 * The search scenario of the browser GPU bench, in the bench page (page.ts installs it): the library's real
 * API from the standalone build: createEmbedder and createReranker (each in its Web Worker, WebGPU), then
 * createSearch over man-page paragraphs (lexical + dense + fusion in the search worker, rerank of the top
 * candidates), and search() per question. search-drive.ts drives it and keeps the figures.
 */
import type * as Library from '../../../src/index.js';
import type { SearchBench, SearchBenchModel, SearchBenchOptions } from './search-contract.js';
import { captureSettled } from '../capture-settled.js';

type Lib = typeof Library;
let lib: Lib | undefined;
let state: { search: Library.Search; embedder: Library.Embedder; reranker: Library.Reranker } | undefined;

async function library(): Promise<Lib> {
  // A URL known only at run time: the bundler leaves the import alone, the browser loads the built file.
  const url = new URL('./standalone/webgpu-reranker.js', location.href).href;
  lib ??= (await import(/* @vite-ignore */ url)) as Lib;
  return lib;
}

const modelOptions = (m: SearchBenchModel) => ({ model: m.model, modelBaseUrl: m.modelBaseUrl, device: m.device, dtype: m.dtype as Library.DtypeRequest });

async function dispose(): Promise<void> {
  const held = state;
  state = undefined;
  held?.search.dispose();
  await held?.embedder.dispose();
  await held?.reranker.dispose();
}

async function index(options: SearchBenchOptions) {
  const { createEmbedder, createReranker, createSearch, englishStopWords } = await library();
  await dispose();
  const corpus = (await (await fetch(options.corpusUrl)).json()) as Library.SearchDocument[];
  const documents = corpus.slice(0, options.passages);
  let started = performance.now();
  const embedder = await createEmbedder(modelOptions(options.embedder));
  const embedderMs = performance.now() - started;
  started = performance.now();
  const reranker = await createReranker(modelOptions(options.reranker));
  const rerankerMs = performance.now() - started;
  started = performance.now();
  let embedAllMs = Number.NaN;
  const search = await createSearch({
    documents,
    fields: { title: 2, text: 1 },
    ...(options.stopWords ? { lexical: { stopWords: englishStopWords } } : {}),
    embedder,
    reranker,
    onProgress: (p) => {
      if (p.stage === 'embed' && p.done + p.reused >= p.total) embedAllMs = performance.now() - started;
    },
  });
  const createSearchMs = performance.now() - started;
  state = { search, embedder, reranker };
  const loaded = (info: { device: string; dtype: string; fallbackReason?: string }, ms: number) => ({
    device: info.device,
    dtype: info.dtype,
    ms,
    ...(info.fallbackReason === undefined ? {} : { fallbackReason: info.fallbackReason }),
  });
  return {
    passages: search.info.documents,
    embedder: { ...loaded(embedder.info, embedderMs), dimensions: embedder.info.dimensions },
    reranker: loaded(reranker.info, rerankerMs),
    createSearchMs,
    embedAllMs,
    embedded: search.info.lastIndexing.embedded,
  };
}

/** page.ts puts it on `window.gpuSearchBench` (an import used, not one for its side effects: esbuild drops those here). */
export const searchBench: SearchBench = {
  index,
  async query(question, topK, candidates) {
    if (state === undefined) throw new Error('index first');
    const started = performance.now();
    const response = await state.search.search(question, { topK, candidates });
    const ms = performance.now() - started;
    // Unmeasured, as a user's pause before the next question: the reranker's captured sessions for shapes this
    // question met are built in idle time (src/runtime/webgpu-runner.ts), not inside a later timed call.
    const { reranker } = state;
    const idleBuildsMs = await captureSettled(() => reranker.lastTimings());
    return { ms, timings: response.timings, results: response.results.length, topIds: response.results.map((r) => r.id), idleBuildsMs };
  },
  dispose,
};
