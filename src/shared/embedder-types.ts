/**
 * The public contract of `createEmbedder`: its options, the `Embedder` it resolves to and what `info` reports.
 * Device, dtype, progress, cache and error behaviour are the reranker's (see reranker-options.ts).
 */
import type { ModelFilesInput } from './model-files.js';
import type { Device, DeviceRequest, Dtype, DtypeRequest, LoadProgress } from './types.js';

/**
 * How token vectors become one text vector (sentence-transformers' `1_Pooling/config.json`):
 * `'cls'` the first token's (bge), `'mean'` the mean over the text's tokens, padding excluded (MiniLM, e5).
 */
export type EmbeddingPooling = 'cls' | 'mean';

/**
 * The pooling `info` reports: an option's or the config's, or `'weightedmean'` for an exported embedder that
 * pools inside its graph (MiniCPM-Embedding: a mean over position-weighted token vectors, as its card computes).
 */
export type EmbedderPooling = EmbeddingPooling | 'weightedmean';

/** Which side of a search a text is on: queries get the model's query prefix, documents its document prefix. */
export type EmbeddingKind = 'query' | 'document';

export interface EmbedderOptions {
  /** A Hub model id, or a folder name under `modelBaseUrl` (same rules as `createReranker`). Required. */
  model: string;
  /** Fetch files from `${modelBaseUrl}/${model}/<file>` (Hub layout); relative to the page. Default: the Hub. */
  modelBaseUrl?: string;
  /** Files the user picked (no network, no cache), as for `createReranker`. Default: unset. */
  modelFiles?: ModelFilesInput;
  /** `'auto'` (default): WebGPU if it works, else WASM (`info.fallbackReason`). `'webgpu'`: no fallback. `'wasm'`. */
  device?: DeviceRequest;
  /** `'auto'` (default): `fp32` on WebGPU, `q8` on WASM; or `fp32`, `fp16`, `q8`, `q4`, `q4f16`. */
  dtype?: DtypeRequest;
  /**
   * Tokens per text, special tokens and prefix included; longer texts are truncated (`info.maxLength`).
   * Default: `sentence_bert_config.json`'s `max_seq_length`, else the tokenizer's `model_max_length` capped at
   * 512, within the position embeddings.
   */
  maxLength?: number;
  /** Padded tokens per batch (rows x longest row). Default 4096. */
  batchTokenBudget?: number;
  /** Keep model files in Cache Storage. Default `true`. */
  useBrowserCache?: boolean;
  /** Hub branch, tag or commit. Default `'main'`. */
  revision?: string;
  /** Aborts the load (`aborted`); the worker ends. Default: none. */
  signal?: AbortSignal;
  /** Most milliseconds the load may take (`timeout`). Default: none. */
  timeoutMs?: number;
  /** Largest model file accepted (`model-load-failed`). Default 4 GiB. */
  maxModelBytes?: number;
  /** Load progress: `'download'` (per file), `'download-total'`, `'session'`, `'warmup'`, `'ready'`. Default: none. */
  onProgress?: (progress: LoadProgress) => void;
  /** Overrides the pooling read from `1_Pooling/config.json`. Default: the model's (required when it has none). */
  pooling?: EmbeddingPooling;
  /** L2-normalize the vectors. Default: `true` when `modules.json` lists `Normalize`, or when it is absent. */
  normalize?: boolean;
  /**
   * Text put before every query. Default: `config_sentence_transformers.json`'s `prompts.query`, else the
   * model card's for the known families (bge `-en-v1.5`: its retrieval instruction; e5: `'query: '`), else `''`.
   */
  queryPrefix?: string;
  /**
   * Text put before every document. Default: `prompts.document` (or `passage`, `doc`, `corpus`) of the same
   * file, else the card's (e5: `'passage: '`), else `''`.
   */
  documentPrefix?: string;
  /**
   * The task instruction of exported embedders with an instruction slot. MiniCPM-Embedding: queries become
   * `Instruction: {instruction} Query: {query}` instead of `Query: {query}`; documents stay bare. Refused
   * (`invalid-input`) by models without the slot; an explicit `queryPrefix` wins over it. Default: none.
   */
  instruction?: string;
}

export interface EmbedOptions {
  /** `'document'` (default) or `'query'`: which prefix goes before each text. */
  kind?: EmbeddingKind;
  /**
   * This call's task instruction, for queries (`kind: 'query'`, else `invalid-input`) of exported embedders with
   * an instruction slot. MiniCPM-Embedding: `Instruction: {instruction} Query: {query}`. Replaces createEmbedder's
   * `instruction` for this call; `info.queryPrefix` keeps the embedder's. Refused (`invalid-input`) by models
   * without the slot and when createEmbedder's `queryPrefix` replaced the query prompt. Default: the embedder's
   * `instruction` (none: `Query: {query}`).
   */
  instruction?: string;
  /** Aborts this call (`aborted`). Default: none. */
  signal?: AbortSignal;
  /** Most milliseconds this call may take, queueing included (`timeout`). Default: none. */
  timeoutMs?: number;
}

export interface EmbedderInfo {
  readonly model: string;
  readonly revision: string;
  readonly device: Device;
  readonly dtype: Dtype;
  /** Length of every vector. */
  readonly dimensions: number;
  readonly pooling: EmbedderPooling;
  readonly normalize: boolean;
  readonly queryPrefix: string;
  readonly documentPrefix: string;
  /** Tokens per text, special tokens included. */
  readonly maxLength: number;
  /** Where pooling, normalization and prefixes came from: the sentence-transformers files, the card table, options. */
  readonly configSource: string;
  /**
   * WASM sessions embedding batches side by side (chosen as the reranker's `wasmSessions: 'auto'`: one per core,
   * at most 4, when their weights fit; the extra ones join once loaded); 1 on WebGPU.
   */
  readonly wasmSessions: number;
  /** Why `device: 'auto'` is not on WebGPU. */
  readonly fallbackReason?: string;
}

export interface Embedder {
  readonly info: EmbedderInfo;
  /**
   * One vector per text, in input order (L2-normalized when `info.normalize`). Texts longer than
   * `info.maxLength` tokens are truncated.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** Ends the worker; later calls reject with `disposed`. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
