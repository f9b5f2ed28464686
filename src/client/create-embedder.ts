import { startEmbedderWorker } from './worker-handle.js';
import { WorkerEmbedder } from './worker-embedder.js';
import type { Embedder, EmbedderOptions } from '../shared/embedder-types.js';
import { validateEmbedderOptions } from '../shared/embedder-validate.js';
import { withAbsoluteBaseUrl } from './page-url.js';
import { normalizeModelFiles } from '../shared/model-files.js';

/**
 * Starts a Web Worker, loads a sentence-embedding model in it (progress through `options.onProgress`) and
 * warms it up. Resolves to an `Embedder` whose `embed` runs in the worker; rejects with a `RerankerError`
 * (`model-not-found`, `unsupported-model` naming the file and what is missing, `webgpu-unavailable`, ...).
 */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  validateEmbedderOptions(options);
  const prepared = options.modelFiles === undefined ? options : { ...options, modelFiles: normalizeModelFiles(options.modelFiles) };
  return WorkerEmbedder.create(startEmbedderWorker, withAbsoluteBaseUrl(prepared));
}
