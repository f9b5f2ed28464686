/**
 * Where onnxruntime placed a WebGPU session's nodes, read from the session's own log at severity 0 (verbose),
 * which onnxruntime-web's wasm build prints line by line (see ort-log-tap.ts). Pure, so the parsing is
 * unit-tested on captured lines. The lines read:
 *   `... VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 42`
 *   `... VerifyEachNodeIsAssignedToAnEp]   Gather (/m/bert/Gather_1)`             (one per node, after it)
 *   `... AddCopyNode] Add MemcpyToHost before /m/roberta/embeddings/Cast_1_output_0 for WebGpuExecutionProvider`
 * Every dynamic WebGPU session keeps shape arithmetic (Shape, Gather, Unsqueeze, Concat on int64) on the CPU on
 * purpose, fed by copies from the host; that costs nothing. What costs is a value the GPU computed that a
 * CPU node needs: onnxruntime inserts a MemcpyToHost for it, and every run waits for the GPU there.
 */
import type { CpuNodesInfo } from '../shared/types.js';

export interface Placement {
  /** Nodes per execution provider (`WebGpuExecutionProvider`, `CPUExecutionProvider`), op type -> count. */
  readonly nodes: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Values computed on the GPU and copied to the CPU mid-graph (MemcpyToHost), by name. */
  readonly copiedToCpu: readonly string[];
}

const SECTION = /Node\(s\) placed on \[(\w+)\]/;
const NODE = /VerifyEachNodeIsAssignedToAnEp\]\s+([A-Za-z][\w.]*) \(.*\)\s*$/;
const TO_HOST = /AddCopyNode\] Add MemcpyToHost before (\S+)/;
// Coloured warnings (`\u001b[0;93m`) and the like.
const ANSI = /\u001b\[[0-9;]*m/g;

/** Reads a placement from the log lines of one session build; undefined when the log names no placement. */
export function parsePlacement(lines: readonly string[]): Placement | undefined {
  const nodes = new Map<string, Map<string, number>>();
  const copiedToCpu: string[] = [];
  let provider: Map<string, number> | undefined;
  for (const raw of lines) {
    const line = raw.replace(ANSI, '');
    const section = SECTION.exec(line);
    if (section !== null) {
      const name = section[1] as string;
      provider = nodes.get(name) ?? new Map<string, number>();
      nodes.set(name, provider);
      continue;
    }
    const node = provider === undefined ? null : NODE.exec(line);
    if (node !== null && provider !== undefined) {
      const op = node[1] as string;
      provider.set(op, (provider.get(op) ?? 0) + 1);
      continue;
    }
    provider = undefined;
    const copy = TO_HOST.exec(line);
    if (copy !== null) copiedToCpu.push(copy[1] as string);
  }
  return nodes.size === 0 ? undefined : { nodes, copiedToCpu };
}

/** What `info.cpuNodes` says about a placement: undefined unless the GPU has to hand values to the CPU mid-run. */
export function cpuNodesInfo(placement: Placement | undefined): CpuNodesInfo | undefined {
  if (placement === undefined || placement.copiedToCpu.length === 0) return undefined;
  const cpu = placement.nodes.get('CPUExecutionProvider') ?? new Map<string, number>();
  const opTypes = Object.fromEntries([...cpu].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  const count = [...cpu.values()].reduce((sum, n) => sum + n, 0);
  const copies = placement.copiedToCpu.length;
  return {
    count,
    opTypes,
    gpuToCpuCopies: copies,
    cost:
      `onnxruntime runs ${count} nodes of this graph on the CPU, and ${copies} value${copies === 1 ? '' : 's'} the GPU ` +
      `computes must be copied to the CPU mid-graph: every run waits for the GPU there, and graph capture is ` +
      'refused. The same architecture exported with every node on the GPU ran about 10x faster on an NVIDIA H200 ' +
      '(docs/benchmarks.md).',
    advice:
      (cpu.has('MatMulInteger') || cpu.has('DynamicQuantizeLinear')
        ? 'q8 graphs quantize activations with ops that have no WebGPU kernel: load fp32, fp16 or q4f16 on WebGPU. '
        : '') +
      'Re-export the checkpoint with `scripts/export/export_reranker.py --preset cross-encoder` (docs/export.md), ' +
      'which writes graphs with every node on the GPU.',
  };
}
