/// <reference types="vite/client" />
/**
 * The search demo (search.html): the man-pages corpus indexed by createSearch (lexical and dense, kept in
 * IndexedDB), reranked by a cross-encoder, answering as you type. `?model=&modelBaseUrl=&device=&dtype=` choose
 * the reranker (default Xenova/ms-marco-MiniLM-L-6-v2 from the Hub), `?embedder=&embedderBaseUrl=&embedderDtype=`
 * the embedder (default Xenova/all-MiniLM-L6-v2, `embedder=none` for none; same device). Without a reranker or an
 * embedder (load failed, offline) it still answers with the stages it has. The lexical stage leaves out
 * `englishStopWords`: the corpus is prose, so "how do I read a file" ranks by "read" and "file" (and the lexical
 * stage runs about 8x faster); an index stored without them is rebuilt by createSearch (its key holds the list).
 */
import {
  createEmbedder,
  createReranker,
  createSearch,
  englishStopWords,
  type DeviceRequest,
  type DtypeRequest,
  type Embedder,
  type Reranker,
  type Search,
  type SearchDocument,
} from '../index.js';
import { describeTimings, renderResults } from './search-render.js';

const CORPUS_URL = new URL('../../demo-data/man-pages.json', import.meta.url);
const DEFAULT_MODEL = 'Xenova/ms-marco-MiniLM-L-6-v2';
const DEFAULT_EMBEDDER = 'Xenova/all-MiniLM-L6-v2';
const TYPING_PAUSE_MS = 120;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`search.html lacks #${id}`);
  return found as T;
}

const input = element<HTMLInputElement>('search-query');
const status = element<HTMLParagraphElement>('search-status');
const timings = element<HTMLParagraphElement>('search-timings');
const results = element<HTMLOListElement>('search-results');

async function loadReranker(params: URLSearchParams): Promise<Reranker | undefined> {
  const model = params.get('model') ?? DEFAULT_MODEL;
  const modelBaseUrl = params.get('modelBaseUrl') ?? undefined;
  const device = (params.get('device') ?? 'auto') as DeviceRequest;
  const dtype = (params.get('dtype') ?? 'auto') as DtypeRequest;
  element<HTMLSpanElement>('search-model').textContent = model;
  try {
    return await createReranker({
      model,
      device,
      dtype,
      ...(modelBaseUrl === undefined ? {} : { modelBaseUrl }),
      onProgress: (p) => {
        if (p.stage === 'download-total') status.textContent = `Loading the reranker ${model}: ${Math.round(p.progress)}%`;
        else if (p.stage === 'session' || p.stage === 'warmup') status.textContent = `Loading the reranker ${model}: ${p.stage}…`;
      },
    });
  } catch (error) {
    status.textContent = `The reranker could not load (${error instanceof Error ? error.message : String(error)}); searching without it.`;
    return undefined;
  }
}

/** Why the page runs without a dense stage, shown with the ready line. */
let embedderNote = '';

async function loadEmbedder(params: URLSearchParams): Promise<Embedder | undefined> {
  const model = params.get('embedder') ?? DEFAULT_EMBEDDER;
  element<HTMLSpanElement>('search-embedder').textContent = model === 'none' ? 'no embedder' : model;
  if (model === 'none') return undefined;
  const modelBaseUrl = params.get('embedderBaseUrl') ?? undefined;
  try {
    return await createEmbedder({
      model,
      device: (params.get('device') ?? 'auto') as DeviceRequest,
      dtype: (params.get('embedderDtype') ?? 'auto') as DtypeRequest,
      ...(modelBaseUrl === undefined ? {} : { modelBaseUrl }),
    });
  } catch (error) {
    embedderNote = `the embedder could not load: ${error instanceof Error ? error.message : String(error)}`;
    return undefined;
  }
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  status.textContent = 'Loading the corpus…';
  const documents = (await (await fetch(CORPUS_URL)).json()) as SearchDocument[];
  const [reranker, embedder] = await Promise.all([loadReranker(params), loadEmbedder(params)]);
  status.textContent = `Indexing ${documents.length.toLocaleString('en-US')} passages…`;
  const search = await createSearch({
    documents,
    fields: { title: 2, text: 1 },
    lexical: { stopWords: englishStopWords },
    persist: { name: 'demo-man-pages' },
    ...(reranker === undefined ? {} : { reranker }),
    ...(embedder === undefined ? {} : { embedder }),
    onProgress: (p) => {
      if (p.stage === 'embed') {
        status.textContent = `Embedding passages with ${embedder?.info.model ?? ''}: ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} (${p.reused.toLocaleString('en-US')} from IndexedDB)…`;
      } else if (p.stage === 'store') status.textContent = 'Saving the index for the next visit…';
    },
  });
  const { lastIndexing } = search.info;
  const dense = embedder === undefined ? `, no dense stage${embedderNote === '' ? '' : ` (${embedderNote})`}` : `, ${lastIndexing.embedded.toLocaleString('en-US')} passages embedded now and ${lastIndexing.reused.toLocaleString('en-US')} from IndexedDB (${embedder.info.model} on ${embedder.info.device})`;
  status.textContent =
    `Ready: ${search.info.documents.toLocaleString('en-US')} passages, lexical index ${lastIndexing.lexicalFromStore ? 'from IndexedDB' : 'built now'} (English stop words left out)${dense}` +
    `${reranker === undefined ? ', no reranker' : `, reranker on ${reranker.info.device}`}. Type to search.`;
  status.dataset['ready'] = 'true';
  input.disabled = false;
  input.focus();
  wireTyping(search);
}

function wireTyping(search: Search): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: AbortController | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running?.abort();
      const controller = new AbortController();
      running = controller;
      search.search(input.value, { topK: 10, candidates: 50, returnDocuments: true, signal: controller.signal }).then(
        (response) => {
          if (controller.signal.aborted) return;
          renderResults(results, response);
          timings.textContent = response.results.length === 0 ? 'No results.' : describeTimings(response);
        },
        (error: { code?: string; message?: string }) => {
          if (error.code !== 'aborted') timings.textContent = `Search failed: ${error.message ?? String(error)}`;
        },
      );
    }, TYPING_PAUSE_MS);
  });
}

async function registerOffline(): Promise<void> {
  const note = element<HTMLParagraphElement>('search-offline');
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`);
  await navigator.serviceWorker.ready;
  note.textContent = 'This page and its corpus work offline now (the reranker too, once its files are cached).';
}

start().catch((error: unknown) => {
  status.textContent = `The search could not start: ${error instanceof Error ? error.message : String(error)}`;
});
void registerOffline().catch(() => undefined);
