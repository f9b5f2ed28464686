/**
 * What the embedding engine needs from a loaded sentence-embedding model. `src/runtime/` implements it with
 * transformers.js and onnxruntime-web; unit tests implement it with plain functions.
 */
import type { BatchTensors } from './batching.js';
import type { EmbeddingSetup } from './embedding-config.js';
import type { EmbedderLoadRequest } from '../shared/embedder-protocol.js';
import type { Device, Dtype, LoadProgress } from '../shared/types.js';

export interface LoadedEmbeddingModel {
  readonly device: Device;
  readonly dtype: Dtype;
  /** Tokens per text, special tokens included. */
  readonly maxLength: number;
  readonly fallbackReason?: string;
  readonly padTokenId: number;
  /** 1 for dynamically quantized (q8) graphs, whose activation scale would depend on the batch's other rows. */
  readonly maxBatchRows: number;
  /** Batches worth keeping in flight: WASM sessions side by side, running or still loading. Default 1. */
  readonly parallelRuns?: number;
  /** Pooling, normalization and prefixes (embedding-config.ts). */
  readonly setup: EmbeddingSetup;
  /** The single-text template's special tokens: `[CLS]` ... `[SEP]`, `<s>` ... `</s>`. */
  readonly lead: readonly number[];
  readonly tail: readonly number[];
  /** Token ids of `text` without special tokens. */
  tokenize(text: string): number[];
  /** Runs one padded batch; returns the flat [rows, length, dimensions] `last_hidden_state`. */
  run(batch: BatchTensors): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export type EmbeddingModelLoader = (request: EmbedderLoadRequest, onProgress: (progress: LoadProgress) => void) => Promise<LoadedEmbeddingModel>;
