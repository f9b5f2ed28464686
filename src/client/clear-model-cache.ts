/**
 * `clearModelCache`: drops model files the library cached in the browser's Cache Storage (transformers.js's
 * `transformers-cache`), for one model or all of them.
 */
import { MODEL_CACHE_NAME, PLACEMENT_CACHE_NAME, deleteCachedFiles, isAnyModelFile, isFileOfModel } from '../shared/model-cache.js';
import { RerankerError, describeCause } from '../shared/errors.js';
import { validateModelId } from '../shared/validate.js';

export interface ClearModelCacheOptions {
  /**
   * The `modelBaseUrl` the model was loaded with (relative URLs resolve against the page). Default: unset,
   * the model's files from the Hugging Face Hub.
   */
  modelBaseUrl?: string;
}

/**
 * Deletes the cached files of `model` (every revision; from the Hub, or from `options.modelBaseUrl` when the
 * model is self-hosted), or, without `model`, every model file the library cached (config, tokenizer and
 * `onnx/` files; transformers.js used elsewhere on the same origin shares that cache), and the placements read
 * from those files (`info.cpuNodes`). Resolves to how many files were deleted (0 where there is no Cache Storage).
 * The next load downloads them again.
 */
export async function clearModelCache(model?: string, options: ClearModelCacheOptions = {}): Promise<number> {
  if (model !== undefined) validateModelId(model, 'model');
  const { modelBaseUrl } = options;
  if (modelBaseUrl !== undefined && typeof modelBaseUrl !== 'string') {
    throw new RerankerError('invalid-input', 'modelBaseUrl must be a URL string.', { details: { argument: 'modelBaseUrl' } });
  }
  const pageUrl = globalThis.document?.baseURI ?? globalThis.location?.href;
  const base = modelBaseUrl === undefined ? undefined : pageUrl === undefined ? modelBaseUrl : new URL(modelBaseUrl, pageUrl).href;
  const chosen = (url: string): boolean => (model === undefined ? isAnyModelFile(url) : isFileOfModel(url, model, base));
  try {
    const deleted = await deleteCachedFiles(MODEL_CACHE_NAME, chosen);
    // What was read from those files (the placement behind info.cpuNodes) goes with them; it is not a file, so not counted.
    await deleteCachedFiles(PLACEMENT_CACHE_NAME, chosen);
    return deleted;
  } catch (error) {
    throw new RerankerError('inference-failed', `Could not clear the model cache: ${describeCause(error)}.`, { cause: error });
  }
}
