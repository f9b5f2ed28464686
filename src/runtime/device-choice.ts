/**
 * Decides device and dtype from what was asked and what the adapter offers. Pure, so the rules are
 * unit-tested without a browser.
 */
import { RerankerError, describeCause } from '../shared/errors.js';
import type { Device, DeviceRequest, Dtype, DtypeRequest } from '../shared/types.js';

export type WebGpuProbe = { available: true; shaderF16: boolean } | { available: false; reason: string };

export interface DeviceChoice {
  device: Device;
  dtype: Dtype;
  fallbackReason?: string;
}

const NEEDS_F16: readonly Dtype[] = ['fp16', 'q4f16'];

export function chooseDevice(device: DeviceRequest, dtype: DtypeRequest, webgpu: WebGpuProbe): DeviceChoice {
  if (device === 'wasm') return { device: 'wasm', dtype: dtype === 'auto' ? 'q8' : dtype };

  if (!webgpu.available) {
    if (device === 'webgpu') {
      throw new RerankerError(
        'webgpu-unavailable',
        `device: 'webgpu' was requested but ${webgpu.reason}. Use device: 'auto' to fall back to WASM, or a ` +
          'browser with WebGPU enabled (Chrome/Edge 113+, a secure context such as https or localhost).',
      );
    }
    return {
      device: 'wasm',
      dtype: dtype === 'auto' ? 'q8' : dtype,
      fallbackReason: `WebGPU unavailable: ${webgpu.reason}; running on WASM.`,
    };
  }

  if (dtype !== 'auto' && NEEDS_F16.includes(dtype) && !webgpu.shaderF16) {
    if (device === 'webgpu') {
      throw new RerankerError(
        'webgpu-unavailable',
        `dtype '${dtype}' needs the WebGPU adapter feature 'shader-f16', which this adapter lacks. ` +
          "Use dtype: 'fp32' on WebGPU, or device: 'auto'.",
      );
    }
    return {
      device: 'wasm',
      dtype,
      fallbackReason: `The WebGPU adapter lacks 'shader-f16', which dtype '${dtype}' needs; running on WASM.`,
    };
  }

  if (dtype === 'q8' && device === 'auto') {
    // WebGPU has no kernels for dynamic int8 (MatMulInteger, DynamicQuantizeLinear): a q8 graph would run
    // on the CPU inside a WebGPU session, slower than plain WASM.
    return {
      device: 'wasm',
      dtype,
      fallbackReason: "dtype 'q8' runs on the CPU even inside a WebGPU session, so WASM was chosen; use dtype 'fp32' for WebGPU.",
    };
  }

  return { device: 'webgpu', dtype: dtype === 'auto' ? 'fp32' : dtype };
}

/** What the browser offers for WebGPU: an adapter, and whether it has `shader-f16`. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (gpu === undefined) return { available: false, reason: 'this browser exposes no navigator.gpu (WebGPU is off or unsupported)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null) return { available: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
    return { available: true, shaderF16: adapter.features.has('shader-f16') };
  } catch (error) {
    return { available: false, reason: `requesting a WebGPU adapter failed: ${describeCause(error)}` };
  }
}
