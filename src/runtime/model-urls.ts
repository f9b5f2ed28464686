/** Where a load's files are fetched from and the keys the browser cache holds them under. */
import type { LoadRequest } from '../shared/protocol.js';
import { absoluteUrl, modelCacheKey, modelFileUrl as locatedFileUrl, type ModelLocation } from '../shared/model-cache.js';
import { PICKED_FILES_HOST } from './picked-files-cache.js';

/** transformers.js's remote path for Hub models (the files of one revision). */
export const HUB_PATH_TEMPLATE = '{model}/resolve/{revision}/';

type Source = Pick<LoadRequest, 'model' | 'modelBaseUrl' | 'revision' | 'modelFiles'>;

function locationOf(request: Source): ModelLocation {
  return { model: request.model, modelBaseUrl: request.modelBaseUrl === undefined ? undefined : absoluteUrl(request.modelBaseUrl), revision: request.revision };
}

export function modelFileUrl(request: Source, file: string): string {
  if (request.modelFiles !== undefined) return `${PICKED_FILES_HOST}${request.model}/${file}`;
  return locatedFileUrl(locationOf(request), file);
}

/** The key `file` of this load has in the browser cache. */
export function cacheKeyOf(request: Source, file: string): string {
  return modelCacheKey(locationOf(request), file);
}
