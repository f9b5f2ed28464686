/**
 * A document's content hash: SHA-256 over its field names and values (`JSON.stringify([fields, values])`, UTF-8),
 * hex. `createContentHasher` gives hash-wasm's WebAssembly SHA-256 (a quarter of the time of the JavaScript one
 * over 10,000 passages), or @noble/hashes' JavaScript SHA-256 where WebAssembly cannot be compiled (a
 * Content-Security-Policy without 'wasm-unsafe-eval'): the same digest either way, so a stored index reads the
 * same under both. Synchronous per document: Web Crypto's digest is one promise and thread hop per call, which
 * cost about 0.9 s per 10,000 documents.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createSHA256 } from 'hash-wasm';

export interface ContentHasher {
  /** One document's content hash. */
  document(fields: readonly string[], values: readonly string[]): string;
  /**
   * One SHA-256 over every document's id and values, in order (`JSON.stringify([fields, [[id, ...values], ...]])`):
   * equal only for the same documents in the same order, so a reload that finds it stored can take the stored
   * per-document hashes instead of hashing each document.
   */
  corpus(fields: readonly string[], rows: readonly { readonly id: string; readonly values: readonly string[] }[]): string;
}

const encoder = new TextEncoder();

function contentBytes(fields: readonly string[], values: readonly string[]): Uint8Array {
  return encoder.encode(JSON.stringify([fields, values]));
}

/** The JavaScript SHA-256 (the fallback, and the reference the tests compare with). */
export function contentHash(fields: readonly string[], values: readonly string[]): string {
  return bytesToHex(sha256(contentBytes(fields, values)));
}

function corpusBytes(fields: readonly string[], rows: readonly { readonly id: string; readonly values: readonly string[] }[]): Uint8Array {
  return encoder.encode(JSON.stringify([fields, rows.map((row) => [row.id, ...row.values])]));
}

/** The WebAssembly hasher where it compiles, else the JavaScript one (`contentHash`). */
export async function createContentHasher(): Promise<ContentHasher> {
  try {
    const hasher = await createSHA256();
    return {
      document: (fields, values) => hasher.init().update(contentBytes(fields, values)).digest('hex'),
      corpus: (fields, rows) => hasher.init().update(corpusBytes(fields, rows)).digest('hex'),
    };
  } catch {
    return { document: contentHash, corpus: (fields, rows) => bytesToHex(sha256(corpusBytes(fields, rows))) };
  }
}
