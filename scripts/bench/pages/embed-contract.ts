/** What both embedding bench pages (embed-library.ts, embed-naive.ts) offer phases/embed-throughput.ts; no library imports. */

export interface EmbedLoadOptions {
  readonly model: string;
  /** Folder that holds `<model>/` in the Hub layout, relative to the page's origin. */
  readonly modelBaseUrl: string;
}

export interface EmbedRun {
  readonly ms: number;
  /** The vectors, in input order (plain arrays, to cross to Node). */
  readonly vectors: number[][];
}

export interface EmbedBenchPage {
  load(options: EmbedLoadOptions): Promise<{ readonly ms: number; readonly detail: string }>;
  embed(texts: readonly string[]): Promise<EmbedRun>;
  dispose(): Promise<void>;
}

declare global {
  interface Window {
    embedBench?: EmbedBenchPage;
  }
}
