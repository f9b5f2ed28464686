/** webgpu-reranker: rerank passages for a query in the browser, in a Web Worker, on WebGPU or WASM. */
export { createReranker } from './client/create-reranker.js';
export { createEmbedder } from './client/create-embedder.js';
export { clearModelCache, type ClearModelCacheOptions } from './client/clear-model-cache.js';
export { normalizeScore } from './engine/heads/score-head.js';
export { RerankerError, isRerankerError, RERANKER_ERROR_CODES, type RerankerErrorCode } from './shared/errors.js';
export type {
  DocumentText,
  RerankObjectOptions,
  CallTimings,
  Device,
  DeviceRequest,
  Dtype,
  DtypeRequest,
  LoadProgress,
  Reranker,
  RerankerInfo,
  RerankOptions,
  RerankResult,
  ScoreOptions,
  EncodeOptions,
  EncodedRow,
  ChunkingOptions,
  ChunkingSettings,
  ChunkSpan,
  RerankerLimits,
  ResolvedLimits,
  HeadKind,
  PromptStyle,
  ScoringInfo,
  GraphCaptureInfo,
  GraphCaptureState,
  CpuNodesInfo,
  MemoryInfo,
} from './shared/types.js';
export type { ModelFilesInput } from './shared/model-files.js';
export type { PublishedPreset, RerankerOptions } from './shared/reranker-options.js';
export type { Embedder, EmbedderInfo, EmbedderOptions, EmbedderPooling, EmbedOptions, EmbeddingKind, EmbeddingPooling } from './shared/embedder-types.js';
export { createSearch } from './client/create-search.js';
export { englishStopWords } from './shared/english-stop-words.js';
export type {
  IndexingTimings,
  LexicalOptions,
  PersistOptions,
  Search,
  SearchCallOptions,
  SearchDocument,
  SearchEmbedder,
  SearchInfo,
  SearchOptions,
  SearchProgress,
  SearchResponse,
  SearchResult,
  SearchTimings,
  StageHit,
} from './shared/search-types.js';
