/// <reference lib="webworker" />
/** Worker entry: one more WASM session of the reranker's model, started by the reranker's worker (see session-pool.ts). */
import { expose } from 'comlink';
import { loadWasmSession } from '../src/runtime/transformers-runtime.js';
import { createWasmSessionApi } from '../src/worker-api/wasm-session-api.js';

expose(createWasmSessionApi(loadWasmSession));
