/**
 * A document's content hash: SHA-256 over its field names and values, hex. Synchronous (@noble/hashes): Web
 * Crypto's digest is one promise and thread hop per call, which cost about 0.9 s per 10,000 documents.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export function contentHash(fields: readonly string[], values: readonly string[]): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify([fields, values]))));
}
