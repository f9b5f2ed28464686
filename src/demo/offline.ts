/// <reference types="vite/client" />
/**
 * The demo offline: registers its service worker (src/demo/service-worker.ts) in the built demo, says
 * whether the page itself is cached, and lists the models this browser can load with no network, from the
 * entries transformers.js keeps in Cache Storage. The model presets of `#model` are marked too.
 */
import type { DtypeRequest } from '../index.js';
import { CONFIG_FILES, DTYPE_FILES, HUB_HOST, MODEL_CACHE_NAME, modelFileUrl } from '../shared/model-cache.js';

export interface CachedModel {
  /** The folder the files were fetched from, ending in `/`. */
  readonly root: string;
  /** A Hub model id, or the folder's path (without the origin when it is the page's). */
  readonly label: string;
  /** The dtypes whose `onnx/` file is cached. */
  readonly dtypes: readonly Exclude<DtypeRequest, 'auto'>[];
}

/** The folder a model's files are fetched from (the library's own URL rule), ending in `/`. */
export function modelRoot(model: string, modelBaseUrl: string | undefined, pageUrl: string): string {
  const location = { model, modelBaseUrl: modelBaseUrl === undefined ? undefined : new URL(modelBaseUrl, pageUrl).href };
  return modelFileUrl(location, '');
}

/** The models whose files are all among `urls` (the keys of the model cache), in `urls`' order. */
export function cachedModels(urls: readonly string[], pageOrigin: string): CachedModel[] {
  const present = new Set(urls);
  const models: CachedModel[] = [];
  for (const url of urls) {
    if (!url.endsWith('/config.json')) continue;
    const root = url.slice(0, -'config.json'.length);
    if (!CONFIG_FILES.every((file) => present.has(root + file))) continue;
    const dtypes = DTYPE_FILES.filter(([, file]) => present.has(root + file)).map(([dtype]) => dtype);
    if (dtypes.length === 0) continue;
    const hub = root.startsWith(HUB_HOST) ? /^([^/]+\/[^/]+|[^/]+)\/resolve\/[^/]+\/$/.exec(root.slice(HUB_HOST.length)) : null;
    const label = hub?.[1] ?? (root.startsWith(`${pageOrigin}/`) ? root.slice(pageOrigin.length) : root);
    models.push({ root, label, dtypes });
  }
  return models;
}

async function readCachedModels(): Promise<CachedModel[]> {
  if (typeof caches === 'undefined' || !(await caches.has(MODEL_CACHE_NAME))) return [];
  const cache = await caches.open(MODEL_CACHE_NAME);
  return cachedModels((await cache.keys()).map((request) => request.url), location.origin);
}

export interface OfflineView {
  /** Says whether the page itself works offline. */
  readonly status: HTMLElement;
  /** A `<ul>` of the cached models. */
  readonly list: HTMLUListElement;
  /** `#model`: its presets get an "available offline" note. */
  readonly modelSelect: HTMLSelectElement;
  /** The model base URL field, which decides where a preset's files come from. */
  readonly baseUrlInput: HTMLInputElement;
  /** `#model` options that are no preset (custom id, picked folder). */
  readonly notPresets: readonly string[];
}

export interface OfflineSupport {
  /** Reads the model cache again (after a load, an eviction) and updates the list and the presets. */
  refresh(): Promise<void>;
}

export function startOfflineSupport(view: OfflineView): OfflineSupport {
  void showPageStatus(view.status);
  let latest = 0;
  const refresh = async (): Promise<void> => {
    const ticket = ++latest;
    let models: CachedModel[];
    try {
      models = await readCachedModels();
    } catch {
      models = []; // Cache Storage can be unavailable (private modes, storage blocked): nothing is cached then.
    }
    if (ticket !== latest) return;
    renderModels(view, models);
  };
  view.baseUrlInput.addEventListener('input', () => void refresh());
  void refresh();
  return { refresh };
}

async function showPageStatus(status: HTMLElement): Promise<void> {
  if (!('serviceWorker' in navigator)) {
    status.textContent = 'This browser cannot keep the page for offline use (no service workers here).';
    return;
  }
  if (!import.meta.env.PROD) {
    // See scripts/demo-service-worker.ts: the dev server's modules cannot be precached.
    status.textContent = 'Offline use: only the built demo (npm run build:demo) caches the page; this is the dev server.';
    return;
  }
  status.textContent = 'Saving the page for offline use…';
  try {
    await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`);
    // Resolves once a worker is active, i.e. after every file of the page was cached.
    await navigator.serviceWorker.ready;
    status.textContent = 'This page works offline: its files, the worker and the WASM runtime are cached.';
    status.dataset['offlineReady'] = 'true';
  } catch (error) {
    status.textContent = `The page could not be saved for offline use: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function renderModels(view: OfflineView, models: readonly CachedModel[]): void {
  const items = models.map((model) => {
    const item = document.createElement('li');
    item.dataset['root'] = model.root;
    const name = document.createElement('code');
    name.textContent = model.label;
    item.append(name, ` (${model.dtypes.join(', ')})`);
    return item;
  });
  if (items.length === 0) {
    const none = document.createElement('li');
    none.className = 'muted';
    none.textContent = 'None yet: a model is kept once it has loaded.';
    items.push(none);
  }
  view.list.replaceChildren(...items);

  const baseUrl = view.baseUrlInput.value.trim();
  const byRoot = new Map(models.map((model) => [model.root, model]));
  for (const option of Array.from(view.modelSelect.options)) {
    if (view.notPresets.includes(option.value)) continue;
    const label = (option.dataset['label'] ??= option.textContent ?? option.value);
    const cached = byRoot.get(modelRoot(option.value, baseUrl === '' ? undefined : baseUrl, location.href));
    option.textContent = cached === undefined ? label : `${label} · available offline (${cached.dtypes.join(', ')})`;
    if (cached === undefined) delete option.dataset['offline'];
    else option.dataset['offline'] = cached.dtypes.join(',');
  }
}
