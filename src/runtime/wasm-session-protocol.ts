/**
 * What the engine's worker asks of a WASM session worker (workers/wasm-session.worker.ts), carried by
 * Comlink: load one more session of the model already loaded, then run batches on it.
 */
import type { BatchTensors } from '../engine/batching.js';
import type { LoadRequest } from '../engine/loaded-model.js';
import type { Outcome } from '../shared/protocol.js';
import type { Dtype } from '../shared/types.js';

export interface WasmSessionLoad {
  /** The reranker's load request: where the files are, the browser cache, picked files. */
  readonly request: LoadRequest;
  /** The dtype the first session runs, so every session scores alike. */
  readonly dtype: Dtype;
  /** The graph file's stem (`model`, `model_layer8`, ...). */
  readonly graph: string;
  /** Whether the graph is one exported by scripts/export (loaded as a plain session, not a transformers.js architecture). */
  readonly exported: boolean;
  readonly outputName: string;
}

export interface WasmSessionApi {
  load(load: WasmSessionLoad): Promise<Outcome<void>>;
  run(batch: BatchTensors): Promise<Outcome<Float32Array>>;
  dispose(): Promise<Outcome<void>>;
  /** Takes the Web Lock `name` for the rest of the worker's life (see src/worker-api/life-lock.ts); false without Web Locks. */
  holdLifeLock(name: string): Promise<boolean>;
}
