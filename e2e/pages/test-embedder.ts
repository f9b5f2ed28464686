/**
 * TEST EMBEDDER for the search e2e specs: NOT a model. It hashes each lower-cased word into one of 64 buckets and
 * L2-normalizes the counts, deterministically, so the search mechanics (dense stage, persistence, re-embedding,
 * aborts) can be checked before and apart from `createEmbedder`. It counts every text it is asked to embed.
 */
import type { SearchEmbedder } from '../../src/index.js';

export class TestEmbedder implements SearchEmbedder {
  readonly info: { model: string; revision: string; dtype: string; dimensions: number };
  /** Every text embedded, in order, with its kind. */
  readonly calls: { kind: 'query' | 'document'; texts: string[] }[] = [];
  /** Milliseconds each call waits first (to give an abort time to land). */
  delayMs = 0;

  constructor(model = 'test/bag-of-words', revision = 'main', dimensions = 64) {
    this.info = { model, revision, dtype: 'fp32', dimensions };
  }

  get documentTexts(): number {
    return this.calls.filter((call) => call.kind === 'document').reduce((sum, call) => sum + call.texts.length, 0);
  }

  async embed(texts: readonly string[], options: { kind?: 'query' | 'document'; signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    this.calls.push({ kind: options.kind ?? 'document', texts: [...texts] });
    if (this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    return texts.map((text) => this.#vector(text));
  }

  #vector(text: string): Float32Array {
    const vector = new Float32Array(this.info.dimensions);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      let hash = 2166136261;
      for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619) >>> 0;
      const bucket = hash % this.info.dimensions;
      vector[bucket] = (vector[bucket] as number) + 1;
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    norm = Math.sqrt(norm) || 1;
    return vector.map((value) => value / norm);
  }
}
