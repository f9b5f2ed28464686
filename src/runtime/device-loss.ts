/**
 * Noticing that the WebGPU device was lost (driver reset, GPU process crash, the device destroyed): after
 * that, every run of the session fails ("The Device was lost before mapping was resolved") and no WebGPU
 * session in this worker can be trusted again. onnxruntime-web owns the device; it hands it out through
 * `env.webgpu.device` (a promise) once its WebGPU backend is up.
 */

export interface DeviceLossWatch {
  /** The browser's reason once the device is lost (`GPUDeviceLostInfo.message`), else `undefined`. */
  readonly reason: string | undefined;
}

/** `webgpuEnv` is onnxruntime-web's `env.webgpu`; read after a WebGPU session was created. */
export function watchDeviceLoss(webgpuEnv: { readonly device?: Promise<GPUDevice> | GPUDevice } | undefined): DeviceLossWatch {
  const watch: { reason: string | undefined } = { reason: undefined };
  Promise.resolve(webgpuEnv?.device)
    .then((device) => device?.lost)
    .then((info) => {
      if (info !== undefined) watch.reason = info.message || `reason: ${info.reason ?? 'unknown'}`;
    })
    .catch(() => undefined);
  return watch;
}

/** A run failure caused by a lost device: the watch saw it, or the error says so (it can beat the watch). */
export function isDeviceLoss(watch: DeviceLossWatch, errorText: string): boolean {
  return watch.reason !== undefined || /device (was |is )?lost|DeviceLost/i.test(errorText);
}
