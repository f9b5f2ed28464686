/**
 * The options of `createReranker`, each with its default. Kept apart from the call and result types of
 * types.ts, which this file reads.
 */
import type { ModelFilesInput } from './model-files.js';
import type { DeviceRequest, DtypeRequest, LoadProgress, ChunkingOptions, RerankerLimits } from './types.js';

/** The model cards `preset` names for published causal-LM graphs loaded as they are (docs/published-llm.md). */
export type PublishedPreset = 'qwen3-reranker';

export interface RerankerOptions {
  /** A Hugging Face Hub model id (`'Xenova/ms-marco-MiniLM-L-6-v2'`), or a folder name under `modelBaseUrl`. Required. */
  model: string;
  /**
   * Self-hosting: when set, every file is fetched from `${modelBaseUrl}/${model}/<file>` in the Hub's layout
   * (`config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model*.onnx`) instead of the Hub.
   * Relative URLs are resolved against the page. Default: unset (the Hugging Face Hub).
   */
  modelBaseUrl?: string;
  /**
   * Offline: load the model from files the user picked instead of any URL, with no network at all. A
   * `FileList` from `<input type="file" webkitdirectory>` (paths are read from `webkitRelativePath`, the
   * picked folder's own name dropped), an array of such `File`s, or an object of path -> `Blob`
   * (`{ 'config.json': blob, 'onnx/model.onnx': blob, ... }`). The folder must hold the Hub layout:
   * `config.json`, `tokenizer.json`, `tokenizer_config.json` and the `onnx/` file of the dtype used;
   * `model` then only names it (in `info`). Nothing is written to the browser cache. Default: unset.
   */
  modelFiles?: ModelFilesInput;
  /** Default `'auto'`: WebGPU when an adapter is available and the session builds, otherwise WASM (see `info.fallbackReason`). */
  device?: DeviceRequest;
  /**
   * Default `'auto'`: `fp32` on WebGPU (q8 graphs would run on the CPU there), `q8` on WASM.
   * `fp16` and `q4f16` need the adapter's `shader-f16` feature.
   */
  dtype?: DtypeRequest;
  /**
   * Tokens per query+passage pair, special tokens included. Default for cross-encoders: the tokenizer's
   * `model_max_length`, capped by the model's position embeddings (less RoBERTa's two unused positions) and
   * by 8,192: 512 for most, 1,024 for jina-reranker-v2, 8,192 for bge-reranker-v2-m3 and ModernBERT. Default
   * for exported LLM rerankers: the manifest's `max_length` (1,024 for the presets), up to the position
   * embeddings; the FlagEmbedding LLM layout adds its trailing prompt on top, as the model card does. Larger
   * values are refused. Where one pair of the default length would not fit in memory (WebAssembly's 4 GiB, the
   * WebGPU device's largest buffer), the default is lowered to the longest that fits and `info.memory` says
   * so; a `maxLength` passed here that does not fit is refused at load, naming the longest that does
   * (docs/long-context.md).
   */
  maxLength?: number;
  /**
   * Token budget of one batch (rows x padded length). Default 4096: pairs are sorted by length and grouped
   * so that no batch pads beyond it. Larger batches use more memory; smaller ones more calls. Long rows also
   * meet a memory limit: attention grows with rows x heads x length^2, so batches of long pairs hold fewer
   * rows than the budget allows where memory requires (`info.memory.rowsAtMaxLength`); a pair longer than
   * the budget runs alone.
   */
  batchTokenBudget?: number;
  /**
   * WebGPU only: run batches through onnxruntime's graph capture, one captured session per padded shape
   * (lengths 32, 64, 128, 256, 512, 1024, 2048, 4096 up to `maxLength`, each with as many rows as
   * `batchTokenBudget` and memory allow),
   * replayed once built (the 128-token shape during the load, the others in idle time after a batch first needs
   * them; until then such batches run on the dynamic session, and `lastTimings().graphCapture` lists what is
   * captured and pending): much faster for small batches, where the dynamic session's
   * per-kernel overhead dominates (figures: docs/benchmarks.md, GPU speed). Each captured shape holds its own copy
   * of the weights on the GPU. Default `'auto'`: on when the weights times the sessions stay under 1 GiB
   * (MiniLM-class cross-encoders in fp32), off for larger models, q8, WASM and `useBrowserCache: false` (each
   * captured shape is built from the model file, which would then be downloaded again); `info.graphCapture`
   * says which and why. `true` captures any WebGPU model that is not q8, keeping only the longest buckets
   * whose copies fit in WebAssembly memory; `false` never.
   */
  webgpuGraphCapture?: 'auto' | boolean;
  /**
   * WASM only: how many copies of the model score batches side by side, each in its own worker on one
   * WebAssembly thread. Batches are independent, so copies need no cross-origin isolation (unlike WASM
   * threads, which need SharedArrayBuffer) and do not wait on each other inside an operator, so they keep their
   * speed when another process holds a core, where threads in one session slow down (docs/design.md, WASM).
   * Every copy holds its own weights. Default `'auto'`: one copy per core, at most 4, while the copies'
   * weights stay under 256 MiB (MiniLM-class cross-encoders; one copy for bge-reranker-base and larger), and
   * one copy with `useBrowserCache: false` (each copy would download the model again). A number from 1 to 8
   * asks for that many. The reranker is ready once the first copy is; the others load in workers of their
   * own after it (from the browser cache) and take batches as soon as they are ready, a call in progress
   * included. `info.wasmSessions` says how many were started; a copy that fails to load is left out.
   */
  wasmSessions?: 'auto' | number;
  /** Called with download, session, warm-up and ready progress. Default: none. */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Cache model files in the browser's Cache Storage so a second load needs no network. Default `true`.
   * A file whose content fails to load (truncated, an HTML page, corrupt) is dropped from the cache; files
   * are never dropped for a network, memory or device error. `clearModelCache()` drops them on demand.
   */
  useBrowserCache?: boolean;
  /**
   * The Hub revision (branch, tag or commit) to load: files come from
   * `https://huggingface.co/{model}/resolve/{revision}/{file}`. With `modelBaseUrl` the files stay at
   * `${modelBaseUrl}/${model}/<file>`, but a revision other than `'main'` is cached apart, so files of two
   * revisions never mix. Pin a commit to get a model's update only when you choose to. Default `'main'`.
   */
  revision?: string;
  /**
   * Aborts the load: `createReranker` rejects with code `aborted` and the worker is ended (downloads stop).
   * Only the load; calls take their own `signal`. Default: none.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds the load may take, downloads included (and each reload after a worker crash): past it the
   * worker is ended and the load rejects with code `timeout`. Default: none (a slow network may take long).
   */
  timeoutMs?: number;
  /**
   * Largest model file, in bytes, that will be downloaded: a file whose `Content-Length` says more is not
   * read, and a download that streams past it without one is stopped; the load fails with
   * `model-load-failed` (`details.limit: 'maxModelBytes'`). Default 4 GiB (4,294,967,296).
   */
  maxModelBytes?: number;
  /**
   * How passages longer than the pair budget are scored. Default `false`: the passage is truncated, as the
   * Python reference does (results say `truncated: true`). `true` or an object: the passage is split into
   * overlapping token windows and scores as its best window (see `ChunkingOptions` for the defaults).
   * `rerank` and `score` can override it per call.
   */
  chunking?: boolean | ChunkingOptions;
  /** Caps on what one call may ask for; see `RerankerLimits` for the defaults. */
  limits?: RerankerLimits;
  /**
   * FlagEmbedding LLM rerankers (bge-reranker-v2-gemma, bge-reranker-v2-minicpm-layerwise): the prompt that
   * follows the passage. Default: the model's own (`info.scoring.prompt`, "Given a query A and a passage B,
   * determine whether the passage contains an answer to the query by providing a prediction of either 'Yes'
   * or 'No'."). Other models refuse it with `invalid-input`.
   */
  prompt?: string;
  /**
   * The task instruction of models whose export has an instruction slot. MiniCPM-Reranker: the query becomes
   * `Instruction: {instruction} Query: {query}` instead of `Query: {query}`; mxbai-rerank v2 likewise; Qwen3-Reranker:
   * `<Instruct>: {instruction}`. Default: none (Qwen3-Reranker: the card's default instruction). Other models
   * refuse it with `invalid-input`. A call's `instruction` option overrides it for that call.
   */
  instruction?: string;
  /**
   * A published causal-LM ONNX export with no `webgpu_reranker` manifest (`onnx-community/Qwen3-Reranker-0.6B-ONNX`
   * and the like: past key/value inputs, logits for every position): the model card whose prompt and score to
   * apply. `'qwen3-reranker'`: Qwen3-Reranker's prompt and P(yes) from the "yes" and "no" logits at the last
   * position, `instruction` as for the exported preset. The graph runs with an empty past, and rows per batch
   * are bounded so the [rows, length, vocabulary] logits fit in memory (docs/published-llm.md; the export
   * tool's trimmed graph is faster and lighter). A config that is no Qwen3 causal LM, or a graph without the
   * inputs and outputs needed, is refused at load. Default: unset (cross-encoders and exported rerankers).
   */
  preset?: PublishedPreset;
  /**
   * Layerwise rerankers (bge-reranker-v2-minicpm-layerwise): the layer whose score head is used; an earlier
   * layer runs fewer layers (faster, usually less accurate). One of the exported layers
   * (`info.scoring.cutoffLayers`). Default: the export's default (28 for the real model when exported).
   * Other models refuse it with `invalid-input`.
   */
  cutoffLayer?: number;
}
