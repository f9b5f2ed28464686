/**
 * The onnxruntime session options the runtime builds with beyond transformers.js's defaults, as plain objects
 * (transformers-runtime.ts passes them on): the graph-capture sessions' and the placement log's.
 */

/** A captured session: both axes fixed to one shape, outputs left on the GPU. */
export function captureSessionOptions(dims: readonly [string, string], rows: number, length: number) {
  return {
    // enableGraphCapture reaches the WebGPU EP only when the provider is given as an object.
    executionProviders: [{ name: 'webgpu' as const }],
    enableGraphCapture: true,
    // Fixed axes let onnxruntime fold the shape arithmetic it would otherwise run on the CPU (capture
    // needs every node on the GPU) and fuse more (Gemm, SkipLayerNorm).
    freeDimensionOverrides: { [dims[0]]: rows, [dims[1]]: length },
    preferredOutputLocation: 'gpu-buffer' as const,
    // A graph onnxruntime cannot capture fails to build with an error it also logs; the failure is
    // reported in info.graphCapture instead, and the batches run on the dynamic session.
    logSeverityLevel: 4 as const,
  };
}

/**
 * A build that logs at severity 0 (verbose), so that onnxruntime names where it placed each node
 * (placement-log.ts; ort-log-tap.ts keeps those lines off the console). Not the session that runs: the WebGPU
 * EP logs every shader dispatch of every run at the session's level ("Starting program ..."), and a run's
 * own `logSeverityLevel` does not quiet it (seen with onnxruntime-web 1.31.0-dev). So transformers-runtime.ts
 * builds the graph a second time with this, reads the log and releases it.
 */
export const PLACEMENT_LOG_OPTIONS = { logSeverityLevel: 0 as const };
