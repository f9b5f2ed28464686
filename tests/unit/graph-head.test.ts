/**
 * GroupQueryAttention found in a graph's head (graph-head.ts) and what it changes for a published graph
 * (published-load.ts): the committed fixtures' own files (the GQA one found, the plain published one and a
 * cross-encoder not), matches split over chunk borders, the read limit, a file that cannot be read, and short
 * runs on WebGPU only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GROUP_QUERY_ATTENTION, graphUsesGroupQueryAttention, streamHasAscii, type GraphFileSource } from '../../src/runtime/graph-head.js';
import { GQA_WEBGPU_CHUNK_TOKENS } from '../../src/runtime/published-graph.js';
import { publishedChunkTokens } from '../../src/runtime/published-load.js';

const fixture = (model: string, file = 'onnx/model.onnx'): Uint8Array => readFileSync(fileURLToPath(new URL(`../../fixtures/models/${model}/${file}`, import.meta.url)));

function chunked(bytes: Uint8Array, size: number): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean; pulled: () => number } {
  let offset = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, cancelled: () => cancelled, pulled: () => offset };
}

function source(files: Record<string, Uint8Array>): GraphFileSource {
  const modelFiles = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, new Blob([bytes as BlobPart])]));
  return { modelFiles, url: (file) => `https://example.invalid/${file}`, cacheKey: (file) => file, fetch: () => Promise.reject(new Error('no network in this test')) };
}

describe('streamHasAscii', () => {
  const text = new TextEncoder().encode(`xx${'a'.repeat(50)}${GROUP_QUERY_ATTENTION}${'b'.repeat(50)}`);

  it('finds the op type whatever the chunk borders, and cancels the stream once found', async () => {
    for (const size of [1, 3, 7, 19, 20, 64, text.length]) {
      const { stream, cancelled } = chunked(text, size);
      expect(await streamHasAscii(stream, GROUP_QUERY_ATTENTION), `chunks of ${size}`).toBe(true);
      expect(cancelled()).toBe(true);
    }
  });

  it('answers false for a near miss and at the end of the stream', async () => {
    const near = new TextEncoder().encode(`GroupQueryAttentio MultiHeadAttention GroupQueryAttentioN`);
    expect(await streamHasAscii(chunked(near, 5).stream, GROUP_QUERY_ATTENTION)).toBe(false);
  });

  it('reads no further than the limit', async () => {
    const { stream, pulled } = chunked(text, 10);
    expect(await streamHasAscii(stream, GROUP_QUERY_ATTENTION, 40)).toBe(false);
    expect(pulled()).toBeLessThanOrEqual(40);
    // The match ends at byte 71: a limit that covers it finds it.
    expect(await streamHasAscii(chunked(text, 10).stream, GROUP_QUERY_ATTENTION, 71)).toBe(true);
    expect(await streamHasAscii(chunked(text, 10).stream, GROUP_QUERY_ATTENTION, 70)).toBe(false);
  });
});

describe('graphUsesGroupQueryAttention on the fixtures', () => {
  it('finds GQA in tiny-qwen3-reranker-gqa and none in the plain published graph or a cross-encoder', async () => {
    const files = {
      'gqa.onnx': fixture('tiny-qwen3-reranker-gqa'),
      'published.onnx': fixture('tiny-qwen3-reranker-published'),
      'published_q4.onnx': fixture('tiny-qwen3-reranker-published', 'onnx/model_q4.onnx'),
      'bert.onnx': fixture('tiny-bert-reranker'),
    };
    const from = source(files);
    expect(await graphUsesGroupQueryAttention(from, 'gqa.onnx')).toBe(true);
    expect(await graphUsesGroupQueryAttention(from, 'published.onnx')).toBe(false);
    expect(await graphUsesGroupQueryAttention(from, 'published_q4.onnx')).toBe(false);
    expect(await graphUsesGroupQueryAttention(from, 'bert.onnx')).toBe(false);
  });

  it('finds the GQA nodes within the head: the nodes come before the weights', async () => {
    const bytes = fixture('tiny-qwen3-reranker-gqa');
    const at = Buffer.from(bytes).indexOf(GROUP_QUERY_ATTENTION);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(bytes.length / 4);
  });

  it('answers false for a file that is not there or cannot be fetched (the session build reports it)', async () => {
    expect(await graphUsesGroupQueryAttention(source({}), 'onnx/model.onnx')).toBe(false);
    const network: GraphFileSource = { url: (f) => f, cacheKey: (f) => f, fetch: () => Promise.reject(new TypeError('offline')) };
    expect(await graphUsesGroupQueryAttention(network, 'onnx/model.onnx')).toBe(false);
    const notFound: GraphFileSource = { url: (f) => f, cacheKey: (f) => f, fetch: () => Promise.resolve(new Response('missing', { status: 404 })) };
    expect(await graphUsesGroupQueryAttention(notFound, 'onnx/model.onnx')).toBe(false);
  });

  it('reads the file from the network when it is neither picked nor cached', async () => {
    const bytes = fixture('tiny-qwen3-reranker-gqa');
    const asked: string[] = [];
    const network: GraphFileSource = {
      url: (f) => `https://host.invalid/m/${f}`,
      cacheKey: (f) => f,
      fetch: (url) => {
        asked.push(url);
        return Promise.resolve(new Response(new Blob([bytes as BlobPart])));
      },
    };
    expect(await graphUsesGroupQueryAttention(network, 'onnx/model_q4.onnx')).toBe(true);
    expect(asked).toEqual(['https://host.invalid/m/onnx/model_q4.onnx']);
  });
});

describe('publishedChunkTokens', () => {
  const seen: string[] = [];
  const gqa = (answer: boolean) => (file: string): Promise<boolean> => {
    seen.push(file);
    return Promise.resolve(answer);
  };

  it('runs a GQA graph on WebGPU in runs of GQA_WEBGPU_CHUNK_TOKENS, reading the file of the loaded dtype', async () => {
    seen.length = 0;
    expect(await publishedChunkTokens('webgpu', true, 'onnx/model_q4.onnx', gqa(true))).toBe(GQA_WEBGPU_CHUNK_TOKENS);
    expect(seen).toEqual(['onnx/model_q4.onnx']);
    expect(GQA_WEBGPU_CHUNK_TOKENS).toBeLessThan(32);
  });

  it('leaves graphs without GQA, WASM and exports in one run a batch (and reads nothing for the last two)', async () => {
    seen.length = 0;
    expect(await publishedChunkTokens('webgpu', true, 'onnx/model.onnx', gqa(false))).toBeUndefined();
    expect(seen).toHaveLength(1);
    seen.length = 0;
    expect(await publishedChunkTokens('wasm', true, 'onnx/model.onnx', gqa(true))).toBeUndefined();
    expect(await publishedChunkTokens('webgpu', false, 'onnx/model.onnx', gqa(true))).toBeUndefined();
    expect(seen).toEqual([]);
  });
});
