/**
 * Where a model's files come from and how the browser cache keys them, and dropping them from it.
 *
 * transformers.js stores a model file in Cache Storage as soon as its body has been read in full, before
 * anything parses it: a file that arrives whole but is truncated at the source, an HTML error page served
 * with status 200, or a corrupt upload would stay cached and fail every later load, even after the server
 * is fixed. So when loading fails on a file's *content*, that file (and only that file, by its exact cache
 * key) is dropped, so the next load downloads it again. Nothing is dropped for a network failure (offline,
 * the cached files still work), running out of memory or a WebGPU session error: the files are fine.
 * (A body cut off mid-stream never gets cached: the read fails, and transformers.js caches nothing.)
 *
 * The one home of the model folder's layout (which files, at which URL, under which cache key): the runtime
 * loads by it, and the page (`clearModelCache`, the demo's offline list) reads the cache by it. No
 * transformers.js import here.
 */
import type { Dtype } from './types.js';

/** transformers.js's dtype names map onto the Hub's file suffixes. */
const DTYPE_SUFFIX: Record<Dtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
};

/** `onnx/model_quantized.onnx` for the graph `model` in q8; layerwise graphs are `model_layer{N}`. */
export function onnxFile(graph: string, dtype: Dtype): string {
  return `onnx/${graph}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/** The dtypes, each with the `onnx/` file of the plain graph (`model`). */
export const DTYPE_FILES: readonly (readonly [Dtype, string])[] = (Object.keys(DTYPE_SUFFIX) as Dtype[]).map((dtype) => [dtype, onnxFile('model', dtype)]);

/** Besides one `onnx/` file, what every load reads: the config and the tokenizer (dropped together when refused). */
export const CONFIG_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

/** transformers.js's Cache Storage cache (its `env.cacheKey`, which the library leaves at the default). */
export const MODEL_CACHE_NAME = 'transformers-cache';

/**
 * Where the runtime keeps the placement read from a graph file (`info.cpuNodes`, runtime/placement-memo.ts), under
 * the file's own cache key; apart from the model files so their listings stay files only.
 */
export const PLACEMENT_CACHE_NAME = 'webgpu-reranker-placement';

export const HUB_HOST = 'https://huggingface.co/';

export const DEFAULT_REVISION = 'main';

/** Which model's files: the model id, and where they are served from. */
export interface ModelLocation {
  readonly model: string;
  /** Absolute base URL of self-hosted models; unset: the Hub. */
  readonly modelBaseUrl?: string | undefined;
  /** Default `'main'`. */
  readonly revision?: string | undefined;
}

/**
 * The files of one model folder that the library (through transformers.js) fetches: the JSON files at its
 * top and `onnx/model*.onnx` with their external data; for embedders, the sentence-transformers files too. Matched against what follows the model's own folder,
 * so the files of `org/name` are never taken for files of `org`.
 */
const MODEL_FILE = /^(?:config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|onnx\/model[^/]*\.onnx(?:_data(?:_\d+)?)?|modules\.json|config_sentence_transformers\.json|sentence_bert_config\.json|\d+_Pooling\/config\.json)$/;

function baseOf(modelBaseUrl: string): string {
  return `${modelBaseUrl.replace(/\/+$/, '')}/`;
}

/** The URL `file` is fetched from. */
export function modelFileUrl(location: ModelLocation, file: string): string {
  if (location.modelBaseUrl !== undefined) return `${baseOf(location.modelBaseUrl)}${location.model}/${file}`;
  return `${HUB_HOST}${location.model}/resolve/${encodeURIComponent(location.revision ?? DEFAULT_REVISION)}/${file}`;
}

/**
 * Self-hosted files carry no revision in their URL; a revision other than `'main'` is kept apart in the cache
 * under the URL with `?revision=` added (the files are still fetched from the plain URL).
 */
export function revisionCacheKey(url: string, revision: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}revision=${encodeURIComponent(revision)}`;
}

/** Whether self-hosted files of this load are cached under revision keys (see `revisionCacheKey`). */
export function usesRevisionKeys(location: ModelLocation): boolean {
  return location.modelBaseUrl !== undefined && (location.revision ?? DEFAULT_REVISION) !== DEFAULT_REVISION;
}

/** The key the browser cache holds `file` under. */
export function modelCacheKey(location: ModelLocation, file: string): string {
  const url = modelFileUrl(location, file);
  return usesRevisionKeys(location) ? revisionCacheKey(url, location.revision ?? DEFAULT_REVISION) : url;
}

/** `url` as Cache Storage reports request URLs (percent-encoded, normalized). */
function normalized(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * Whether the cache key `url` is a file of exactly `model` (any revision): on the Hub,
 * `https://huggingface.co/{model}/resolve/{revision}/{file}`; self-hosted, `${modelBaseUrl}/${model}/{file}`
 * (with or without `?revision=`). Files of another model, `org/name` for `org` included, never match.
 */
export function isFileOfModel(url: string, model: string, modelBaseUrl?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.search !== '' && !/^\?revision=[^&]*$/.test(parsed.search)) return false;
  const plain = `${parsed.origin}${parsed.pathname}`;
  if (modelBaseUrl === undefined) {
    const root = normalized(`${HUB_HOST}${model}/resolve/`);
    if (!plain.startsWith(root)) return false;
    const rest = plain.slice(root.length);
    const slash = rest.indexOf('/');
    return slash > 0 && MODEL_FILE.test(rest.slice(slash + 1));
  }
  const root = normalized(`${baseOf(modelBaseUrl)}${model}/`);
  return plain.startsWith(root) && MODEL_FILE.test(plain.slice(root.length));
}

/** Whether the cache key `url` looks like a model file the library fetches, of any model. */
export function isAnyModelFile(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return false;
  }
  return /\/(?:config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|onnx\/model[^/]*\.onnx(?:_data(?:_\d+)?)?|modules\.json|config_sentence_transformers\.json|sentence_bert_config\.json|\d+_Pooling\/config\.json)$/.test(path);
}

/** Deletes every entry of cache `cacheName` whose URL passes `select`; returns how many. */
export async function deleteCachedFiles(cacheName: string, select: (url: string) => boolean): Promise<number> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (storage === undefined) return 0;
  if (!(await storage.has(cacheName))) return 0;
  const cache = await storage.open(cacheName);
  const chosen = (await cache.keys()).filter((request) => select(request.url));
  const deleted = await Promise.all(chosen.map((request) => cache.delete(request)));
  return deleted.filter(Boolean).length;
}

/**
 * Drops exactly these cache keys (and the external data files of an `.onnx` key: `<key>_data`, `<key>_data_1`,
 * ...); returns how many entries went. Never fails: eviction is a courtesy to the next load and must not hide
 * the error being reported.
 */
export async function evictCachedFiles(cacheName: string, keys: readonly string[]): Promise<number> {
  const wanted = keys.map(normalized);
  const dataOf = (url: string, key: string): boolean => {
    // `onnx/model.onnx?revision=x` -> `onnx/model.onnx_data?revision=x`
    const [path, query = ''] = key.split('?');
    return path !== undefined && path.endsWith('.onnx') && new RegExp(`^${escapeRegExp(path)}_data(?:_\\d+)?${query === '' ? '' : escapeRegExp(`?${query}`)}$`).test(url);
  };
  try {
    return await deleteCachedFiles(cacheName, (url) => wanted.some((key) => url === key || dataOf(url, key)));
  } catch {
    return 0;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether a load failure is about a file's content (it downloaded but does not parse: truncated, an HTML
 * page, corrupt), as opposed to the network, memory, the device or the session: only then is the file
 * dropped from the cache. Decided from the failure's text, with memory, device and network wording first,
 * so that only a positive sign of bad content drops a file.
 */
export function isContentFailure(text: string): boolean {
  if (/out of memory|memory|alloc|OOM|device|GPU|adapter|shader|network|fetch|timed? ?out|abort|quota/i.test(text)) return false;
  return /JSON|Unexpected (?:token|end|character|non-whitespace)|SyntaxError|protobuf|INVALID_PROTOBUF|invalid model|INVALID_GRAPH|invalid graph|model format|magic|not a valid|parse|corrupt/i.test(
    text,
  );
}

/** `url` resolved against the page (relative `modelBaseUrl`s are). */
export function absoluteUrl(url: string): string {
  const base = globalThis.location?.href;
  return base === undefined ? url : new URL(url, base).href;
}

/**
 * Self-hosted files of a revision other than 'main' in the browser cache, under `?revision=` keys (see
 * model-cache.ts); fetched from their plain URL. transformers.js looks files up here before fetching them.
 */
export function revisionKeyedCache(cacheName: string, revision: string): { match(key: string): Promise<Response | undefined>; put(key: string, response: Response): Promise<void> } {
  const open = (): Promise<Cache> => caches.open(cacheName);
  return {
    match: async (key) => (await open()).match(revisionCacheKey(absoluteUrl(key), revision)),
    put: async (key, response) => {
      try {
        await (await open()).put(revisionCacheKey(absoluteUrl(key), revision), response);
      } catch {
        // As transformers.js does with its own cache: a file that cannot be cached (quota) still loads.
      }
    },
  };
}
