/** Messages between probe.ts (page) and probe.worker.ts. */

export interface ProbeLoad {
  readonly type: 'load';
  readonly modelBaseUrl: string;
  readonly model: string;
  readonly dtype: 'q8' | 'fp32';
  readonly threads: number;
  /** onnxruntime-web's .mjs/.wasm pair to use instead of the one beside its module (absolute URLs). */
  readonly wasmPaths?: { readonly mjs: string; readonly wasm: string };
  /** onnxruntime-web session options (graphOptimizationLevel, enableCpuMemArena, ...). */
  readonly sessionOptions?: Record<string, unknown>;
}

export interface ProbeRun {
  readonly type: 'run';
  readonly query: string;
  readonly passages: readonly string[];
  readonly maxRows: number;
  readonly tokenBudget: number;
}

/**
 * One pair run alone on a model loaded with `sessionOptions.enableProfiling`: for `warmupMs` (at least 3 runs),
 * then `runs` times. The warm-up must outlast V8's tier-up of the WASM code: in a fresh worker the first
 * seconds of runs execute baseline (Liftoff) code at half speed or less (seen here: 49 tokens, 68-122 ms
 * a run for the first 20, 21-25 ms once optimized).
 */
export interface ProbeProfile {
  readonly type: 'profile';
  readonly query: string;
  readonly passage: string;
  readonly warmupMs: number;
  readonly runs: number;
}

export interface ProbeReply {
  readonly ok: boolean;
  readonly ms: number;
  readonly batches?: number;
  readonly threads?: number;
  readonly error?: string;
  /** run: the score of each passage, in input order. */
  readonly scores?: number[];
  /** profile: onnxruntime's profiler output (Chrome trace events) and the pair's length in tokens. */
  readonly trace?: string;
  readonly tokens?: number;
}

export interface ProbePage {
  load(message: Omit<ProbeLoad, 'type'>): Promise<ProbeReply>;
  run(message: Omit<ProbeRun, 'type'>): Promise<ProbeReply>;
  profile(message: Omit<ProbeProfile, 'type'>): Promise<ProbeReply>;
}

declare global {
  interface Window {
    probe?: ProbePage;
  }
}
