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

export type ContentHasher = (fields: readonly string[], values: readonly string[]) => string;

const encoder = new TextEncoder();

function contentBytes(fields: readonly string[], values: readonly string[]): Uint8Array {
  return encoder.encode(JSON.stringify([fields, values]));
}

/** The JavaScript SHA-256 (the fallback, and the reference the tests compare with). */
export function contentHash(fields: readonly string[], values: readonly string[]): string {
  return bytesToHex(sha256(contentBytes(fields, values)));
}

/** The WebAssembly hasher where it compiles, else `contentHash`. */
export async function createContentHasher(): Promise<ContentHasher> {
  try {
    const hasher = await createSHA256();
    return (fields, values) => hasher.init().update(contentBytes(fields, values)).digest('hex');
  } catch {
    return contentHash;
  }
}
