/**
 * Where transformers.js looks for a load's files, as the values of its `env` fields: the Hub, a self-hosted
 * base URL (with revision-keyed cache entries where the URL has no revision), or picked files answered from a
 * custom cache. Decided here from the request alone; transformers-runtime.ts assigns them to `env`.
 */
import type { LoadRequest } from '../shared/protocol.js';
import { DEFAULT_REVISION, HUB_HOST, absoluteUrl, revisionKeyedCache, usesRevisionKeys } from '../shared/model-cache.js';
import { PICKED_FILES_HOST, pickedFilesCache } from './picked-files-cache.js';
import { HUB_PATH_TEMPLATE } from './model-urls.js';

/** A cache transformers.js consults before fetching a file (its `env.customCache`). */
export interface FileCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

/** The `env` fields a load sets; a field left out keeps its value (it is not read under these settings). */
export interface EnvironmentSettings {
  allowLocalModels: boolean;
  allowRemoteModels: boolean;
  useBrowserCache: boolean;
  useCustomCache: boolean;
  customCache?: FileCache;
  localModelPath?: string;
  remoteHost?: string;
  remotePathTemplate?: string;
}

type Source = Pick<LoadRequest, 'model' | 'modelBaseUrl' | 'modelFiles' | 'revision' | 'useBrowserCache'>;

/** The `env` fields for `request`; `cacheName` is transformers.js's browser cache (`env.cacheKey`). */
export function environmentSettings(request: Source, cacheName: string): EnvironmentSettings {
  const useBrowserCache = request.useBrowserCache ?? true;
  if (request.modelFiles !== undefined) {
    // Picked files: every lookup is answered from them, and nothing may be fetched. transformers.js refuses
    // to run with local and remote models both off, so "local" models live under a host that cannot resolve
    // and that the custom cache answers for (it is looked up before any fetch).
    return {
      allowRemoteModels: false,
      allowLocalModels: true,
      localModelPath: PICKED_FILES_HOST,
      useBrowserCache: false,
      useCustomCache: true,
      customCache: pickedFilesCache(request.model, request.modelFiles),
    };
  }
  const remote = { allowLocalModels: false, allowRemoteModels: true, useBrowserCache, useCustomCache: false };
  if (request.modelBaseUrl === undefined) return { ...remote, remoteHost: HUB_HOST, remotePathTemplate: HUB_PATH_TEMPLATE };
  const located = { ...remote, remoteHost: `${absoluteUrl(request.modelBaseUrl).replace(/\/+$/, '')}/`, remotePathTemplate: '{model}/' };
  if (!useBrowserCache || !usesRevisionKeys(request)) return located;
  // The URL has no revision in it: cache under keys that do, so two revisions never mix.
  return { ...located, useBrowserCache: false, useCustomCache: true, customCache: revisionKeyedCache(cacheName, request.revision ?? DEFAULT_REVISION) };
}
