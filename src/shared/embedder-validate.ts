/** Argument checks of `createEmbedder` and `embed`, run on the page and again in the worker. */
import { RerankerError } from './errors.js';
import type { EmbedOptions } from './embedder-types.js';
import { DEFAULT_LIMITS } from './limits.js';
import { validateCreateOptions, validateSignal, validateTimeout } from './validate.js';

/** Most texts one `embed` call takes: index a larger corpus in calls of this size (progress between them). */
export const MAX_EMBED_TEXTS = DEFAULT_LIMITS.maxDocuments;
/** Longest text (characters) one `embed` call takes; the model reads only its first `maxLength` tokens anyway. */
export const MAX_EMBED_TEXT_CHARS = DEFAULT_LIMITS.maxDocumentChars;

function invalid(message: string, details: Record<string, string | number | boolean>): RerankerError {
  return new RerankerError('invalid-input', message, { details });
}

export function validateEmbedderOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw invalid('createEmbedder needs an options object with a model id.', { argument: 'options' });
  }
  const o = options as Record<string, unknown>;
  for (const name of ['webgpuGraphCapture', 'wasmSessions', 'chunking', 'limits', 'prompt', 'cutoffLayer']) {
    if (o[name] !== undefined) throw invalid(`createEmbedder takes no ${name} option (it is createReranker's).`, { argument: name });
  }
  validateCreateOptions(o);
  if (o['pooling'] !== undefined && o['pooling'] !== 'cls' && o['pooling'] !== 'mean') {
    throw invalid(`pooling must be 'cls' or 'mean'; got ${String(o['pooling'])}.`, { argument: 'pooling' });
  }
  if (o['normalize'] !== undefined && typeof o['normalize'] !== 'boolean') {
    throw invalid('normalize must be a boolean.', { argument: 'normalize' });
  }
  for (const name of ['queryPrefix', 'documentPrefix']) {
    const value = o[name];
    if (value !== undefined && (typeof value !== 'string' || value.length > 1000)) {
      throw invalid(`${name} must be a string of at most 1,000 characters ('' for none).`, { argument: name });
    }
  }
  const instruction = o['instruction'];
  if (instruction !== undefined && (typeof instruction !== 'string' || instruction.trim() === '' || instruction.length > 1000)) {
    throw invalid('instruction must be a non-empty string of at most 1,000 characters (leave it out for none).', { argument: 'instruction' });
  }
}

export function validateEmbedCall(texts: unknown, options: EmbedOptions | undefined): asserts texts is string[] {
  if (!Array.isArray(texts)) throw invalid('texts must be an array of strings.', { argument: 'texts' });
  if (texts.length > MAX_EMBED_TEXTS) {
    throw invalid(`embed takes at most ${MAX_EMBED_TEXTS} texts a call, got ${texts.length}; split the corpus into several calls.`, {
      argument: 'texts',
      limit: 'maxTexts',
      limitValue: MAX_EMBED_TEXTS,
    });
  }
  for (let index = 0; index < texts.length; index += 1) {
    const text: unknown = texts[index];
    if (typeof text !== 'string') throw invalid(`texts[${index}] must be a string, got ${text === null ? 'null' : typeof text}.`, { argument: 'texts', index });
    if (text.length > MAX_EMBED_TEXT_CHARS) {
      throw invalid(`texts[${index}] has ${text.length} characters, over ${MAX_EMBED_TEXT_CHARS}; cut it (only the first tokens are embedded).`, {
        argument: 'texts',
        index,
        limit: 'maxTextChars',
        limitValue: MAX_EMBED_TEXT_CHARS,
      });
    }
  }
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw invalid('embed options must be an object.', { argument: 'options' });
  if (options.kind !== undefined && options.kind !== 'query' && options.kind !== 'document') {
    throw invalid(`kind must be 'query' or 'document'; got ${String(options.kind)}.`, { argument: 'kind' });
  }
  const instruction: unknown = options.instruction;
  if (instruction !== undefined) {
    if (typeof instruction !== 'string' || instruction.trim() === '' || instruction.length > 1000) {
      throw invalid('instruction must be a non-empty string of at most 1,000 characters (leave it out for the embedder\'s own).', { argument: 'instruction' });
    }
    if (options.kind !== 'query') {
      throw invalid("instruction applies to queries: pass kind: 'query' with it (documents are embedded without one).", { argument: 'instruction' });
    }
  }
  validateSignal(options.signal, 'signal');
  validateTimeout(options.timeoutMs, 'timeoutMs');
}
