/**
 * The WebGPU runner's one line of GPU work (webgpu-runner.ts): batches on the dynamic session, batches on
 * captured sessions, and the building of captured sessions with their warm-up runs all go through it, one
 * at a time, in the order they were queued. onnxruntime-web records a captured graph from whatever the
 * device runs meanwhile, so a capture must never interleave with another run.
 */
export class GpuWorkQueue {
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #onDrained: () => void;

  /** `onDrained` is called each time the last queued work settles and nothing else is queued. */
  constructor(onDrained: () => void) {
    this.#onDrained = onDrained;
  }

  /** Work running or waiting its turn. */
  get queued(): number {
    return this.#queued;
  }

  /** Runs `work` once everything queued before it has settled; its outcome is the returned promise's. */
  run<T>(work: () => Promise<T>): Promise<T> {
    this.#queued += 1;
    const result = this.#tail.then(work);
    this.#tail = result.then(
      () => this.#settle(),
      () => this.#settle(),
    );
    return result;
  }

  /** Resolves once everything queued so far has settled. */
  drained(): Promise<void> {
    return this.#tail;
  }

  #settle(): void {
    this.#queued -= 1;
    if (this.#queued === 0) this.#onDrained();
  }
}
