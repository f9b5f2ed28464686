/**
 * What the embedding worker exposes over Comlink: the embedding engine, every failure turned into an
 * `Outcome` (see worker-api.ts). The vectors' buffers are transferred to the page, not copied.
 */
import { transfer } from 'comlink';
import { EmbedEngine } from '../engine/embed-engine.js';
import type { EmbeddingModelLoader } from '../engine/embedding-model.js';
import type { EmbedderWorkerApi } from '../shared/embedder-protocol.js';
import { holdLifeLock } from '../shared/life-lock.js';
import { settle } from './worker-api.js';

export function createEmbedderWorkerApi(loader: EmbeddingModelLoader): EmbedderWorkerApi {
  const engine = new EmbedEngine(loader);
  return {
    holdLifeLock,
    load: (request, onProgress) => settle(() => engine.load(request, onProgress)),
    embed: async (callId, texts, kind, instruction) => {
      const outcome = await settle(() => engine.embed(callId, texts, kind, instruction));
      return outcome.ok ? transfer(outcome, outcome.value.map((vector) => vector.buffer as ArrayBuffer)) : outcome;
    },
    abort: (callId) => engine.abort(callId),
    dispose: () => settle(() => engine.dispose()),
  };
}
