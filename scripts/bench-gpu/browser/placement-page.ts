/**
 * The page of placement-probe.mjs: builds onnxruntime-web WebGPU sessions of one ONNX file and reports where
 * onnxruntime placed its nodes. The driver reads the placement from the session log, which the wasm build
 * prints through console.error at log level 0; this page only builds the sessions.
 */
import * as ort from 'onnxruntime-web/webgpu';

export interface PlacementProbe {
  /** The symbolic names of `input_ids`' two axes (batch, sequence), or undefined when they are fixed. */
  axes(url: string): Promise<readonly [string, string] | undefined>;
  /** Builds a session with both axes fixed (as graph capture builds them), logging at `level`; rejects as onnxruntime does. */
  build(url: string, axes: readonly [string, string], capture: boolean, level: 0 | 1 | 2 | 3 | 4): Promise<void>;
}

declare global {
  interface Window {
    placementProbe?: PlacementProbe;
  }
}

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = new URL('./ort/', location.href).href;

window.placementProbe = {
  async axes(url) {
    const session = await ort.InferenceSession.create(url, { executionProviders: ['webgpu'], logSeverityLevel: 4 });
    const meta = session.inputMetadata.find((input) => input.name === 'input_ids');
    await session.release();
    const [rows, length] = meta !== undefined && meta.isTensor ? meta.shape : [];
    return typeof rows === 'string' && typeof length === 'string' ? [rows, length] : undefined;
  },
  async build(url, axes, capture, level) {
    const session = await ort.InferenceSession.create(url, {
      executionProviders: [{ name: 'webgpu' }],
      logSeverityLevel: level,
      preferredOutputLocation: 'gpu-buffer',
      freeDimensionOverrides: { [axes[0]]: 2, [axes[1]]: 32 },
      ...(capture ? { enableGraphCapture: true } : {}),
    });
    await session.release();
  },
};
