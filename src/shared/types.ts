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

/**
 * How a model's graph output becomes a score (see `src/engine/heads/`):
 * `sequence-classification` the one logit of a cross-encoder (or MiniCPM-Reranker);
 * `yes-token` the logit of `Yes` at the last position (bge-reranker-v2-gemma), or logit(yes) - logit(no);
 * `digit-expectation` sum of d * P(d) over the digits 1..7 (lb-reranker);
 * `layerwise` the cutoff layer's own score (bge-reranker-v2-minicpm-layerwise).
 */
export type HeadKind = 'sequence-classification' | 'yes-token' | 'digit-expectation' | 'layerwise';

/**
 * How a pair becomes a prompt: `pair` the tokenizer's pair template (cross-encoders, MiniCPM-Reranker),
 * `segments` FlagEmbedding's LLM layout `[bos] A: {query}\n B: {passage}\n {prompt}`, `chat` the tokenizer's
 * chat template (lb-reranker), `wrapped` a fixed prefix and suffix around one instruction/query/passage text
 * (Qwen3-Reranker).
 */
export type PromptStyle = 'pair' | 'segments' | 'chat' | 'wrapped';

/** Which head and prompt run (`info.scoring`). */
export interface ScoringInfo {
  readonly head: HeadKind;
  readonly promptStyle: PromptStyle;
  /** The model card the head and prompt follow (models exported by scripts/export/export_reranker.py). */
  readonly card?: string;
  /** The tokens whose logits or probabilities are read (`['Yes']`, `['1', ..., '7']`). */
  readonly scoringTokens?: readonly string[];
  /** The prompt after the passage in use (segments style). */
  readonly prompt?: string;
  /** The reranker's instruction (MiniCPM-Reranker, Qwen3-Reranker, mxbai v2); a call's `instruction` overrides it for that call. */
  readonly instruction?: string;
  /** Layerwise: the layer in use and the layers exported. */
  readonly cutoffLayer?: number;
  readonly cutoffLayers?: readonly number[];
  /** Whether `chunking` can be used: windows of the passage's own tokens (not of a wrapped passage). */
  readonly supportsChunking: boolean;
}

/**
 * Caps on one `rerank`/`score` call. A call over any of them rejects with `invalid-input` before anything
 * is scored (the error's `details.limit` names the limit, `details.limitValue` its value). Characters are
 * UTF-16 code units (`string.length`). Each must be a positive integer.
 */
export interface RerankerLimits {
  /**
   * Documents per `rerank` call, pairs per `score` call. Default 10,000: reranking is for the top few dozen
   * to few hundred candidates of a first-stage search; 10,000 short passages already take minutes on WASM,
   * so a larger call is almost surely a whole corpus passed by mistake.
   */
  maxDocuments?: number;
  /**
   * Characters per document (the passage of a `score` pair). Default 100,000 (about 25,000 tokens, some 50
   * pages): past what 8 windows of chunking can score anyway, and tokenizing it already takes 0.1-0.5 s;
   * the fixtures' SentencePiece tokenizer fails outright on strings of some 600,000 characters.
   */
  maxDocumentChars?: number;
  /**
   * Characters per query. Default 10,000: a query keeps at most `floor(maxLength * 3 / 4)` tokens (384 on a
   * 512-token model, some 1,500 characters of English), so this leaves room for pasted questions while
   * bounding the work spent on text that is cut off anyway. A call's `instruction` is held to it too.
   */
  maxQueryChars?: number;
  /**
   * Characters of all queries and documents of one call together. Default 10,000,000 (20 MB of UTF-16 copied
   * to the worker; tens of seconds of tokenizing): keeps 10,000 documents of 100,000 characters (2 GB) from
   * freezing or killing the tab.
   */
  maxTotalChars?: number;
}

/** The limits in force, defaults filled in. */
export type ResolvedLimits = { readonly [K in keyof RerankerLimits]-?: number };

/**
 * Splitting long passages into token windows, as hosted rerank APIs do (`max_chunks_per_doc`).
 * Each window holds as many passage tokens as fit beside the (capped) query and the special tokens.
 */
export interface ChunkingOptions {
  /**
   * Most windows scored per passage. Default 8: about 3,700 passage tokens (roughly 2,800 English words)
   * on a 512-token model, at most 8 model rows per document. Windows past it are not scored; such a
   * document is reported `truncated: true`. An integer from 1 to 1,000.
   */
  maxChunksPerDoc?: number;
  /**
   * Tokens each window repeats from the one before it, so that a sentence cut by a window boundary is
   * still whole in one window. Default 32 (a long sentence; about 7% of a 480-token window). Capped at
   * half the window, so windows always advance. An integer of at least 0.
   */
  chunkOverlap?: number;
}

/** Chunking as a reranker applies it: defaults filled in. */
export interface ChunkingSettings {
  readonly maxChunksPerDoc: number;
  readonly chunkOverlap: number;
}

/** What actually runs, and why it is not what was asked for. */
export interface RerankerInfo {
  readonly model: string;
  readonly device: Device;
  readonly dtype: Dtype;
  readonly maxLength: number;
  /**
   * WASM threads of each session: 1 unless the page is cross-origin isolated and one session runs (then one
   * per core but one, at most 4).
   */
  readonly wasmThreads: number;
  /** WASM sessions started to score batches side by side (`wasmSessions`; the extra ones join once loaded); 1 on WebGPU. */
  readonly wasmSessions: number;
  /** Set when `device: 'auto'` could not use WebGPU, or when the dtype forced WASM. */
  readonly fallbackReason?: string;
  /** The default for calls that do not pass `chunking`: `false` (truncate) or the window settings in use. */
  readonly chunking: false | ChunkingSettings;
  /** The limits every call is checked against (defaults filled in). */
  readonly limits: ResolvedLimits;
  /** The score head and prompt that run. */
  readonly scoring: ScoringInfo;
  /** Whether WebGPU batches run through graph capture (`webgpuGraphCapture`), and why. */
  readonly graphCapture: GraphCaptureInfo;
  /**
   * Set on WebGPU when onnxruntime left nodes of this graph on the CPU that need values the GPU computed: every
   * run then waits for the GPU mid-graph and graph capture is refused (about 10x slower, docs/benchmarks.md).
   * Read from onnxruntime's placement log as the session builds. Unset on WASM and when every such node runs on
   * the GPU (shape arithmetic that onnxruntime keeps on the CPU on purpose does not count).
   */
  readonly cpuNodes?: CpuNodesInfo;
  /**
   * Rows per batch as memory allows them at `maxLength`, and whether `maxLength` was lowered below the
   * model's own limit to fit one pair in memory (docs/long-context.md). Absent for models loaded without it.
   */
  readonly memory?: MemoryInfo;
}

/** `info.memory`. */
export interface MemoryInfo {
  /** Most rows one batch holds at `maxLength`; undefined when the config does not give the model's shape. */
  readonly rowsAtMaxLength: number | undefined;
  /** What limits the rows (WebAssembly's 4 GiB, the WebGPU device's largest buffer) and any lowered `maxLength`. */
  readonly reason: string;
}

/** `info.cpuNodes`: a WebGPU graph that runs partly on the CPU, what it costs and what to do. */
export interface CpuNodesInfo {
  /** Nodes onnxruntime placed on the CPU, all of them (its int64 shape arithmetic included). */
  readonly count: number;
  /** Those nodes by op type (`{ MatMulInteger: 14, DynamicQuantizeLinear: 10, Unsqueeze: 15, ... }`), most first. */
  readonly opTypes: Readonly<Record<string, number>>;
  /** Values copied from the GPU to the CPU in every run (onnxruntime's MemcpyToHost): each one is a wait. */
  readonly gpuToCpuCopies: number;
  /** What it costs, in a sentence for people. */
  readonly cost: string;
  /** What to do about it: which export or dtype keeps every node on the GPU. */
  readonly advice: string;
}

/** `info.graphCapture`. */
export interface GraphCaptureInfo {
  readonly enabled: boolean;
  /** Why it is on or off, and with which shapes (rows x length). */
  readonly reason: string;
}

export interface ScoreOptions {
  /**
   * Map scores into 0..1. Default `false` (raw scores, as the Python reference returns them). Logit heads
   * (cross-encoders, yes-token, layerwise) use the sigmoid, as FlagEmbedding's `normalize=True` does; the
   * digit-expectation head maps its 1..7 scale linearly: (score - 1) / 6, clamped.
   */
  normalize?: boolean;
  /** Aborts a queued or running call with code `aborted`; other calls are not disturbed. */
  signal?: AbortSignal;
  /**
   * Milliseconds this call may take, queueing included: past it the call rejects with code `timeout` and the
   * worker drops it (as on abort); other calls are not disturbed. A positive number. Default: none.
   */
  timeoutMs?: number;
  /**
   * Overrides the reranker's `chunking` for this call: `false` truncates, `true` uses the default windows,
   * an object sets them (unset fields take the defaults of `ChunkingOptions`, not the reranker's).
   * Default: the reranker's setting (`info.chunking`).
   */
  chunking?: boolean | ChunkingOptions;
  /**
   * Overrides the reranker's `instruction` for this call only (MiniCPM-Reranker, Qwen3-Reranker, mxbai-rerank
   * v2: the models whose export has an instruction slot); a non-empty string. Other models refuse it with
   * `invalid-input`. `info.scoring.instruction` keeps the reranker's. Default: the reranker's instruction.
   */
  instruction?: string;
}

/**
 * How a document object becomes the text the model reads: a field name, several field names (their string
 * values joined by a newline; absent or null fields skipped, other non-strings refused), or a function from the
 * document to its text.
 */
export type DocumentText<D> = string | readonly string[] | ((document: D) => string);

export interface RerankOptions extends ScoreOptions {
  /** Return only the best `topK` results. Must be a positive integer. Default: all documents. */
  topK?: number;
  /**
   * Include each document in its result: the string itself, or with `documentText` the caller's own object.
   * Default `false` for strings, `true` with `documentText`.
   */
  returnDocuments?: boolean;
}

/** `rerank` options for document objects: `documentText` says where each document's text is. */
export interface RerankObjectOptions<D> extends RerankOptions {
  /** Where each document's text is (see `DocumentText`). Required for objects; default: none. */
  documentText: DocumentText<D>;
}

export interface RerankResult<D = string> {
  /** Position of the document in the input array. */
  readonly index: number;
  /** The raw score (a logit for most heads; see `HeadKind`), or its 0..1 form with `normalize: true`. With chunking: the best window's score. */
  readonly score: number;
  /** The document: its text with `returnDocuments: true`, or the caller's own object with `documentText`. */
  readonly document?: D;
  /**
   * True when some tokens of the query (past `floor(maxLength * 3 / 4)`) or of the passage were not seen by
   * the model: cut off without chunking, or past `maxChunksPerDoc` windows with it.
   */
  readonly truncated: boolean;
  /**
   * Present (`true`) only when the model's score for this document is NaN (an fp16 overflow, a broken
   * export; with chunking, when every window's is). Such results come after every numeric score, in input
   * order, so `topK` keeps numbers first.
   */
  readonly invalidScore?: true;
  /** With chunking: the window that gave the score, so a UI can highlight it. Absent without chunking. */
  readonly chunk?: ChunkSpan;
}

/** One token window of a passage. Spans are half-open: `[start, end)`. */
export interface ChunkSpan {
  /** 0-based position of the window among the passage's windows. */
  readonly index: number;
  /** Windows scored for this passage (at most `maxChunksPerDoc`). */
  readonly count: number;
  /** Windows needed to cover the whole passage; more than `count` when windows were left unscored. */
  readonly total: number;
  /** First passage token of the window, counting the passage's tokens without special tokens. */
  readonly tokenStart: number;
  /** One past the window's last passage token. */
  readonly tokenEnd: number;
  /**
   * The window in the document string (UTF-16 offsets for `slice`), widened to whole whitespace-separated
   * words when a window boundary falls inside one (to single characters in Chinese/Japanese text where the
   * tokenizer splits those apart, as WordPiece does). Absent when the tokens cannot be traced back to the
   * text: the library checks that tokenizing the text piece by piece gives exactly the passage's tokens and
   * leaves these out otherwise, rather than highlight the wrong text.
   */
  readonly charStart?: number;
  readonly charEnd?: number;
}

/** Timings of the last completed call, in milliseconds (for demos and benchmarks). */
export interface CallTimings {
  /** Time spent tokenizing and building rows. */
  readonly tokenizeMs: number;
  /**
   * The rest of the call: running batches, and waiting on them. With graph capture, full batches start while
   * later passages are still being tokenized, so the two overlap and the call takes less than their sum.
   */
  readonly inferenceMs: number;
  readonly pairs: number;
  /** Model rows scored: `pairs`, plus the extra windows of chunked passages. */
  readonly windows: number;
  readonly batches: number;
  /** WebGPU graph capture now (when `lastTimings()` is asked); unset when capture is off (docs/design.md). */
  readonly graphCapture?: GraphCaptureState;
}

/** `CallTimings.graphCapture`; shapes are `rows x length` (`"12x320"`), failed ones with why. */
export interface GraphCaptureState {
  readonly capturedShapes: readonly string[];
  /** Needed by batches (which ran on the dynamic session): being built or waiting for idle time, most used first. */
  readonly pendingShapes: readonly string[];
  readonly failedShapes: readonly string[];
  /** Batches since the load (its warm-up included) on captured sessions / on the dynamic session. */
  readonly capturedBatches: number;
  readonly dynamicBatches: number;
}

/** Options of `Reranker.encode`. */
export interface EncodeOptions {
  /** Aborting rejects the call with code `aborted`. Default: none. */
  readonly signal?: AbortSignal;
  /** Milliseconds the call may take, queueing included; past it, code `timeout`. Default: none. */
  readonly timeoutMs?: number;
  /** The instruction the rows are built with, as `ScoreOptions.instruction`. Default: the reranker's. */
  readonly instruction?: string;
}

/** One `[query, passage]` pair as the model receives it (see `Reranker.encode`). */
export interface EncodedRow {
  /** The row's token ids in order: special tokens, the model's prompt and template, after truncation to `maxLength`. */
  readonly inputIds: number[];
  /** Some query or passage tokens did not fit in `maxLength` and are not in the row. */
  readonly truncated: boolean;
}

export interface Reranker extends AsyncDisposable {
  readonly info: RerankerInfo;
  /**
   * Scores every document against `query`; results sorted best first. An empty `documents` returns `[]`.
   * At most `MAX_QUEUED_CALLS` (1,000) calls (`rerank` and `score`) are held at a time, queued or running;
   * one more rejects with code `busy` and the calls already held are not disturbed.
   */
  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult[]>;
  /**
   * Document objects: `options.documentText` names the text field(s) or maps a document to its text; only the
   * texts go to the worker, and each result's `document` is the caller's own object (unless `returnDocuments:
   * false`). A document whose text cannot be read rejects the call with `invalid-input` (`details.index`).
   */
  rerank<D>(query: string, documents: readonly D[], options: RerankObjectOptions<D>): Promise<RerankResult<D>[]>;
  /**
   * Scores `[query, passage]` pairs; scores in input order (with chunking, each pair's best window).
   * It reports no truncation: use `rerank` for `truncated` and the winning window.
   */
  score(pairs: readonly (readonly [string, string])[], options?: ScoreOptions): Promise<number[]>;
  /**
   * The token ids the model scores for each `[query, passage]` pair, without running the model: the whole
   * row with special tokens, prompt and truncation, exactly as `score` feeds it. For comparing the library's
   * tokenization with a Python reference (`tokenizer(query, passage)` or the model card's prompt code), or for
   * counting tokens. With chunking, `score` and `rerank` feed token windows of long passages instead; this
   * returns the unchunked row.
   */
  encode(pairs: readonly (readonly [string, string])[], options?: EncodeOptions): Promise<EncodedRow[]>;
  /**
   * Timings of the most recent call the current worker finished; `undefined` when it finished none yet
   * (after a crash too, until a call finishes in the new worker). Rejects with `worker-crashed` when the
   * worker dies before answering (`disposed` when the reranker is disposed meanwhile): it never hangs.
   */
  lastTimings(): Promise<CallTimings | undefined>;
  /** Ends the worker and frees every session; later calls reject with code `disposed`. */
  dispose(): Promise<void>;
  /** `dispose()`, for `await using reranker = await createReranker(...)`. */
  [Symbol.asyncDispose](): Promise<void>;
}
