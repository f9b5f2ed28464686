/**
 * Document objects in `rerank`: the text the model reads is taken from each object on the page (named fields
 * or a function, `RerankOptions.documentText`), only the texts travel to the worker, and the results carry the
 * caller's own objects back.
 */
import { RerankerError } from './errors.js';
import type { DocumentText, RerankResult } from './types.js';

function invalid(message: string, details: Record<string, string | number | boolean>, cause?: unknown): RerankerError {
  return new RerankerError('invalid-input', message, { details: { argument: 'documentText', ...details }, cause });
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The text of one document by field names: present string fields joined by a newline, absent ones skipped. */
function fieldsText(document: unknown, fields: readonly string[], index: number): string {
  if (typeof document !== 'object' || document === null) {
    throw invalid(`documents[${index}] is ${describe(document)}, but documentText names fields: pass objects, or a function.`, { index });
  }
  const parts: string[] = [];
  for (const field of fields) {
    const value = (document as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      throw invalid(`documents[${index}].${field} is ${describe(value)}, not a string: name string fields in documentText, or pass a function.`, {
        index,
        field,
      });
    }
    parts.push(value);
  }
  return parts.join('\n');
}

function checkSpec(documentText: unknown): asserts documentText is DocumentText<unknown> {
  if (typeof documentText === 'function') return;
  const fields = typeof documentText === 'string' ? [documentText] : documentText;
  if (!Array.isArray(fields) || fields.length === 0 || fields.some((field) => typeof field !== 'string' || field === '')) {
    throw invalid(
      `documentText must be a field name, a non-empty array of field names, or a function from a document to its text; got ${describe(documentText)}.`,
      {},
    );
  }
}

/**
 * The texts the model reads: `documents` as they are without `documentText` (the call's own checks then
 * refuse anything but strings), else each document's text by `documentText`. Throws `invalid-input`.
 */
export function documentTexts<D>(documents: readonly D[], documentText: DocumentText<D> | undefined): readonly unknown[] {
  if (documentText === undefined || !Array.isArray(documents)) return documents;
  checkSpec(documentText);
  const fields = typeof documentText === 'function' ? undefined : typeof documentText === 'string' ? [documentText] : documentText;
  return documents.map((document, index) => {
    if (fields !== undefined) return fieldsText(document, fields, index);
    let text: unknown;
    try {
      text = (documentText as (document: D) => unknown)(document);
    } catch (error) {
      throw invalid(`documentText threw on documents[${index}]: ${error instanceof Error ? error.message : String(error)}.`, { index }, error);
    }
    if (typeof text !== 'string') throw invalid(`documentText returned ${describe(text)} for documents[${index}]; it must return a string.`, { index });
    return text;
  });
}

/** Results with the caller's own documents in `document` (the worker sent none back). */
export function withOriginalDocuments<D>(results: readonly RerankResult[], documents: readonly D[]): RerankResult<D>[] {
  return results.map(({ document: _text, ...result }) => ({ ...result, document: documents[result.index] as D }));
}
