/// <reference lib="webworker" />
/** Worker entry: serves the embedding engine, backed by transformers.js/onnxruntime-web, over Comlink. */
import { expose } from 'comlink';
import { loadEmbedder } from '../src/runtime/transformers-runtime.js';
import { createEmbedderWorkerApi } from '../src/worker-api/embedder-api.js';

expose(createEmbedderWorkerApi(loadEmbedder));
