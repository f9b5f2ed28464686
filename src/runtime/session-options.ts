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
 * The dynamic WebGPU session logs at severity 0 (verbose) while it builds, so that onnxruntime names where it
 * placed each node (placement-log.ts; ort-log-tap.ts keeps those lines off the console). Only the build logs
 * them: onnxruntime-web gives each run its own log level (warnings, unless run options say otherwise).
 */
export const PLACEMENT_LOG_OPTIONS = { logSeverityLevel: 0 as const };
