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

export interface ProbeReply {
  readonly ok: boolean;
  readonly ms: number;
  readonly batches?: number;
  readonly threads?: number;
  readonly error?: string;
}

export interface ProbePage {
  load(message: Omit<ProbeLoad, 'type'>): Promise<ProbeReply>;
  run(message: Omit<ProbeRun, 'type'>): Promise<ProbeReply>;
}

declare global {
  interface Window {
    probe?: ProbePage;
  }
}
