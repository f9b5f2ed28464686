/**
 * What a failed load step becomes: a typed error that names the file, and which files the failure drops from
 * the browser cache (see shared/model-cache.ts for why). Kept apart from the loader so the rules read in one
 * place; it knows nothing of transformers.js (the loader passes in how to recognise its "file not found").
 */
import { RerankerError, describeCause } from '../shared/errors.js';
import { CONFIG_FILES, evictCachedFiles, isContentFailure } from '../shared/model-cache.js';
import type { LoadRequest } from '../shared/protocol.js';
import { cacheKeyOf } from './model-urls.js';

export interface FailureContext {
  /** The URL a file of this load is fetched from, for messages. */
  fileUrl(file: string): string;
  /** A download refused for its size during this load (see size-limited-fetch.ts), if any. */
  refusedDownload(): RerankerError | undefined;
  /** Whether `error` is the loader library's "this file does not exist". */
  isFileNotFound(error: unknown): error is Error;
}

/**
 * Files (paths in the model folder) to drop from the browser cache when the load fails with this error:
 * the file whose content failed, or the config and tokenizer on a manifest or dtype problem. Recorded where
 * the error is classified; nothing recorded means nothing is dropped.
 */
const evictOnFailure = new WeakMap<RerankerError, readonly string[]>();

/** `error`, which when the load fails drops `files` from the browser cache. */
function evicting(error: RerankerError, files: readonly string[]): RerankerError {
  evictOnFailure.set(error, files);
  return error;
}

/** The files a failed load drops from the browser cache (undefined: none). */
export function filesToEvict(error: unknown): readonly string[] | undefined {
  return error instanceof RerankerError ? evictOnFailure.get(error) : undefined;
}

/**
 * Runs a check of the model's config or tokenizer (manifest, head, dtypes): one it refuses drops the cached
 * config and tokenizer files, so a model re-exported at the same URL is read afresh by the next load.
 */
export function refreshOnError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof RerankerError && !evictOnFailure.has(error)) throw evicting(error, CONFIG_FILES);
    throw error;
  }
}

/**
 * Runs one loading step and turns its failures into typed errors that name the file (the first of `files`,
 * the files the step reads). A failure on their content drops them from the browser cache.
 */
export async function loadStep<T>(files: readonly [string, ...string[]], context: FailureContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const typed = classifyLoadError(error, files[0], context);
    if (typed.code === 'model-load-failed' && typed.details['limit'] === undefined && typed !== error && isContentFailure(describeCause(error))) {
      throw evicting(typed, files);
    }
    throw typed;
  }
}

function classifyLoadError(error: unknown, file: string, context: FailureContext): RerankerError {
  if (error instanceof RerankerError) return error;
  // A download refused for its size, whatever the loader made of the error on its way here.
  const refused = context.refusedDownload();
  if (refused !== undefined) return refused;
  const fileUrl = context.fileUrl(file);
  if (context.isFileNotFound(error)) {
    const url = /"([^"]+)"/.exec(error.message)?.[1] ?? fileUrl;
    return new RerankerError(
      'model-not-found',
      `Model file not found: ${url}. Check the model id, that the folder follows the Hub layout ` +
        `(config.json, tokenizer.json, onnx/model*.onnx), and modelBaseUrl if you self-host.`,
      { details: { url }, cause: error },
    );
  }
  const text = describeCause(error);
  if (/fetch|network|Failed to fetch|NetworkError|load failed/i.test(text) && !/parse|JSON/i.test(text)) {
    return new RerankerError(
      'model-load-failed',
      `Could not download ${fileUrl} (${text}). If the Hugging Face Hub is unreachable, self-host the ` +
        `model files and pass modelBaseUrl.`,
      { details: { url: fileUrl }, cause: error },
    );
  }
  // onnxruntime-web's build has no kernel for an operator of the graph (a WASM build without
  // GatherBlockQuantized, for one): the file is whole, so re-downloading it would not help.
  const missingKernel = /Could not find an implementation for (\w+)/.exec(text)?.[1];
  if (missingKernel !== undefined) {
    return new RerankerError(
      'model-load-failed',
      `Could not load ${fileUrl}: ${text}. This onnxruntime-web build cannot run the graph's ${missingKernel} ` +
        `operator on this device: export the model without it (a q4 file with its embedding table left in float, ` +
        `as scripts/export writes them), or pick another dtype or device.`,
      { details: { url: fileUrl }, cause: error },
    );
  }
  return new RerankerError(
    'model-load-failed',
    `Could not load ${fileUrl}: ${text}. The file may be truncated or not what its name says; ` +
      `re-export it or clear the site's cache.`,
    { details: { url: fileUrl }, cause: error },
  );
}

/**
 * Runs a load; a file that downloaded but did not load may be cached as it is: drop it (by its exact key) so a
 * retry fetches it again. Network, memory and device failures drop nothing: the cached files are fine.
 * `cacheName`: the browser cache the loader library keeps files in.
 */
export async function evictingLoad<T>(request: LoadRequest, cacheName: () => string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const files = filesToEvict(error);
    if (files !== undefined && request.modelFiles === undefined && (request.useBrowserCache ?? true)) {
      await evictCachedFiles(cacheName(), files.map((file) => cacheKeyOf(request, file)));
    }
    throw error;
  }
}
