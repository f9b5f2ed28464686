/// <reference types="vite/client" />
/**
 * The search demo (search.html): the man-pages corpus indexed by createSearch (lexical, kept in IndexedDB),
 * reranked by a cross-encoder, answering as you type. `?model=&modelBaseUrl=&device=&dtype=` choose the reranker
 * (default Xenova/ms-marco-MiniLM-L-6-v2 from the Hub); without a reranker (load failed, offline) it still
 * answers with the first stage.
 */
import { createReranker, createSearch, type DeviceRequest, type DtypeRequest, type Reranker, type Search, type SearchDocument } from '../index.js';
import { describeTimings, renderResults } from './search-render.js';

const CORPUS_URL = new URL('../../demo-data/man-pages.json', import.meta.url);
const DEFAULT_MODEL = 'Xenova/ms-marco-MiniLM-L-6-v2';
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

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  status.textContent = 'Loading the corpus…';
  const documents = (await (await fetch(CORPUS_URL)).json()) as SearchDocument[];
  const reranker = await loadReranker(params);
  status.textContent = `Indexing ${documents.length.toLocaleString('en-US')} passages…`;
  const search = await createSearch({
    documents,
    fields: { title: 2, text: 1 },
    persist: { name: 'demo-man-pages' },
    ...(reranker === undefined ? {} : { reranker }),
    onProgress: (p) => {
      if (p.stage === 'store') status.textContent = 'Saving the index for the next visit…';
    },
  });
  const { lastIndexing } = search.info;
  status.textContent =
    `Ready: ${search.info.documents.toLocaleString('en-US')} passages, lexical index ${lastIndexing.lexicalFromStore ? 'from IndexedDB' : 'built now'}` +
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
