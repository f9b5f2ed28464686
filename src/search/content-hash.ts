/** A document's content hash: SHA-256 (Web Crypto) over its field names and values, hex. */

export async function contentHash(fields: readonly string[], values: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify([fields, values]));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

