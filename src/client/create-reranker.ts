import { startBrowserWorker } from './worker-handle.js';
import { WorkerReranker } from './worker-reranker.js';
import type { RerankerOptions } from '../shared/reranker-options.js';
import type { Reranker } from '../shared/types.js';
import { withAbsoluteBaseUrl } from './page-url.js';
import { normalizeModelFiles } from '../shared/model-files.js';
import { validateCreateOptions } from '../shared/validate.js';

/**
 * Starts a Web Worker, loads the model in it (progress through `options.onProgress`) and warms it up.
 * Resolves to a `Reranker` whose calls run in the worker; rejects with a `RerankerError` whose `code`
 * says what failed (`model-not-found`, `unsupported-model`, `webgpu-unavailable`, ...).
 */
export async function createReranker(options: RerankerOptions): Promise<Reranker> {
  validateCreateOptions(options);
  // Normalized once here, so a bad entry fails now and every worker (after a crash too) gets the same map.
  const prepared = options.modelFiles === undefined ? options : { ...options, modelFiles: normalizeModelFiles(options.modelFiles) };
  return WorkerReranker.create(startBrowserWorker, withAbsoluteBaseUrl(prepared));
}
