/**
 * Argument checks shared by the main-thread proxy (so bad input fails before it is posted, with the
 * offending position) and the engine (which is also used without a worker).
 */
import { RerankerError } from './errors.js';
import { checkDocumentCount, checkQueryLength, checkTextLengths, validateLimitsOption } from './limits.js';
import type { PublishedPreset } from './reranker-options.js';
import type { DeviceRequest, DtypeRequest, RerankOptions, ResolvedLimits, ScoreOptions } from './types.js';

const DEVICES: readonly DeviceRequest[] = ['auto', 'webgpu', 'wasm'];
const DTYPES: readonly DtypeRequest[] = ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'];
/** The model cards `preset` takes (published causal-LM graphs; docs/published-llm.md). */
export const PUBLISHED_PRESET_NAMES: readonly PublishedPreset[] = ['qwen3-reranker'];

/**
 * The most tokens a pair may have (bge-reranker-v2-m3's and ModernBERT's 8,192); each model stops at its own
 * limit below it, and memory may lower a default further (runtime/memory-plan.ts).
 */
export const MAX_SUPPORTED_LENGTH = 8192;

/** The smallest batch token budget: one 512-token pair (a longer pair still runs, alone in its batch). */
export const MIN_BATCH_TOKEN_BUDGET = 512;

/** Most WASM sessions `wasmSessions` may ask for: each holds a copy of the weights and a worker. */
export const MAX_WASM_SESSIONS = 8;

/** Upper bound on `chunking.maxChunksPerDoc`: beyond it one document could hold the session for minutes. */
export const MAX_CHUNKS_PER_DOC_LIMIT = 1000;

function invalid(message: string, details: Record<string, string | number | boolean> = {}): RerankerError {
  return new RerankerError('invalid-input', message, { details });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

export function validateQuery(query: unknown): asserts query is string {
  if (typeof query !== 'string') {
    throw invalid(`query must be a string, got ${typeName(query)}.`, { argument: 'query' });
  }
}

export function validateDocuments(documents: unknown): asserts documents is string[] {
  if (!Array.isArray(documents)) {
    throw invalid(`documents must be an array of strings, got ${typeName(documents)}.`, { argument: 'documents' });
  }
  // A plain loop, not forEach: forEach skips holes of sparse arrays, which must be reported too.
  for (let index = 0; index < documents.length; index++) {
    const document: unknown = documents[index];
    if (typeof document !== 'string') {
      throw invalid(`documents[${index}] must be a string, got ${typeName(document)} (for objects, pass documentText).`, {
        argument: 'documents',
        index,
      });
    }
  }
}

export function validatePairs(pairs: unknown): asserts pairs is [string, string][] {
  if (!Array.isArray(pairs)) {
    throw invalid(`pairs must be an array of [query, passage] string pairs, got ${typeName(pairs)}.`, {
      argument: 'pairs',
    });
  }
  for (let index = 0; index < pairs.length; index++) {
    const pair: unknown = pairs[index];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw invalid(`pairs[${index}] must be a [query, passage] array of two strings, got ${describePair(pair)}.`, {
        argument: 'pairs',
        index,
      });
    }
  }
}

function describePair(pair: unknown): string {
  if (!Array.isArray(pair)) return typeName(pair);
  return `[${Array.from(pair, (part) => typeName(part)).join(', ')}]`;
}

export function validateScoreOptions(options: ScoreOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw invalid(`options must be an object, got ${typeName(options)}.`, { argument: 'options' });
  }
  if (options.normalize !== undefined && typeof options.normalize !== 'boolean') {
    throw invalid(`normalize must be a boolean, got ${typeName(options.normalize)}.`, { argument: 'normalize' });
  }
  validateChunking(options.chunking);
  validateTimeout(options.timeoutMs, 'timeoutMs');
  validateInstruction(options.instruction);
}

/** A call's `instruction`: a non-empty string (whether the model takes one is known in the worker). */
function validateInstruction(value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
    throw invalid(`instruction must be a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeName(value)}.`, {
      argument: 'instruction',
    });
  }
}

/** Longest timeout: setTimeout fires at once past 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Default `maxModelBytes`: 4 GiB, above any single file of the supported exports (external data stays under 2 GB). */
export const DEFAULT_MAX_MODEL_BYTES = 4 * 1024 ** 3;

/** `timeoutMs`: a positive number of milliseconds, at most `MAX_TIMEOUT_MS`. */
export function validateTimeout(value: unknown, argument: string): void {
  if (value === undefined) return;
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMEOUT_MS)) {
    throw invalid(`${argument} must be a positive number of milliseconds (at most ${MAX_TIMEOUT_MS}); got ${String(value)}.`, {
      argument,
    });
  }
}

/** An `AbortSignal` (checked by shape: signals from another realm are not `instanceof` this one's). */
export function validateSignal(value: unknown, argument: string): void {
  if (value === undefined) return;
  const signal = value as { aborted?: unknown; addEventListener?: unknown } | null;
  if (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalid(`${argument} must be an AbortSignal, got ${typeName(value)}.`, { argument });
  }
}

/** Longest model id or revision the library takes: Hub ids are at most 96 characters. */
const MAX_ID_LENGTH = 256;

/**
 * A model id as the library uses it: a Hub id (`org/name`) or a folder path under `modelBaseUrl`, which
 * becomes part of a URL. Refused: empty or padded strings, control characters, absolute URLs and paths,
 * `.`/`..` and empty segments, backslashes, and (except for picked folders, where the id only names the
 * model) `?`, `#` and whitespace, which would change the URL.
 */
export function validateModelId(value: unknown, argument = 'model', options: { picked?: boolean } = {}): asserts value is string {
  const example = `a Hub id like 'Xenova/ms-marco-MiniLM-L-6-v2' or a folder name under modelBaseUrl`;
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(`${argument} must be a non-empty string: ${example}; got ${typeof value === 'string' ? 'an empty string' : typeName(value)}.`, {
      argument,
    });
  }
  const problem = modelIdProblem(value, options.picked === true);
  if (problem !== undefined) {
    throw invalid(`${argument} ${JSON.stringify(value.slice(0, 100))} is not a model id: ${problem}. Pass ${example}.`, {
      argument,
    });
  }
}

function modelIdProblem(id: string, picked: boolean): string | undefined {
  if (id.length > MAX_ID_LENGTH) return `it is longer than ${MAX_ID_LENGTH} characters`;
  if (id !== id.trim()) return 'it starts or ends with whitespace';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return 'it holds a control character';
  if (id.includes('\\')) return 'it holds a backslash';
  if (/^[a-z][a-z0-9+.-]*:/i.test(id) || id.startsWith('//')) return 'it is a URL (put the host in modelBaseUrl, the folder name in model)';
  if (id.startsWith('/')) return 'it is an absolute path (put the folder above it in modelBaseUrl)';
  const segments = id.split('/');
  if (segments.some((segment) => segment === '')) return 'it has an empty path segment';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'it has a "." or ".." path segment';
  if (!picked && /[?#\s]/.test(id)) return 'it holds "?", "#" or whitespace, which would change the URL';
  return undefined;
}

/** `revision`: a branch, tag or commit as the Hub names them. */
export function validateRevision(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID_LENGTH) {
    throw invalid(`revision must be a non-empty branch, tag or commit name; got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : typeName(value)}.`, {
      argument: 'revision',
    });
  }
  if (/[\u0000-\u0020\u007f-\u009f\\?#]/.test(value) || value.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw invalid(`revision ${JSON.stringify(value.slice(0, 100))} is not a branch, tag or commit name (no whitespace, control characters, "?", "#", "\\", "." or ".." segments).`, {
      argument: 'revision',
    });
  }
}

/** `chunking`: a boolean, or an object with a positive `maxChunksPerDoc` and a non-negative `chunkOverlap`. */
export function validateChunking(chunking: unknown): void {
  if (chunking === undefined || typeof chunking === 'boolean') return;
  if (typeof chunking !== 'object' || chunking === null || Array.isArray(chunking)) {
    throw invalid(`chunking must be true, false or { maxChunksPerDoc?, chunkOverlap? }; got ${typeName(chunking)}.`, {
      argument: 'chunking',
    });
  }
  const { maxChunksPerDoc, chunkOverlap } = chunking as { maxChunksPerDoc?: unknown; chunkOverlap?: unknown };
  if (
    maxChunksPerDoc !== undefined &&
    !(typeof maxChunksPerDoc === 'number' && Number.isInteger(maxChunksPerDoc) && maxChunksPerDoc >= 1 && maxChunksPerDoc <= MAX_CHUNKS_PER_DOC_LIMIT)
  ) {
    throw invalid(`chunking.maxChunksPerDoc must be an integer from 1 to ${MAX_CHUNKS_PER_DOC_LIMIT}; got ${String(maxChunksPerDoc)}.`, {
      argument: 'chunking.maxChunksPerDoc',
    });
  }
  if (chunkOverlap !== undefined && !(typeof chunkOverlap === 'number' && Number.isInteger(chunkOverlap) && chunkOverlap >= 0)) {
    throw invalid(`chunking.chunkOverlap must be an integer of at least 0; got ${String(chunkOverlap)}.`, {
      argument: 'chunking.chunkOverlap',
    });
  }
}

export function validateRerankOptions(options: RerankOptions | undefined): void {
  validateScoreOptions(options);
  if (options === undefined) return;
  const { topK, returnDocuments } = options;
  if (topK !== undefined && !(typeof topK === 'number' && Number.isInteger(topK) && topK > 0)) {
    throw invalid(`topK must be a positive integer, got ${typeof topK === 'number' ? topK : typeName(topK)}.`, {
      argument: 'topK',
    });
  }
  if (returnDocuments !== undefined && typeof returnDocuments !== 'boolean') {
    throw invalid(`returnDocuments must be a boolean, got ${typeName(returnDocuments)}.`, {
      argument: 'returnDocuments',
    });
  }
}

/** Everything about a `rerank` call's arguments, limits included: it is scored whole or not at all. */
export function validateRerankCall(query: unknown, documents: unknown, options: RerankOptions | undefined, limits: ResolvedLimits): void {
  validateQuery(query);
  checkQueryLength(query, limits);
  if (Array.isArray(documents)) checkDocumentCount(documents.length, 'documents', limits);
  validateDocuments(documents);
  validateRerankOptions(options);
  if (options?.instruction !== undefined) checkQueryLength(options.instruction, limits, 'instruction');
  checkTextLengths(documents.map((document) => [query, document] as const), 'documents', limits);
}

/** Everything about a `score` call's arguments, limits included. */
export function validateScoreCall(pairs: unknown, options: ScoreOptions | undefined, limits: ResolvedLimits): void {
  if (Array.isArray(pairs)) checkDocumentCount(pairs.length, 'pairs', limits);
  validatePairs(pairs);
  validateScoreOptions(options);
  if (options?.instruction !== undefined) checkQueryLength(options.instruction, limits, 'instruction');
  checkTextLengths(pairs, 'pairs', limits);
}

export interface CreateOptionsToCheck {
  model?: unknown;
  modelBaseUrl?: unknown;
  modelFiles?: unknown;
  revision?: unknown;
  signal?: unknown;
  timeoutMs?: unknown;
  maxModelBytes?: unknown;
  device?: unknown;
  dtype?: unknown;
  maxLength?: unknown;
  batchTokenBudget?: unknown;
  webgpuGraphCapture?: unknown;
  wasmSessions?: unknown;
  onProgress?: unknown;
  useBrowserCache?: unknown;
  chunking?: unknown;
  limits?: unknown;
  prompt?: unknown;
  instruction?: unknown;
  cutoffLayer?: unknown;
  preset?: unknown;
}

export function validateCreateOptions(options: CreateOptionsToCheck | undefined): void {
  if (typeof options !== 'object' || options === null) {
    throw invalid(`createReranker needs an options object with a model id, got ${typeName(options)}.`, {
      argument: 'options',
    });
  }
  validateModelId(options.model, 'model', { picked: options.modelFiles !== undefined });
  validateRevision(options.revision);
  validateSignal(options.signal, 'signal');
  validateTimeout(options.timeoutMs, 'timeoutMs');
  const { maxModelBytes } = options;
  if (maxModelBytes !== undefined && !(typeof maxModelBytes === 'number' && Number.isSafeInteger(maxModelBytes) && maxModelBytes > 0)) {
    throw invalid(`maxModelBytes must be a positive integer (bytes); got ${String(maxModelBytes)}.`, { argument: 'maxModelBytes' });
  }
  if (options.modelBaseUrl !== undefined && typeof options.modelBaseUrl !== 'string') {
    throw invalid(`modelBaseUrl must be a URL string, got ${typeName(options.modelBaseUrl)}.`, {
      argument: 'modelBaseUrl',
    });
  }
  if (options.device !== undefined && !DEVICES.includes(options.device as DeviceRequest)) {
    throw invalid(`device must be one of ${DEVICES.join(', ')}; got ${String(options.device)}.`, {
      argument: 'device',
    });
  }
  if (options.dtype !== undefined && !DTYPES.includes(options.dtype as DtypeRequest)) {
    throw invalid(`dtype must be one of ${DTYPES.join(', ')}; got ${String(options.dtype)}.`, { argument: 'dtype' });
  }
  const { maxLength, batchTokenBudget } = options;
  if (
    maxLength !== undefined &&
    !(typeof maxLength === 'number' && Number.isInteger(maxLength) && maxLength >= 8 && maxLength <= MAX_SUPPORTED_LENGTH)
  ) {
    throw invalid(`maxLength must be an integer from 8 to ${MAX_SUPPORTED_LENGTH}; got ${String(maxLength)}.`, {
      argument: 'maxLength',
    });
  }
  if (
    batchTokenBudget !== undefined &&
    !(typeof batchTokenBudget === 'number' && Number.isInteger(batchTokenBudget) && batchTokenBudget >= MIN_BATCH_TOKEN_BUDGET)
  ) {
    throw invalid(`batchTokenBudget must be an integer of at least ${MIN_BATCH_TOKEN_BUDGET}; got ${String(batchTokenBudget)}.`, {
      argument: 'batchTokenBudget',
    });
  }
  const capture = options.webgpuGraphCapture;
  if (capture !== undefined && capture !== 'auto' && typeof capture !== 'boolean') {
    throw invalid(`webgpuGraphCapture must be 'auto', true or false; got ${String(capture)}.`, { argument: 'webgpuGraphCapture' });
  }
  const sessions = options.wasmSessions;
  if (
    sessions !== undefined &&
    sessions !== 'auto' &&
    !(typeof sessions === 'number' && Number.isInteger(sessions) && sessions >= 1 && sessions <= MAX_WASM_SESSIONS)
  ) {
    throw invalid(`wasmSessions must be 'auto' or an integer from 1 to ${MAX_WASM_SESSIONS}; got ${String(sessions)}.`, {
      argument: 'wasmSessions',
    });
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalid(`onProgress must be a function.`, { argument: 'onProgress' });
  }
  if (options.useBrowserCache !== undefined && typeof options.useBrowserCache !== 'boolean') {
    throw invalid(`useBrowserCache must be a boolean.`, { argument: 'useBrowserCache' });
  }
  validateChunking(options.chunking);
  validateLimitsOption(options.limits);
  // Whether the model takes these is known only once its manifest is read (in the worker); their types here.
  for (const name of ['prompt', 'instruction'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw invalid(`${name} must be a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeName(value)}.`, { argument: name });
    }
  }
  if (options.preset !== undefined && !PUBLISHED_PRESET_NAMES.includes(options.preset as PublishedPreset)) {
    throw invalid(`preset must be one of ${PUBLISHED_PRESET_NAMES.join(', ')}; got ${String(options.preset)}.`, { argument: 'preset' });
  }
  const { cutoffLayer } = options;
  if (cutoffLayer !== undefined && !(typeof cutoffLayer === 'number' && Number.isInteger(cutoffLayer) && cutoffLayer > 0)) {
    throw invalid(`cutoffLayer must be a positive integer (a layer number), got ${String(cutoffLayer)}.`, {
      argument: 'cutoffLayer',
    });
  }
}
