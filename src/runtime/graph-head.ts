/**
 * Whether an ONNX graph uses com.microsoft.GroupQueryAttention, read from the head of its file before any
 * session is built. An ONNX file is a protobuf ModelProto written field by field in number order: the graph
 * (field 7) comes before the opsets, and inside it the nodes (field 1) come before the initializers (field
 * 5), so every node's op_type string lies in the first bytes of the file, ahead of the weights. Only that
 * head is read (from the picked files, the browser cache or the network, the stream then cancelled); no
 * model library here.
 */
import type { ModelFiles } from '../shared/model-files.js';

/** The op type looked for, as its UTF-8 bytes appear in a NodeProto's op_type. */
export const GROUP_QUERY_ATTENTION = 'GroupQueryAttention';

/**
 * Bytes of a graph's head read at most. The node list of a 28-layer causal LM (a few thousand nodes, their
 * names and attributes) is well under 1 MiB; weights stored as Constant nodes could push it further, and then
 * a GQA node past this point is missed (the graph is then treated as having none).
 */
export const GRAPH_HEAD_BYTES = 8 * 1024 * 1024;

/**
 * Whether `needle`'s ASCII bytes occur in the first `limitBytes` of `stream`, matches across chunk borders
 * included. The stream is cancelled once the answer is known.
 */
export async function streamHasAscii(stream: ReadableStream<Uint8Array>, needle: string, limitBytes = GRAPH_HEAD_BYTES): Promise<boolean> {
  const pattern = Uint8Array.from(needle, (char) => char.charCodeAt(0));
  const reader = stream.getReader();
  let carry = new Uint8Array(0);
  let seen = 0;
  try {
    while (seen < limitBytes) {
      const { done, value } = await reader.read();
      if (done) return false;
      const chunk = value.subarray(0, Math.max(0, limitBytes - seen));
      seen += value.byteLength;
      // The last pattern.length - 1 bytes of what came before, so a match split over two chunks is found.
      const window = new Uint8Array(carry.length + chunk.length);
      window.set(carry);
      window.set(chunk, carry.length);
      if (indexOf(window, pattern) >= 0) return true;
      carry = window.slice(Math.max(0, window.length - (pattern.length - 1)));
    }
    return false;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function indexOf(haystack: Uint8Array, pattern: Uint8Array): number {
  const first = pattern[0];
  if (first === undefined) return 0;
  for (let start = haystack.indexOf(first); start >= 0 && start + pattern.length <= haystack.length; start = haystack.indexOf(first, start + 1)) {
    let k = 1;
    while (k < pattern.length && haystack[start + k] === pattern[k]) k += 1;
    if (k === pattern.length) return start;
  }
  return -1;
}

export interface GraphFileSource {
  readonly modelFiles?: ModelFiles | undefined;
  /** Cache Storage name to read (never written here); unset: no browser cache. */
  readonly cacheName?: string | undefined;
  url(file: string): string;
  cacheKey(file: string): string;
  readonly fetch: (url: string) => Promise<Response>;
}

/**
 * Whether `file` (e.g. `onnx/model_q4.onnx`) uses GroupQueryAttention, from its head. A file that cannot be
 * read here is answered `false`: the session build that follows reads it again and reports what is wrong.
 */
export async function graphUsesGroupQueryAttention(source: GraphFileSource, file: string): Promise<boolean> {
  try {
    const stream = await headStream(source, file);
    return stream === undefined ? false : await streamHasAscii(stream, GROUP_QUERY_ATTENTION);
  } catch {
    return false;
  }
}

async function headStream(source: GraphFileSource, file: string): Promise<ReadableStream<Uint8Array> | undefined> {
  if (source.modelFiles !== undefined) return source.modelFiles[file]?.stream();
  const cache = source.cacheName === undefined || typeof caches === 'undefined' ? undefined : await caches.open(source.cacheName);
  const cached = await cache?.match(source.cacheKey(file));
  if (cached?.body) return cached.body;
  const response = await source.fetch(source.url(file));
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  return response.body;
}
