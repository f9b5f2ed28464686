/** The library as a user calls it for embeddings: createEmbedder (its own Web Worker), WASM, q8, then embed. */
import { createEmbedder, type Embedder } from '../../../src/index.js';
import type { EmbedBenchPage } from './embed-contract.js';

let embedder: Embedder | undefined;

const page: EmbedBenchPage = {
  async load(options) {
    const started = performance.now();
    embedder = await createEmbedder({ model: options.model, modelBaseUrl: options.modelBaseUrl, device: 'wasm', dtype: 'q8' });
    const ms = performance.now() - started;
    const { info } = embedder;
    return { ms, detail: `${info.device} ${info.dtype} ${info.dimensions}-d ${info.pooling} pooling, normalize ${String(info.normalize)}, ${info.configSource}` };
  },
  async embed(texts) {
    if (embedder === undefined) throw new Error('load first');
    const started = performance.now();
    const vectors = await embedder.embed(texts);
    const ms = performance.now() - started;
    return { ms, vectors: vectors.map((vector) => Array.from(vector)) };
  },
  async dispose() {
    await embedder?.dispose();
    embedder = undefined;
  },
};

window.embedBench = page;
