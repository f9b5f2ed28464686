/**
 * The device fallback of a load, apart from the libraries: build on the chosen device; under device 'auto', a
 * WebGPU session that fails to build is built again on WASM (q8 unless a dtype was asked for), and the reason
 * is kept for `info.fallbackReason`. A download that failed (`model-not-found`) is final.
 */
import { describeCause } from '../shared/errors.js';
import type { Device, DeviceRequest, Dtype, DtypeRequest } from '../shared/types.js';
import { isSessionFailure } from './session-facts.js';

export interface BuiltOn<T> {
  readonly model: T;
  readonly device: Device;
  readonly dtype: Dtype;
  readonly fallbackReason: string | undefined;
}

export async function buildWithFallback<T>(
  request: { readonly device?: DeviceRequest | undefined; readonly dtype?: DtypeRequest | undefined },
  choice: { readonly device: Device; readonly dtype: Dtype; readonly fallbackReason?: string | undefined },
  dtypeFor: (wanted: Dtype) => Dtype,
  build: (device: Device, dtype: Dtype) => Promise<T>,
): Promise<BuiltOn<T>> {
  const dtype = dtypeFor(choice.dtype);
  try {
    return { model: await build(choice.device, dtype), device: choice.device, dtype, fallbackReason: choice.fallbackReason };
  } catch (error) {
    if (choice.device !== 'webgpu' || (request.device ?? 'auto') !== 'auto' || !isSessionFailure(error)) throw error;
    // 'auto' promised WebGPU only if the session builds; it did not, so say why and use WASM.
    const fallbackReason = `The WebGPU session failed to build (${describeCause(error)}); running on WASM instead.`;
    const wasmDtype = dtypeFor(request.dtype === undefined || request.dtype === 'auto' ? 'q8' : request.dtype);
    return { model: await build('wasm', wasmDtype), device: 'wasm', dtype: wasmDtype, fallbackReason };
  }
}
