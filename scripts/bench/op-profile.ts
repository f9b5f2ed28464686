/**
 * Reads onnxruntime's profiler output (Chrome trace events, the same format from onnxruntime-web's WASM build,
 * which prints it to the console, and from onnxruntime-node, which writes a file) into time per operator
 * type for one run. Used by the bench's `profile` phase to show where a run's time goes in the browser
 * against native onnxruntime-node on the same model and token ids.
 */

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string };
}

/** Parses the trace; the WASM build's console output may lack the closing bracket or end in a comma. */
function parseTrace(text: string): TraceEvent[] {
  const start = text.indexOf('[');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error('no profiler events in the output');
  return JSON.parse(`${text.slice(start, end + 1)}]`) as TraceEvent[];
}

export interface OpProfile {
  /** Runs measured (the last ones of the trace; earlier ones were warm-up). */
  readonly runs: number;
  /** Wall time of a run as the profiler saw it (`model_run`), microseconds, mean. */
  readonly runUs: number;
  /** Kernel time per operator type, microseconds per run, largest first. */
  readonly byOp: readonly { readonly op: string; readonly us: number }[];
}

/** Time per operator type over the last `runs` runs of the trace (node events inside those `model_run` spans). */
export function opProfile(text: string, runs: number): OpProfile {
  const events = parseTrace(text);
  const spans = events.filter((event) => event.cat === 'Session' && event.name === 'model_run').slice(-runs);
  if (spans.length < runs) throw new Error(`the trace holds ${spans.length} runs, not ${runs}`);
  const inSpan = (ts: number): boolean => spans.some((span) => ts >= (span.ts ?? 0) && ts <= (span.ts ?? 0) + (span.dur ?? 0));
  const totals = new Map<string, number>();
  for (const event of events) {
    const op = event.args?.op_name;
    if (event.cat !== 'Node' || op === undefined || !event.name?.endsWith('_kernel_time')) continue;
    if (!inSpan(event.ts ?? Number.NaN)) continue;
    totals.set(op, (totals.get(op) ?? 0) + (event.dur ?? 0));
  }
  return {
    runs,
    runUs: spans.reduce((sum, span) => sum + (span.dur ?? 0), 0) / runs,
    byOp: [...totals.entries()].map(([op, us]) => ({ op, us: us / runs })).sort((a, b) => b.us - a.us),
  };
}

/** The int8 matrix products of a dynamically quantized graph after onnxruntime's fusions. */
export const INT8_MATMUL_OPS: ReadonlySet<string> = new Set(['DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'MatMulInteger', 'QGemm']);
