/**
 * How a WASM model spreads over the cores: how many sessions (copies of the model, each in its own worker)
 * score batches side by side, and how many WebAssembly threads each runs. Pure, so the rules are unit-tested
 * without a browser.
 *
 * Why sessions before threads: on a quiet machine two threads in one session are about as fast as two
 * sessions, but with another process holding a core, sessions keep their speed while threads slow down
 * (every operator waits for its slowest thread); figures in docs/design.md. Sessions also need no
 * cross-origin isolation, which WASM threads (SharedArrayBuffer) do, and most pages that embed a search box
 * are not isolated.
 */

/** `'auto'` keeps the copies' weights under this: MiniLM-class q8 (23 MB) gets one per core, bge-reranker-base q8 (280 MB) one. */
export const AUTO_SESSIONS_WEIGHT_BYTES = 256 * 1024 * 1024;

/** `'auto'` never runs more sessions than this: past 4 cores the page and the browser want theirs. */
export const AUTO_MAX_SESSIONS = 4;

/** Threads of a lone session on an isolated page never exceed this (onnxruntime-web's own cap). */
const MAX_THREADS = 4;

export interface WasmParallelInput {
  /** `wasmSessions` as passed. */
  readonly request: 'auto' | number;
  /** Logical cores (`navigator.hardwareConcurrency`). */
  readonly cores: number;
  /** Whether the page may share memory with its workers (COOP/COEP), which WASM threads need. */
  readonly crossOriginIsolated: boolean;
  /** Estimated bytes of one copy of the weights; undefined when the config does not say. */
  readonly weightBytes: number | undefined;
  /** Whether each extra session would download the model file again (no browser cache, no picked files). */
  readonly refetchesModel: boolean;
}

export interface WasmParallelPlan {
  readonly sessions: number;
  readonly threadsPerSession: number;
  /** Why this many sessions: for the logs and the tests. */
  readonly reason: string;
}

export function planWasmParallelism(input: WasmParallelInput): WasmParallelPlan {
  const cores = Math.max(1, Math.floor(input.cores));
  const sessions = sessionCount(input, cores);
  // One session: threads as before (one per core but one, so the page keeps a core). Several: one each, so
  // sessions x threads never asks for more cores than there are.
  const threadsPerSession = sessions.count > 1 || !input.crossOriginIsolated ? 1 : Math.max(1, Math.min(MAX_THREADS, cores - 1));
  return { sessions: sessions.count, threadsPerSession, reason: sessions.reason };
}

function sessionCount(input: WasmParallelInput, cores: number): { count: number; reason: string } {
  if (input.request !== 'auto') return { count: input.request, reason: `wasmSessions: ${input.request} was passed.` };
  if (input.refetchesModel) {
    return { count: 1, reason: 'useBrowserCache: false, so every further session would download the model again.' };
  }
  if (input.weightBytes === undefined) return { count: 1, reason: 'the config does not say how large the weights are.' };
  const byMemory = Math.max(1, Math.floor(AUTO_SESSIONS_WEIGHT_BYTES / input.weightBytes));
  const count = Math.min(cores, AUTO_MAX_SESSIONS, byMemory);
  const limit = count === byMemory && byMemory < Math.min(cores, AUTO_MAX_SESSIONS) ? 'the weights' : cores <= AUTO_MAX_SESSIONS ? 'the cores' : 'the cap of 4';
  return { count, reason: `one session per core, limited by ${limit}.` };
}
