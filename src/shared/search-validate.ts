/** Argument checks of `createSearch`, `add` and `search`, on the page before anything reaches the worker. */
import { RerankerError } from './errors.js';
import { DEFAULT_LIMITS } from './limits.js';
import type { SearchCallOptions, SearchDocument, SearchOptions } from './search-types.js';

/** Longest `persist.name`. */
export const MAX_PERSIST_NAME = 200;

function invalid(message: string, details: Record<string, string | number | boolean> = {}): RerankerError {
  return new RerankerError('invalid-input', message, { details });
}

function isPositiveInteger(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}

/** The field names and their boosts (1 where not given). */
export function resolveFields(fields: SearchOptions['fields']): { names: string[]; boosts: Record<string, number> } {
  if (fields === undefined) return { names: ['text'], boosts: { text: 1 } };
  const names = Array.isArray(fields) ? [...(fields as readonly unknown[])] : typeof fields === 'object' && fields !== null ? Object.keys(fields) : undefined;
  if (names === undefined || names.length === 0) {
    throw invalid("fields must be a non-empty array of field names or an object of name -> boost, e.g. ['title', 'body'] or { title: 2, body: 1 }.", { argument: 'fields' });
  }
  const boosts: Record<string, number> = {};
  for (const name of names) {
    if (typeof name !== 'string' || name.length === 0 || name === 'id') {
      throw invalid(`fields: ${JSON.stringify(name)} is not a usable field name (a non-empty string other than 'id').`, { argument: 'fields' });
    }
    if (name in boosts) throw invalid(`fields: '${name}' is listed twice.`, { argument: 'fields' });
    const boost = Array.isArray(fields) ? 1 : (fields as Record<string, unknown>)[name];
    if (typeof boost !== 'number' || !Number.isFinite(boost) || boost <= 0) {
      throw invalid(`fields: the boost of '${name}' must be a positive finite number, got ${String(boost)}.`, { argument: 'fields' });
    }
    boosts[name] = boost;
  }
  return { names: names as string[], boosts };
}

export function validateSearchOptions(options: SearchOptions | undefined): void {
  if (typeof options !== 'object' || options === null) throw invalid('createSearch needs an options object, e.g. { documents, fields }.', { argument: 'options' });
  const { embedder, reranker, persist, lexical, embedBatchSize, fusionK } = options;
  if (lexical === false && embedder === undefined) {
    throw invalid('lexical: false leaves no first stage: pass an embedder, or keep the lexical stage.', { argument: 'lexical' });
  }
  if (lexical !== undefined && lexical !== false) {
    if (typeof lexical !== 'object' || lexical === null) throw invalid('lexical must be an options object or false.', { argument: 'lexical' });
    if (lexical.fuzzy !== undefined && (typeof lexical.fuzzy !== 'number' || !(lexical.fuzzy >= 0))) throw invalid('lexical.fuzzy must be a number >= 0.', { argument: 'lexical.fuzzy' });
    if (lexical.combineWith !== undefined && lexical.combineWith !== 'OR' && lexical.combineWith !== 'AND') throw invalid("lexical.combineWith must be 'OR' or 'AND'.", { argument: 'lexical.combineWith' });
    if (lexical.prefix !== undefined && typeof lexical.prefix !== 'boolean' && lexical.prefix !== 'last') throw invalid("lexical.prefix must be true, false or 'last'.", { argument: 'lexical.prefix' });
    const stopWords: unknown = lexical.stopWords;
    if (stopWords !== undefined && (!Array.isArray(stopWords) || stopWords.length > 10_000 || stopWords.some((word) => typeof word !== 'string' || word.trim() === ''))) {
      throw invalid('lexical.stopWords must be an array of at most 10,000 non-empty strings ([] for none).', { argument: 'lexical.stopWords' });
    }
  }
  if (embedder !== undefined) {
    const info = (embedder as { info?: { model?: unknown; revision?: unknown; dtype?: unknown; dimensions?: unknown } }).info;
    if (typeof embedder.embed !== 'function' || typeof info !== 'object' || info === null) {
      throw invalid('embedder must have embed(texts, options) and info { model, revision, dtype, dimensions } (createEmbedder returns one).', { argument: 'embedder' });
    }
    if (typeof info.model !== 'string' || typeof info.revision !== 'string' || typeof info.dtype !== 'string' || !isPositiveInteger(info.dimensions, 65536)) {
      throw invalid('embedder.info must give model, revision and dtype as strings and dimensions as a positive integer.', { argument: 'embedder' });
    }
  }
  if (reranker !== undefined && typeof (reranker as { rerank?: unknown }).rerank !== 'function') {
    throw invalid('reranker must be a Reranker (createReranker returns one).', { argument: 'reranker' });
  }
  if (persist !== undefined && (typeof persist !== 'object' || persist === null || typeof persist.name !== 'string' || persist.name.length === 0 || persist.name.length > MAX_PERSIST_NAME)) {
    throw invalid(`persist must be { name } with a name of 1 to ${MAX_PERSIST_NAME} characters.`, { argument: 'persist' });
  }
  if (embedBatchSize !== undefined && !isPositiveInteger(embedBatchSize, 4096)) throw invalid('embedBatchSize must be an integer from 1 to 4096.', { argument: 'embedBatchSize' });
  if (fusionK !== undefined && (typeof fusionK !== 'number' || !Number.isFinite(fusionK) || fusionK < 0)) throw invalid('fusionK must be a finite number >= 0.', { argument: 'fusionK' });
  resolveFields(options.fields);
}

/** Each document an object with a unique non-empty string id and string (or absent) fields. */
export function validateSearchDocuments(documents: unknown, fields: readonly string[], argument = 'documents'): asserts documents is SearchDocument[] {
  if (!Array.isArray(documents)) throw invalid(`${argument} must be an array of { id, ...fields } objects.`, { argument });
  const seen = new Set<string>();
  for (let index = 0; index < documents.length; index++) {
    const document: unknown = documents[index];
    if (typeof document !== 'object' || document === null) throw invalid(`${argument}[${index}] must be an object with an id and text fields.`, { argument, index });
    const id = (document as { id?: unknown }).id;
    if (typeof id !== 'string' || id.length === 0) throw invalid(`${argument}[${index}].id must be a non-empty string.`, { argument, index });
    if (seen.has(id)) throw invalid(`${argument}[${index}].id '${id}' appears twice; ids must be unique.`, { argument, index });
    seen.add(id);
    for (const field of fields) {
      const value = (document as Record<string, unknown>)[field];
      if (value !== undefined && typeof value !== 'string') {
        throw invalid(`${argument}[${index}].${field} must be a string (or absent), got ${value === null ? 'null' : typeof value}.`, { argument, index });
      }
      if (typeof value === 'string' && value.length > DEFAULT_LIMITS.maxDocumentChars) {
        throw invalid(`${argument}[${index}].${field} has ${value.length} characters, more than ${DEFAULT_LIMITS.maxDocumentChars}; split the document.`, { argument, index });
      }
    }
  }
}

export function validateSearchCall(query: unknown, options: SearchCallOptions | undefined): { topK: number; candidates: number } {
  if (typeof query !== 'string') throw invalid('query must be a string.', { argument: 'query' });
  if (query.length > DEFAULT_LIMITS.maxQueryChars) throw invalid(`query has ${query.length} characters, more than ${DEFAULT_LIMITS.maxQueryChars}.`, { argument: 'query' });
  const topK = options?.topK ?? 10;
  if (!isPositiveInteger(topK, 10_000)) throw invalid('topK must be an integer from 1 to 10,000.', { argument: 'topK' });
  const candidates = options?.candidates ?? Math.max(50, topK);
  if (!isPositiveInteger(candidates, 10_000)) throw invalid('candidates must be an integer from 1 to 10,000.', { argument: 'candidates' });
  if (candidates < topK) throw invalid(`candidates (${candidates}) must be at least topK (${topK}).`, { argument: 'candidates' });
  return { topK, candidates };
}
