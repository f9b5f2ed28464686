/**
 * Turns the library's `LoadProgress` events into a status line and a progress-bar value.
 * Pure bookkeeping; `main.ts` paints the result at most once per animation frame.
 */
import type { LoadProgress } from '../index.js';

export interface ProgressView {
  readonly status: string;
  /** 0..100, or `undefined` for an indeterminate bar (size unknown, or a stage without bytes). */
  readonly value: number | undefined;
}

export class ProgressTracker {
  #file: string | undefined;
  #fileText = '';
  /** Overall percentage once a `download-total` event has arrived; it then drives the bar. */
  #total: number | undefined;
  #view: ProgressView = { status: 'Loading the model', value: undefined };

  get view(): ProgressView {
    return this.#view;
  }

  update(event: LoadProgress): ProgressView {
    switch (event.stage) {
      case 'download': {
        this.#file = event.file;
        this.#fileText =
          event.total > 0 ? `${Math.floor(clampPercent(event.progress))}%` : formatBytes(event.loaded);
        const value = this.#total ?? (event.total > 0 ? clampPercent(event.progress) : undefined);
        this.#view = { status: this.#downloadStatus(), value };
        break;
      }
      case 'download-total': {
        this.#total = event.total > 0 ? clampPercent(event.progress) : undefined;
        this.#view = { status: this.#downloadStatus(), value: this.#total };
        break;
      }
      case 'session':
        this.#view = {
          status: `Building the ${event.device === 'webgpu' ? 'WebGPU' : 'WASM'} session (${event.dtype})`,
          value: 100,
        };
        break;
      case 'warmup':
        this.#view = { status: 'Warming up', value: 100 };
        break;
      case 'ready':
        this.#view = { status: 'Ready', value: 100 };
        break;
    }
    return this.#view;
  }

  #downloadStatus(): string {
    const file = this.#file === undefined ? 'model files' : `${this.#file} ${this.#fileText}`;
    const overall = this.#total === undefined ? '' : ` (all files ${Math.floor(this.#total)}%)`;
    return `Downloading ${file}${overall}`;
  }
}

function clampPercent(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, value));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
