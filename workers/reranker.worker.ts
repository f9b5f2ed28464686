/// <reference lib="webworker" />
/** Worker entry: serves the reranker engine, backed by transformers.js/onnxruntime-web, over Comlink. */
import { expose } from 'comlink';
import { loadReranker } from '../src/runtime/transformers-runtime.js';
import { createWorkerApi } from '../src/worker-api/worker-api.js';

expose(createWorkerApi(loadReranker));
