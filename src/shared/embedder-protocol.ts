/**
 * The contract between the page's `Embedder` and the embedding worker, carried by Comlink. As for the
 * reranker (protocol.ts), worker methods never throw across the boundary: they return an `Outcome`.
 */
import type { EmbedderInfo, EmbedderOptions, EmbeddingKind } from './embedder-types.js';
import type { ModelFiles } from './model-files.js';
import type { Outcome } from './protocol.js';
import type { LoadProgress } from './types.js';

/** `createEmbedder` options as they cross into the worker (functions and signals stay on the page). */
export type EmbedderLoadRequest = Omit<EmbedderOptions, 'onProgress' | 'modelFiles' | 'signal'> & { readonly modelFiles?: ModelFiles };

export interface EmbedderWorkerApi {
  /** Takes a Web Lock named `name` for the rest of the worker's life (see life-lock.ts). */
  holdLifeLock(name: string): Promise<boolean>;
  load(request: EmbedderLoadRequest, onProgress?: (progress: LoadProgress) => void): Promise<Outcome<EmbedderInfo>>;
  /** One vector per text, in order; transferred, not copied. `instruction`: the call's (EmbedOptions.instruction). */
  embed(callId: number, texts: readonly string[], kind: EmbeddingKind, instruction?: string): Promise<Outcome<Float32Array[]>>;
  abort(callId: number): void;
  dispose(): Promise<Outcome<void>>;
}
