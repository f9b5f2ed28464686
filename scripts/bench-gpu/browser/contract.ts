/** What the browser GPU bench's page (page.ts) puts on `window.gpuBench`, as drive.ts calls it. */
import type { GraphCaptureInfo, GraphCaptureState } from '../../../src/index.js';

/** Page console lines that the drive log shows (load progress); other info lines are not forwarded. */
export const PROGRESS_PREFIX = '[load] ';

export interface BrowserLoadOptions {
  readonly model: string;
  /** URL of the folder that holds `<model>/` in the Hub layout. */
  readonly modelBaseUrl: string;
  readonly capture: 'auto' | boolean;
  readonly batchTokenBudget?: number;
  readonly maxLength?: number;
  /** Default 'webgpu'. */
  readonly device?: 'webgpu' | 'wasm';
  /** Default 'fp32'. */
  readonly dtype?: string;
}

export interface BrowserAdapter {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly features: string[];
}

export interface BrowserLoadResult {
  /** createReranker, from the call to the resolved reranker (download, session, warm-up). */
  readonly ms: number;
  readonly device: string;
  readonly dtype: string;
  readonly maxLength: number;
  readonly graphCapture: GraphCaptureInfo;
  readonly fallbackReason?: string;
}

export interface BrowserRerankResult {
  /** The whole call as the page sees it (worker round trip included). */
  readonly ms: number;
  /** Scores in input order. */
  readonly scores: number[];
  readonly tokenizeMs: number;
  readonly inferenceMs: number;
  readonly batches: number;
  /** Graph capture after the call (`lastTimings().graphCapture`); unset when capture is off. */
  readonly graphCapture?: GraphCaptureState;
}

export interface BrowserBench {
  adapter(): Promise<BrowserAdapter | undefined>;
  load(options: BrowserLoadOptions): Promise<BrowserLoadResult>;
  rerank(query: string, passages: readonly string[]): Promise<BrowserRerankResult>;
  /** Waits until no captured session is pending (built in idle time after first use); resolves with the ms waited. */
  captureSettled(): Promise<number>;
  dispose(): Promise<void>;
}

declare global {
  interface Window {
    gpuBench?: BrowserBench;
  }
}
