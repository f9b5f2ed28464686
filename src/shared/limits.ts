/**
 * Caps on one call (documents, characters per document and query, characters in all). Checked on the main
 * thread before anything is posted to the worker, and again by the engine, which is also used alone; a call
 * over a limit is refused whole, so nothing is partially scored. Why each default: see `RerankerLimits`.
 */
import { RerankerError } from './errors.js';
import type { RerankerLimits, ResolvedLimits } from './types.js';

export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxDocuments: 10_000,
  maxDocumentChars: 100_000,
  maxQueryChars: 10_000,
  maxTotalChars: 10_000_000,
});

const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[];

export function resolveLimits(limits: RerankerLimits | undefined): ResolvedLimits {
  return { ...DEFAULT_LIMITS, ...Object.fromEntries(LIMIT_NAMES.filter((name) => limits?.[name] !== undefined).map((name) => [name, limits?.[name]])) };
}

/** Checks the `limits` option of createReranker: an object of positive integers. */
export function validateLimitsOption(limits: unknown): void {
  if (limits === undefined) return;
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new RerankerError('invalid-input', `limits must be an object like { maxDocuments: 10000 }; got ${limits === null ? 'null' : typeof limits}.`, {
      details: { argument: 'limits' },
    });
  }
  for (const name of LIMIT_NAMES) {
    const value: unknown = (limits as Record<string, unknown>)[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) {
      throw new RerankerError('invalid-input', `limits.${name} must be a positive integer; got ${String(value)}.`, {
        details: { argument: `limits.${name}` },
      });
    }
  }
}

function over(
  limit: keyof ResolvedLimits,
  limits: ResolvedLimits,
  actual: number,
  subject: string,
  details: Record<string, string | number>,
): RerankerError {
  const unit = limit === 'maxDocuments' ? 'entries' : 'characters';
  return new RerankerError(
    'invalid-input',
    `${subject}: ${actual.toLocaleString('en-US')} ${unit}, over the limit ${limit} ` +
      `(${limits[limit].toLocaleString('en-US')}). Nothing was scored. Send less, or raise limits.${limit} in ` +
      `createReranker's options.`,
    { details: { ...details, limit, limitValue: limits[limit], actual } },
  );
}

/** The count check alone, first, so a huge array is refused before its entries are looked at. */
export function checkDocumentCount(count: number, argument: 'documents' | 'pairs', limits: ResolvedLimits): void {
  if (count > limits.maxDocuments) throw over('maxDocuments', limits, count, argument, { argument });
}

/**
 * The query of a `rerank` call, checked even when there are no documents; a call's `instruction` too (it is
 * read with every query).
 */
export function checkQueryLength(query: string, limits: ResolvedLimits, argument: 'query' | 'instruction' = 'query'): void {
  if (query.length > limits.maxQueryChars) throw over('maxQueryChars', limits, query.length, argument, { argument });
}

/**
 * Lengths of already type-checked `[query, passage]` texts; `argument` names them in the error. For
 * `documents`, the caller has checked the query with `checkQueryLength`.
 */
export function checkTextLengths(
  texts: readonly (readonly [string, string])[],
  argument: 'documents' | 'pairs',
  limits: ResolvedLimits,
): void {
  let total = 0;
  const seenQueries = new Set<string>();
  for (let index = 0; index < texts.length; index++) {
    const [query, passage] = texts[index] as readonly [string, string];
    if (!seenQueries.has(query)) {
      if (query.length > limits.maxQueryChars) {
        throw over('maxQueryChars', limits, query.length, `pairs[${index}][0] (the query)`, { argument, index });
      }
      // Each distinct query is tokenized once per call: count it once.
      seenQueries.add(query);
      total += query.length;
    }
    if (passage.length > limits.maxDocumentChars) {
      const subject = argument === 'documents' ? `documents[${index}]` : `pairs[${index}][1] (the passage)`;
      throw over('maxDocumentChars', limits, passage.length, subject, { argument, index });
    }
    total += passage.length;
  }
  if (total > limits.maxTotalChars) {
    throw over('maxTotalChars', limits, total, `the call's queries and ${argument === 'documents' ? 'documents' : 'passages'} together`, {
      argument,
    });
  }
}
