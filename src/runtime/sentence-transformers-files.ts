/**
 * Reads a model's sentence-transformers files (small JSON files transformers.js does not fetch): from the
 * picked files, else the browser cache (kept there beside the model's other files, under the same keys, so an
 * offline load finds them and `clearModelCache` drops them), else the network. A file that is not there (404)
 * is `undefined`: the model may have none, and embedding-config.ts decides what that means.
 */
import { readModules, type SentenceTransformersFiles } from '../engine/embedding-config.js';
import { RerankerError, describeCause } from '../shared/errors.js';
import type { ModelFiles } from '../shared/model-files.js';

export interface JsonFileSource {
  readonly model: string;
  readonly modelFiles?: ModelFiles | undefined;
  /** Cache Storage name to read and fill; unset: no browser cache. */
  readonly cacheName?: string | undefined;
  url(file: string): string;
  cacheKey(file: string): string;
  readonly fetch: (url: string) => Promise<Response>;
}

/** Larger than any real config of these files by far; a bigger answer is not one of them. */
const MAX_JSON_BYTES = 1_000_000;

async function parse(source: JsonFileSource, file: string, response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length > MAX_JSON_BYTES) throw new RerankerError('model-load-failed', `${source.url(file)} is over 1 MB; it is not a sentence-transformers config.`, { details: { file } });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RerankerError('model-load-failed', `${source.url(file)} is not valid JSON (${describeCause(error)}); fix or remove the file.`, { details: { file } });
  }
}

export async function readOptionalJson(source: JsonFileSource, file: string): Promise<unknown> {
  if (source.modelFiles !== undefined) {
    const blob = source.modelFiles[file];
    return blob === undefined ? undefined : parse(source, file, new Response(blob));
  }
  const cache = source.cacheName === undefined || typeof caches === 'undefined' ? undefined : await caches.open(source.cacheName);
  const cached = await cache?.match(source.cacheKey(file));
  if (cached !== undefined) return parse(source, file, cached);
  let response: Response;
  try {
    response = await source.fetch(source.url(file));
  } catch (error) {
    throw new RerankerError('model-load-failed', `Could not fetch ${source.url(file)} (${describeCause(error)}); check the network and modelBaseUrl.`, {
      details: { file },
    });
  }
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new RerankerError('model-load-failed', `${source.url(file)} answered ${response.status}; check access to the model.`, { details: { file } });
  }
  const value = await parse(source, file, response.clone());
  await cache?.put(source.cacheKey(file), response);
  return value;
}

/** `modules.json` first (it names the pooling folder), then the rest side by side. */
export async function readSentenceTransformersFiles(source: JsonFileSource): Promise<SentenceTransformersFiles & { readonly poolingFile: string }> {
  const modules = await readOptionalJson(source, 'modules.json');
  const poolingPath = modules === undefined ? '1_Pooling' : (readModules(source.model, modules).poolingPath ?? '1_Pooling');
  const poolingFile = `${poolingPath}/config.json`;
  const [pooling, prompts, sbert] = await Promise.all([
    readOptionalJson(source, poolingFile),
    readOptionalJson(source, 'config_sentence_transformers.json'),
    readOptionalJson(source, 'sentence_bert_config.json'),
  ]);
  return { modules, pooling, poolingPath, prompts, sbert, poolingFile };
}
