/**
 * Which cached files belong to a model, how revisions key them, which load failures drop a file, and
 * `clearModelCache` / eviction over an in-memory Cache Storage.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearModelCache } from '../../src/client/clear-model-cache.js';
import {
  MODEL_CACHE_NAME,
  evictCachedFiles,
  isContentFailure,
  isFileOfModel,
  modelCacheKey,
  modelFileUrl,
} from '../../src/shared/model-cache.js';
import { RerankerError } from '../../src/shared/errors.js';

/** Cache Storage as the browser has it, enough for the library: keys are normalized request URLs. */
class MemoryCache {
  readonly entries = new Map<string, Response>();
  async match(request: string | Request): Promise<Response | undefined> {
    return this.entries.get(new URL(typeof request === 'string' ? request : request.url).href)?.clone();
  }
  async put(request: string | Request, response: Response): Promise<void> {
    this.entries.set(new URL(typeof request === 'string' ? request : request.url).href, response);
  }
  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
  async delete(request: string | Request): Promise<boolean> {
    return this.entries.delete(new URL(typeof request === 'string' ? request : request.url).href);
  }
}

class MemoryCacheStorage {
  readonly caches = new Map<string, MemoryCache>();
  async has(name: string): Promise<boolean> {
    return this.caches.has(name);
  }
  async open(name: string): Promise<MemoryCache> {
    const cache = this.caches.get(name) ?? new MemoryCache();
    this.caches.set(name, cache);
    return cache;
  }
}

const BASE = 'https://models.example/m';
const hub = (model: string, file: string, revision = 'main') => modelFileUrl({ model, revision }, file);
const hosted = (model: string, file: string) => modelFileUrl({ model, modelBaseUrl: BASE }, file);

let storage: MemoryCacheStorage;
beforeEach(() => {
  storage = new MemoryCacheStorage();
  (globalThis as { caches?: unknown }).caches = storage;
});
afterEach(() => {
  delete (globalThis as { caches?: unknown }).caches;
});

async function fill(urls: readonly string[]): Promise<MemoryCache> {
  const cache = await storage.open(MODEL_CACHE_NAME);
  for (const url of urls) await cache.put(url, new Response('x'));
  return cache;
}

describe('model files and cache keys', () => {
  it('puts the revision in Hub URLs, and in self-hosted cache keys only when it is not main', () => {
    expect(hub('BAAI/bge-reranker-v2-m3', 'config.json', 'v1.0')).toBe('https://huggingface.co/BAAI/bge-reranker-v2-m3/resolve/v1.0/config.json');
    expect(hub('Xenova/ms-marco-MiniLM-L-6-v2', 'onnx/model.onnx')).toBe(
      'https://huggingface.co/Xenova/ms-marco-MiniLM-L-6-v2/resolve/main/onnx/model.onnx',
    );
    expect(hub('org/name', 'config.json', 'refs/pr/1')).toBe('https://huggingface.co/org/name/resolve/refs%2Fpr%2F1/config.json');
    expect(modelCacheKey({ model: 'tiny', modelBaseUrl: `${BASE}/` }, 'config.json')).toBe(`${BASE}/tiny/config.json`);
    const v2 = modelCacheKey({ model: 'tiny', modelBaseUrl: BASE, revision: 'v2' }, 'config.json');
    expect(v2).toBe(`${BASE}/tiny/config.json?revision=v2`);
    expect(modelFileUrl({ model: 'tiny', modelBaseUrl: BASE, revision: 'v2' }, 'config.json')).toBe(`${BASE}/tiny/config.json`);
  });

  it('tells a model folder from the folders beside and below it', () => {
    expect(isFileOfModel(hosted('org', 'config.json'), 'org', BASE)).toBe(true);
    expect(isFileOfModel(hosted('org', 'onnx/model_quantized.onnx'), 'org', BASE)).toBe(true);
    expect(isFileOfModel(`${hosted('org', 'config.json')}?revision=v2`, 'org', BASE)).toBe(true);
    expect(isFileOfModel(hosted('org/name', 'config.json'), 'org', BASE)).toBe(false);
    expect(isFileOfModel(hosted('org/name', 'onnx/model.onnx'), 'org', BASE)).toBe(false);
    expect(isFileOfModel(hosted('org/onnx', 'onnx/model.onnx'), 'org', BASE)).toBe(false);
    expect(isFileOfModel(hosted('org/onnx', 'config.json'), 'org', BASE)).toBe(false);
    expect(isFileOfModel(hosted('org2', 'config.json'), 'org', BASE)).toBe(false);
    expect(isFileOfModel(hub('org', 'config.json'), 'org', BASE)).toBe(false);
    expect(isFileOfModel(hub('org/name', 'config.json', 'v1'), 'org/name')).toBe(true);
    expect(isFileOfModel(hub('org/name', 'onnx/model.onnx_data_1'), 'org/name')).toBe(true);
    expect(isFileOfModel(hub('org/name-2', 'config.json'), 'org/name')).toBe(false);
    expect(isFileOfModel(hosted('org/name', 'config.json'), 'org/name')).toBe(false);
  });
});

describe('which load failures drop a cached file', () => {
  it('drops files whose content does not parse', () => {
    for (const text of [
      "Can't create a session. ERROR_CODE: 7, ERROR_MESSAGE: Failed to load model because protobuf parsing failed.",
      'Unexpected token \'<\', "<!doctype "... is not valid JSON',
      'Unexpected end of JSON input',
      'SyntaxError: Bad control character in string literal',
    ]) {
      expect(isContentFailure(text), text).toBe(true);
    }
  });

  it('keeps them on network, memory, device and session failures', () => {
    for (const text of [
      'Failed to fetch',
      'NetworkError when attempting to fetch resource.',
      'RangeError: Array buffer allocation failed',
      'WebAssembly.Memory(): could not allocate memory',
      "Can't create a session. ERROR_CODE: 6, ERROR_MESSAGE: std::bad_alloc",
      'Out of memory',
      'Failed to get GPU adapter.',
      'WebGPU device was lost: parse error in the driver',
      "Can't create a session. ERROR_CODE: 1, ERROR_MESSAGE: Non-zero status code returned while running Add node.",
      'The operation was aborted.',
    ]) {
      expect(isContentFailure(text), text).toBe(false);
    }
  });
});

describe('eviction and clearModelCache', () => {
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'];

  it('evicts exactly the given keys and the external data of an .onnx key', async () => {
    const cache = await fill([
      ...files.map((file) => hosted('org', file)),
      hosted('org', 'onnx/model.onnx_data'),
      hosted('org', 'onnx/model.onnx_data_1'),
      ...files.map((file) => hosted('org/name', file)),
    ]);
    expect(await evictCachedFiles(MODEL_CACHE_NAME, [hosted('org', 'onnx/model.onnx')])).toBe(3);
    const left = [...cache.entries.keys()];
    expect(left).not.toContain(hosted('org', 'onnx/model.onnx'));
    expect(left).toContain(hosted('org', 'onnx/model_quantized.onnx'));
    expect(left).toContain(hosted('org', 'config.json'));
    expect(left.filter((url) => url.includes('/org/name/'))).toHaveLength(files.length);
  });

  it('clears one model (every revision), never another, and returns the count', async () => {
    const cache = await fill([
      ...files.map((file) => hub('Xenova/ms-marco-MiniLM-L-6-v2', file)),
      hub('Xenova/ms-marco-MiniLM-L-6-v2', 'config.json', 'abc123'),
      ...files.map((file) => hub('Xenova/ms-marco-MiniLM-L-6-v2-other', file)),
      ...files.map((file) => hosted('org', file)),
      `${hosted('org', 'config.json')}?revision=v2`,
      ...files.map((file) => hosted('org/name', file)),
    ]);
    expect(await clearModelCache('Xenova/ms-marco-MiniLM-L-6-v2')).toBe(files.length + 1);
    expect([...cache.entries.keys()].some((url) => url.includes('/Xenova/ms-marco-MiniLM-L-6-v2/'))).toBe(false);
    expect(await clearModelCache('org', { modelBaseUrl: BASE })).toBe(files.length + 1);
    expect(await clearModelCache('org', { modelBaseUrl: BASE })).toBe(0);
    const left = [...cache.entries.keys()];
    expect(left.filter((url) => url.includes('/org/name/'))).toHaveLength(files.length);
    expect(left.filter((url) => url.includes('-other/'))).toHaveLength(files.length);
  });

  it('clears every model file without a model, and leaves other entries', async () => {
    const cache = await fill([...files.map((file) => hosted('a', file)), ...files.map((file) => hub('b/c', file)), 'https://example.org/app.js']);
    expect(await clearModelCache()).toBe(2 * files.length);
    expect([...cache.entries.keys()]).toEqual(['https://example.org/app.js']);
  });

  it('refuses a model id that is not one', async () => {
    await expect(clearModelCache('../x')).rejects.toMatchObject({ code: 'invalid-input', details: { argument: 'model' } });
    await expect(clearModelCache('')).rejects.toBeInstanceOf(RerankerError);
  });

  it('answers 0 without Cache Storage', async () => {
    delete (globalThis as { caches?: unknown }).caches;
    expect(await clearModelCache('org')).toBe(0);
  });
});
