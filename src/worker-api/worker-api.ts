/**
 * What the worker exposes over Comlink: the engine, with every failure turned into an `Outcome`.
 * Kept apart from the worker entry so it can be served over any MessagePort in tests.
 */
import type { ModelLoader } from '../engine/loaded-model.js';
import { RerankEngine } from '../engine/rerank-engine.js';
import { holdLifeLock } from '../shared/life-lock.js';
import { toWireError } from '../shared/errors.js';
import type { Outcome, WorkerApi } from '../shared/protocol.js';

export async function settle<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

export function createWorkerApi(loader: ModelLoader): WorkerApi {
  const engine = new RerankEngine(loader);
  return {
    holdLifeLock,
    load: (request, onProgress) => settle(() => engine.load(request, onProgress)),
    score: (callId, pairs, options) => settle(() => engine.score(callId, pairs, options)),
    rerank: (callId, query, documents, options) => settle(() => engine.rerank(callId, query, documents, options)),
    encode: (callId, pairs, options) => settle(() => engine.encode(callId, pairs, options)),
    abort: (callId) => engine.abort(callId),
    lastTimings: () => engine.lastTimings(),
    dispose: () => settle(() => engine.dispose()),
  };
}
