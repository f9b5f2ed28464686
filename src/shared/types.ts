/**
 * The public contract of webgpu-reranker: options, results and the `Reranker` interface.
 * The worker-side engine and the main-thread proxy both implement what is declared here.
 */

/** Where the ONNX session runs. */
export type Device = 'webgpu' | 'wasm';

/** What the caller asks for: `'auto'` picks WebGPU when an adapter exists and the session builds. */
export type DeviceRequest = 'auto' | Device;

/**
 * Weight formats, mapped to the Hub's file names under `onnx/`:
 * `fp32` -> `model.onnx`, `fp16` -> `model_fp16.onnx`, `q8` -> `model_quantized.onnx`,
 * `q4` -> `model_q4.onnx`, `q4f16` -> `model_q4f16.onnx`.
 */
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

export type DtypeRequest = 'auto' | Dtype;

/** Progress while `createReranker` works; `stage` tells which field set applies. */
export type LoadProgress =
  | {
      /** Bytes of one model file arriving (from the network or the browser cache). */
      readonly stage: 'download';
      /** File path inside the model folder, e.g. `onnx/model_quantized.onnx`. */
      readonly file: string;
      readonly loaded: number;
      /** 0 when the server sent no length. */
      readonly total: number;
      /** 0..100 for this file. */
      readonly progress: number;
    }
  | {
      /** All files of the model together. */
      readonly stage: 'download-total';
      readonly loaded: number;
      readonly total: number;
      readonly progress: number;
    }
  | {
      /** The ONNX session is being built on `device`. */
      readonly stage: 'session';
      readonly device: Device;
      readonly dtype: Dtype;
    }
  | {
      /** One small batch runs so that the first real call is not slowed by shader compilation or allocation. */
      readonly stage: 'warmup';
    }
  | {
      readonly stage: 'ready';
      readonly info: RerankerInfo;
    };

export interface RerankerOptions {
  /** A Hugging Face Hub model id (`'Xenova/ms-marco-MiniLM-L-6-v2'`), or a folder name under `modelBaseUrl`. Required. */
  model: string;
  /**
   * Self-hosting: when set, every file is fetched from `${modelBaseUrl}/${model}/<file>` in the Hub's layout
   * (`config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model*.onnx`) instead of the Hub.
   * Relative URLs are resolved against the page. Default: unset (the Hugging Face Hub).
   */
  modelBaseUrl?: string;
  /** Default `'auto'`: WebGPU when an adapter is available and the session builds, otherwise WASM (see `info.fallbackReason`). */
  device?: DeviceRequest;
  /**
   * Default `'auto'`: `fp32` on WebGPU (q8 graphs would run on the CPU there), `q8` on WASM.
   * `fp16` and `q4f16` need the adapter's `shader-f16` feature.
   */
  dtype?: DtypeRequest;
  /**
   * Tokens per query+passage pair, special tokens included. Default: the tokenizer's `model_max_length`,
   * capped by the model's position embeddings and by 512. Larger values are refused.
   */
  maxLength?: number;
  /**
   * Token budget of one batch (rows x padded length). Default 4096: pairs are sorted by length and grouped
   * so that no batch pads beyond it. Larger batches use more memory; smaller ones more calls.
   */
  batchTokenBudget?: number;
  /** Called with download, session, warm-up and ready progress. Default: none. */
  onProgress?: (progress: LoadProgress) => void;
  /** Cache model files in the browser's Cache Storage so a second load needs no network. Default `true`. */
  useBrowserCache?: boolean;
}

/** What actually runs, and why it is not what was asked for. */
export interface RerankerInfo {
  readonly model: string;
  readonly device: Device;
  readonly dtype: Dtype;
  readonly maxLength: number;
  /** WASM threads in use (1 unless the page is cross-origin isolated). */
  readonly wasmThreads: number;
  /** Set when `device: 'auto'` could not use WebGPU, or when the dtype forced WASM. */
  readonly fallbackReason?: string;
}

export interface ScoreOptions {
  /** Map raw logits through a sigmoid into 0..1. Default `false` (raw logits, as the Python reference returns). */
  normalize?: boolean;
  /** Aborts a queued or running call with code `aborted`; other calls are not disturbed. */
  signal?: AbortSignal;
}

export interface RerankOptions extends ScoreOptions {
  /** Return only the best `topK` results. Must be a positive integer. Default: all documents. */
  topK?: number;
  /** Include each document's text in its result. Default `false`. */
  returnDocuments?: boolean;
}

export interface RerankResult {
  /** Position of the document in the input array. */
  readonly index: number;
  /** Raw logit, or its sigmoid with `normalize: true`. */
  readonly score: number;
  /** The document's text, with `returnDocuments: true`. */
  readonly document?: string;
}

/** Timings of the last completed call, in milliseconds (for demos and benchmarks). */
export interface CallTimings {
  readonly tokenizeMs: number;
  readonly inferenceMs: number;
  readonly pairs: number;
  readonly batches: number;
}

export interface Reranker {
  readonly info: RerankerInfo;
  /** Scores every document against `query`; results sorted best first. An empty `documents` returns `[]`. */
  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult[]>;
  /** Scores `[query, passage]` pairs; scores in input order. */
  score(pairs: readonly (readonly [string, string])[], options?: ScoreOptions): Promise<number[]>;
  /** Timings of the most recent call that finished. */
  lastTimings(): Promise<CallTimings | undefined>;
  /** Ends the worker and frees every session; later calls reject with code `disposed`. */
  dispose(): Promise<void>;
}
