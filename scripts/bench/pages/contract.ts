/** What both benchmark pages put on `window.bench`, as the orchestrator (run.ts) drives them. */

export interface PageLoadOptions {
  readonly model: string;
  /** Folder that holds `<model>/` in the Hub layout, relative to the page's origin. */
  readonly modelBaseUrl: string;
  readonly device: 'wasm' | 'webgpu';
  /** Unset: the contender's own default. */
  readonly dtype?: 'q8' | 'fp32';
  readonly batchTokenBudget?: number;
  /** Library only: `wasmSessions`; unset, its default. */
  readonly wasmSessions?: number;
  /** Library only: `webgpuGraphCapture`; unset, its default. */
  readonly webgpuGraphCapture?: boolean | 'auto';
}

export interface PageLoadResult {
  readonly ms: number;
  readonly dtype: string;
  readonly device: string;
  readonly threads: number;
  /** WASM sessions side by side (library: `info.wasmSessions`; naive: 1). */
  readonly sessions?: number;
}

export interface PageRerankResult {
  readonly ms: number;
  /** Score of each passage, in input order. */
  readonly scores: number[];
  /** Library: its own split of the call; naive: tokenizer and model call. */
  readonly tokenizeMs?: number;
  readonly inferenceMs?: number;
  readonly batches?: number;
  /** Naive: the one padded batch's shape. */
  readonly paddedShape?: number[];
}

export interface BenchPage {
  load(options: PageLoadOptions): Promise<PageLoadResult>;
  rerank(query: string, passages: readonly string[]): Promise<PageRerankResult>;
  dispose(): Promise<void>;
}

declare global {
  interface Window {
    bench?: BenchPage;
  }
}
