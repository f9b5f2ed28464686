/**
 * transformers.js's loading progress events as the library's `LoadProgress`. Typed by the fields it reads, so
 * only transformers-runtime.ts imports transformers.js.
 */
import type { Device, Dtype, LoadProgress } from '../shared/types.js';

/** A transformers.js progress event (its `ProgressInfo`), by the fields read here. */
export interface LoaderProgress {
  readonly status: string;
  readonly file?: string;
  readonly loaded?: number;
  readonly total?: number;
  readonly progress?: number;
}

/** Download progress as usual, plus the `session` stage once the .onnx file is in (the session builds next). */
export function sessionProgress(
  progress: (info: LoaderProgress) => void,
  onProgress: (progress: LoadProgress) => void,
  device: Device,
  dtype: Dtype,
): (info: LoaderProgress) => void {
  return (info) => {
    progress(info);
    if (info.status === 'done' && info.file?.endsWith('.onnx') === true) onProgress({ stage: 'session', device, dtype });
  };
}

/** Turns transformers.js's progress events into the library's `LoadProgress`. */
export function progressAdapter(onProgress: (progress: LoadProgress) => void): (info: LoaderProgress) => void {
  return (info) => {
    switch (info.status) {
      case 'progress':
        onProgress({ stage: 'download', file: info.file ?? '', loaded: info.loaded ?? 0, total: info.total ?? 0, progress: info.progress ?? 0 });
        break;
      case 'progress_total':
        onProgress({ stage: 'download-total', loaded: info.loaded ?? 0, total: info.total ?? 0, progress: info.progress ?? 0 });
        break;
      default:
        break;
    }
  };
}
