/**
 * An embedder's WASM sessions side by side, as the reranker's (session-pool.ts, design.md "WASM: sessions side by
 * side before threads"): the embedder worker's own session, and `extra` more, each in a worker of its own on one
 * thread, joining once loaded and warmed; the embedding engine keeps `1 + extra` batches in flight (a batch
 * waits in the pool for a free session, so a session that fails to load costs nothing but its place).
 */
import type { BatchTensors } from '../engine/batching.js';
import { SessionPool } from './session-pool.js';
import type { WasmSessionLoad } from './wasm-session-protocol.js';
import { startWarmWasmSession } from './wasm-session-workers.js';

export interface SideBySideRuns {
  run(batch: BatchTensors): Promise<Float32Array>;
  /** Sessions planned: the worker's own and the extra ones. */
  readonly parallelRuns: number;
  /** Ends the extra sessions (the worker's own is the caller's to dispose). */
  dispose(): Promise<void>;
}

export function sideBySideRuns(run: (batch: BatchTensors) => Promise<Float32Array>, extra: number, load: WasmSessionLoad, padTokenId: number): SideBySideRuns {
  if (extra < 1) return { run, parallelRuns: 1, dispose: () => Promise.resolve() };
  const pool = new SessionPool({ run, dispose: () => Promise.resolve() }, []);
  for (let index = 1; index <= extra; index += 1) pool.join(startWarmWasmSession(load, index, padTokenId));
  return { run: (batch) => pool.run(batch), parallelRuns: 1 + extra, dispose: () => pool.dispose() };
}
