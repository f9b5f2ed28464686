/**
 * The pattern users write today for embeddings with transformers.js: `pipeline('feature-extraction', model)` on
 * the main thread, then one call over every text with `{ pooling: 'mean', normalize: true }` (the model card's
 * code). Only what an offline page must set is set: where the model files and onnxruntime's .wasm come from.
 * WASM's default dtype in transformers.js is q8.
 */
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import type { EmbedBenchPage } from './embed-contract.js';

let extractor: FeatureExtractionPipeline | undefined;

/** transformers.js's default .wasm files (the asyncify build), from this server instead of a CDN. */
const ORT_DIST = '/node_modules/onnxruntime-web/dist/';

const page: EmbedBenchPage = {
  async load(options) {
    env.remoteHost = new URL(`${options.modelBaseUrl.replace(/\/+$/, '')}/`, location.href).href;
    env.remotePathTemplate = '{model}/';
    const wasm = env.backends.onnx.wasm;
    if (wasm !== undefined) {
      wasm.wasmPaths = {
        mjs: new URL(`${ORT_DIST}ort-wasm-simd-threaded.asyncify.mjs`, location.href).href,
        wasm: new URL(`${ORT_DIST}ort-wasm-simd-threaded.asyncify.wasm`, location.href).href,
      };
    }
    const started = performance.now();
    extractor = (await pipeline('feature-extraction', options.model)) as FeatureExtractionPipeline;
    const ms = performance.now() - started;
    const threads = env.backends.onnx.wasm?.numThreads;
    return { ms, detail: `feature-extraction pipeline, default dtype and device, ${String(threads)} threads` };
  },
  async embed(texts) {
    if (extractor === undefined) throw new Error('load first');
    const started = performance.now();
    const output = await extractor([...texts], { pooling: 'mean', normalize: true });
    const ms = performance.now() - started;
    return { ms, vectors: output.tolist() as number[][] };
  },
  async dispose() {
    await extractor?.dispose();
    extractor = undefined;
  },
};

window.embedBench = page;
