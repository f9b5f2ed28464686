/** The shape of bench/results/latest.json: what each phase records (report.ts renders it as latest.md). */
import type { ContenderName, Dtype } from './config.js';
import type { MachineInfo } from './machine.js';
import type { OpProfile } from './op-profile.js';
import type { PassageKind, PassageText, WORD_RANGE } from './text.js';

export interface RunRecord {
  readonly ms: number;
  readonly pairsPerSecond: number;
  readonly tokenizeMs?: number;
  readonly inferenceMs?: number;
  readonly batches?: number;
  readonly paddedShape?: number[];
  readonly peakRssMb?: number;
  /** Set when the run did not finish: an error, or the time cap. */
  readonly failed?: string;
  readonly capped?: boolean;
}

export interface RatioSpread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: number;
}

export interface ContenderSummary {
  readonly runs: number;
  readonly medianMs: number;
  readonly pairsPerSecond: number;
  readonly failed?: string;
  readonly capped?: boolean;
}

export interface ThroughputCase {
  readonly dtype: Dtype;
  readonly count: number;
  readonly kind: PassageKind;
  /** Absent in results written before the docs text existed: generated. */
  readonly text?: PassageText;
  /** Library: threads per session, and sessions side by side; native runs sessions x threads threads. */
  readonly threads: { readonly library: number; readonly librarySessions: number; readonly naive: number; readonly native: number };
  readonly runs: Partial<Record<ContenderName, RunRecord[]>>;
  readonly summary: Partial<Record<ContenderName, ContenderSummary>>;
  /** library pairs/s over the other's: the median of the rounds' ratios (each round runs every contender once). */
  readonly ratios: { readonly vsNaive?: number; readonly vsNative?: number; readonly vsNativeOneRow?: number; readonly vsNativeBest?: number };
  /** The same ratios' median, smallest and largest over the rounds. */
  readonly ratioRanges?: Partial<Record<'vsNaive' | 'vsNative' | 'vsNativeOneRow' | 'vsNativeBest', RatioSpread>>;
  readonly loadAverageAfter: readonly number[];
}

export interface LoadRecord {
  readonly contender: 'library' | 'naive';
  readonly dtype: Dtype;
  readonly threads?: number;
  readonly coldLoadMs?: number;
  readonly firstRerankMs?: number;
  /** createReranker (or from_pretrained) called, to the first 100-passage (mixed) rerank resolved. */
  readonly timeToFirstResultMs?: number;
  /** A new page in the same browser context: files come from Cache Storage. */
  readonly warmLoadMs?: number;
  readonly baselineMb: number;
  readonly peakMb: number;
  readonly peakAboveIdleMb: number;
  readonly failed?: string;
  readonly errors: string[];
}

export interface LongTaskRecord {
  readonly passages: number;
  readonly kind: PassageKind;
  readonly threads: number;
  readonly sessions: number;
  /** From the key press that started the rerank to all results on the page. */
  readonly rerankMs: number;
  /** Long tasks (> 50 ms) from the start until the first results were on the page, and their durations. */
  readonly longTasksWhileReranking: number[];
  readonly maxLongTaskWhileRerankingMs: number;
  /** Long tasks from the first results on the page until all were (and 500 ms more). */
  readonly longTasksWhileRendering: number[];
  readonly maxLongTaskWhileRenderingMs: number;
  /** From the first results on the page to the last. */
  readonly renderMs: number;
  readonly keystrokes: number;
  readonly maxKeyToFrameMs: number;
  readonly medianKeyToFrameMs: number;
  readonly maxKeyPressRoundTripMs: number;
  readonly typedTextArrived: boolean;
  readonly loadLongTasksMs: number[];
  /** Load average (1, 5, 15 min) just before the rerank started and after the results were on the page. */
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
  readonly errors: string[];
}

export interface WebGpuRecord {
  readonly adapter: string;
  readonly loadMs?: number;
  readonly dtype?: string;
  readonly runs: { readonly count: number; readonly kind: PassageKind; readonly first: boolean; readonly ms: number; readonly pairsPerSecond: number }[];
  readonly failed?: string;
  readonly errors: string[];
}

export interface SweepRecord {
  readonly dtype: Dtype;
  readonly kind: PassageKind;
  readonly count: number;
  readonly byBudget: { readonly budget: number; readonly runsMs: number[]; readonly medianMs: number; readonly pairsPerSecond: number; readonly batches?: number }[];
}

export interface ThreadsRecord {
  readonly dtype: Dtype;
  readonly count: number;
  readonly kind: PassageKind;
  readonly byThreads: { readonly threads: number; readonly pairsPerSecondRuns: number[]; readonly medianPairsPerSecond: number; readonly bestPairsPerSecond: number }[];
}

/** One runtime setting of the library's inference path, against the library's own choice (interleaved). */
export interface SessionsRecord {
  readonly dtype: 'q8';
  readonly count: number;
  readonly kind: PassageKind;
  /** Whether a busy-looping process held one core during the row. */
  readonly busyCore: boolean;
  readonly bySessions: { readonly sessions: number; readonly pairsPerSecondRuns: number[]; readonly medianPairsPerSecond: number; readonly bestPairsPerSecond: number }[];
}

export interface OptionsRecord {
  readonly count: number;
  /** 'tiny': one-word passages (pairs of about 13 tokens), so the fixed cost of a run shows. */
  readonly kind: PassageKind | 'tiny';
  readonly byVariant: { readonly name: string; readonly pairsPerSecondRuns: number[]; readonly medianPairsPerSecond: number }[];
}

/** onnxruntime's profiler on one pair run alone, in the browser (WASM, the library's path) and native, 1 thread. */
export interface ProfileRecord {
  readonly kind: PassageKind | 'tiny';
  readonly tokens: number;
  readonly threads: 1;
  readonly wasm: OpProfile & { readonly ms: number };
  readonly native: OpProfile & { readonly ms: number };
}

/** createSearch over synthetic or man-page passages and synthetic 384-d vectors (phases/search.ts). */
export interface SearchBenchRecord {
  readonly passages: number;
  /** `synthetic` (the worst case: every word in about 11% of passages) or `man-pages` (the demo's, repeated). */
  readonly corpus: 'synthetic' | 'man-pages';
  /** `lexical.stopWords` was the library's `englishStopWords` (else none). */
  readonly stopWords: boolean;
  /** os.loadavg() (1, 5, 15 min) when the row started: the machine has 2 cores shared with others. */
  readonly loadAverageAtStart: readonly number[];
  readonly dimensions: number;
  /** createSearch with the synthetic embedder: hashing, embedding calls, lexical and dense indexing, storing. */
  readonly indexMs: number;
  readonly longTasksWhileIndexingMs: number[];
  readonly queries: number;
  /** lexical + dense + fusion, timed inside the search worker. */
  readonly firstStageMedianMs: number;
  readonly firstStageP95Ms: number;
  readonly lexicalMedianMs: number;
  readonly denseMedianMs: number;
  readonly fusionMedianMs: number;
  /** search() on the page, query embedding excluded: the worker round trip included. */
  readonly roundTripMedianMs: number;
  /** The same corpus indexed again after a page reload, from IndexedDB. */
  readonly reload?: {
    /** Median of `runsMs`. */
    readonly ms: number;
    /** Each reload (a fresh page each time), in order. */
    readonly runsMs: number[];
    readonly embedded: number;
    readonly reused: number;
    readonly lexicalFromStore: boolean;
    /** `info.lastIndexing.timings` of each reload: where the time went. */
    readonly timings: Record<string, number>[];
  };
  readonly errors: string[];
}

/** createEmbedder against the naive feature-extraction pipeline on one passage set (phases/embed-throughput.ts). */
export interface EmbedThroughputRecord {
  readonly model: string;
  readonly passages: number;
  readonly kind: PassageKind;
  readonly text: PassageText;
  /** Per-call times over the rounds (ms). */
  readonly libraryMs: Spread;
  readonly naiveMs: Spread;
  /** naive ms / library ms, per round. */
  readonly speedup: Spread;
  readonly libraryPassagesPerSecond: number;
  /** The smallest cosine between the two contenders' vectors of one text, over every round. */
  readonly minCosineLibraryVsNaive: number;
}

interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: number;
}

export interface Results {
  readonly machine: MachineInfo;
  readonly mode: 'quick' | 'full';
  readonly model: { readonly name: string; readonly files: Record<string, { bytes: number; sha256: string; matchesFixtureScript?: boolean }> };
  readonly passages: { readonly query: string; readonly docsQuery?: string; readonly docsText?: string; readonly wordRange: typeof WORD_RANGE; readonly tokens: Record<string, { min: number; median: number; max: number }> };
  throughput: ThroughputCase[];
  load: LoadRecord[];
  longTask?: LongTaskRecord;
  webgpu?: WebGpuRecord;
  sweep: SweepRecord[];
  threads: ThreadsRecord[];
  sessions?: SessionsRecord[];
  options: OptionsRecord[];
  profile?: ProfileRecord[];
  search?: SearchBenchRecord[];
  embedThroughput?: EmbedThroughputRecord[];
  checks: Record<string, number | string>;
  notes: string[];
  totalSeconds?: number;
  loadAverageAtEnd?: readonly number[];
}
