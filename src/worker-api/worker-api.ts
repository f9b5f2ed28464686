/**
 * What the worker exposes over Comlink: the engine, with every failure turned into an `Outcome`.
 * Kept apart from the worker entry so it can be served over any MessagePort in tests.
 */
import type { ModelLoader } from '../engine/loaded-model.js';
import { RerankEngine } from '../engine/rerank-engine.js';
import { holdLifeLock } from '../shared/life-lock.js';
import type { WorkerApi } from '../shared/protocol.js';
import { settle } from './settle.js';

export { settle } from './settle.js';

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
