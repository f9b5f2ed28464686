/**
 * Runs padded batches on onnxruntime-web's WebGPU execution provider with graph capture: one session per
 * padded (rows x length) shape, its inputs and output in GPU buffers of its own (IO binding), whose recorded
 * GPU commands are replayed on every later batch of that shape. onnxruntime's per-kernel CPU work (shape
 * inference, uniforms, bind groups, for every dispatch) is then paid once per shape, not per batch; fixing the
 * shape also lets onnxruntime fuse more (Gemm, SkipLayerNorm). Figures: docs/benchmarks.md, GPU speed.
 *
 * It knows nothing of onnxruntime's module: the runtime (transformers-runtime.ts, the only module that
 * touches onnxruntime-web) hands it a `CaptureBackend` that builds sessions and wraps GPU buffers as tensors.
 * Padding a batch to a larger shape adds rows and positions whose attention mask is 0: the real rows'
 * outputs stay those of the unpadded batch up to float rounding (checked against PyTorch by the fidelity
 * e2e tests and against onnxruntime on the CPU by the GPU benchmark).
 *
 * Cost: every captured session keeps its own copy of the weights on the GPU and in WebAssembly memory, and
 * capturing a shape builds a session (0.3-0.7 s for MiniLM-L6 on a GPU, more for larger models); the runtime
 * decides whether a model is small enough for this (`webgpuGraphCapture`). No call waits for those builds: a
 * batch whose shape has no captured session yet runs on the dynamic session at once, and the shape is built
 * later, in idle time (no GPU work running or queued for IDLE_QUIET_MS), one at a time, most used first. Only
 * the `preload` shape is built at creation, so the load finds out whether the graph can be captured at all.
 * Every GPU operation (dynamic runs, captured runs, builds and their warm-up runs) goes through one queue
 * (gpu-work-queue.ts): a call that arrives during a build waits for that one build only.
 */
import type { BatchTensors } from '../engine/batching.js';
import { buildSlot, releaseSlot, runSlot, stageBatch, type CaptureBackend, type CaptureShape, type ShapeSlot } from './captured-slot.js';
import { GpuWorkQueue } from './gpu-work-queue.js';

export type { CaptureBackend, CaptureSession, CaptureShape } from './captured-slot.js';

export interface WebGpuRunnerOptions {
  readonly backend: CaptureBackend;
  readonly padTokenId: number;
  /** The graph's inputs, from `input_ids`, `attention_mask`, `token_type_ids`. */
  readonly inputNames: readonly string[];
  /** The output to read, and its width per row (1 for a cross-encoder's logit). */
  readonly outputName: string;
  readonly outputWidth: number;
  /** The shapes to capture: at most one per length, ascending. A batch is padded to the first that holds it. */
  readonly shapes: readonly CaptureShape[];
  /** Runs a batch that fits no captured shape, or whose shape is not captured (yet, or at all). */
  readonly runDynamic: (batch: BatchTensors) => Promise<Float32Array>;
  /**
   * A shape (one of `shapes`) built at once rather than in idle time, so that work queued after it (the
   * load's warm-up) waits for it and a graph that cannot be captured is known by then. Default: none.
   */
  readonly preload?: CaptureShape | undefined;
  /** Milliseconds without GPU work before an idle build starts. Default `IDLE_QUIET_MS`. */
  readonly idleQuietMs?: number;
}

/**
 * How long the GPU work queue must stay empty before a captured session is built in idle time: meant to be
 * longer than the gaps between one call's batches (the engine tokenizes in slices of 10 ms between them) and
 * short beside the pause between a user's calls. A longer gap mid-call lets a build start; the call's next
 * batch then waits for that one build.
 */
export const IDLE_QUIET_MS = 50;

export interface WebGpuRunnerStats {
  /** Captured sessions built so far. */
  readonly sessions: number;
  readonly sessionCreateMs: number;
  /** Padded tokens run / real tokens asked for, over the captured batches so far. */
  readonly paddedTokens: number;
  readonly requestedTokens: number;
  readonly capturedBatches: number;
  readonly dynamicBatches: number;
  /** Shapes that could not be captured, with why (their batches run on the dynamic session). */
  readonly failedShapes: readonly string[];
  /** Shapes with a captured session (`rows x length`), in the order they were built. */
  readonly capturedShapes: readonly string[];
  /** Shapes batches needed whose session is being built or waits for idle time, most used first. */
  readonly pendingShapes: readonly string[];
}

export interface WebGpuRunner {
  run(batch: BatchTensors): Promise<Float32Array>;
  /**
   * Set once capture proved impossible for this model (its first shape failed to build, e.g. because
   * onnxruntime placed some nodes on the CPU): every batch then runs on the dynamic session.
   */
  readonly disabledReason: string | undefined;
  /** The captured shape a batch of this size is padded to, or undefined when it runs on the dynamic session. */
  shapeFor(rows: number, length: number): CaptureShape | undefined;
  stats(): WebGpuRunnerStats;
  /**
   * Resolves, with the stats, once no shape waits for its captured session (every shape batches needed so far
   * is captured or failed), or the runner is disabled or disposed. For tests and benchmarks: it does not start
   * builds, idle time does.
   */
  settled(): Promise<WebGpuRunnerStats>;
  /** Waits for the build in progress (a session created after this is released at once), then frees everything. */
  dispose(): Promise<void>;
}

export function createWebGpuRunner(options: WebGpuRunnerOptions): WebGpuRunner {
  const { backend, outputWidth } = options;
  const shapes = [...options.shapes].sort((a, b) => a.length - b.length);
  const quietMs = options.idleQuietMs ?? IDLE_QUIET_MS;
  const graph = { backend, padTokenId: options.padTokenId, inputNames: options.inputNames, outputName: options.outputName, outputWidth };
  let sessionCreateMs = 0;
  let sessions = 0;
  let paddedTokens = 0;
  let requestedTokens = 0;
  let capturedBatches = 0;
  let dynamicBatches = 0;
  const failed = new Map<string, string>();
  const slots = new Map<string, ShapeSlot>();
  /** Batches that needed each shape before it was captured; a key here waits for (or is in) a build. */
  const wanted = new Map<string, { shape: CaptureShape; uses: number }>();
  let disposed = false;
  let disabledReason: string | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let waiters: (() => void)[] = [];

  const wake = (): void => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  const waiting = (): boolean => !disposed && disabledReason === undefined && wanted.size > 0;

  const shapeFor = (rows: number, length: number): CaptureShape | undefined => {
    if (disabledReason !== undefined) return undefined;
    const shape = shapes.find((candidate) => candidate.length >= length && candidate.rows >= rows);
    return shape === undefined || failed.has(keyOf(shape)) ? undefined : shape;
  };

  /** Queues the build of a shape; the queue runs it when the work queued before it has settled. */
  const build = (shape: CaptureShape): Promise<void> => {
    const key = keyOf(shape);
    return queue.run(async () => {
      if (disposed || slots.has(key) || failed.has(key)) {
        wanted.delete(key);
        return;
      }
      try {
        const slot = await buildSlot(graph, shape, (ms, delta) => ((sessionCreateMs += ms), (sessions += delta)), () => disposed);
        if (disposed) {
          await releaseSlot(slot);
          sessions -= 1;
        } else slots.set(key, slot);
      } catch (error) {
        if (!disposed) {
          const reason = error instanceof Error ? error.message : String(error);
          failed.set(key, reason);
          // What stops the first shape (nodes onnxruntime keeps on the CPU, no registration to pin) stops them all.
          if (slots.size === 0) disabledReason = reason;
        }
      } finally {
        wanted.delete(key);
        wake();
      }
    });
  };

  /** The most used shape that waits for a build, built now if the queue is still empty. */
  const buildInIdleTime = (): void => {
    idleTimer = undefined;
    if (!waiting() || queue.queued > 0) return;
    const [next] = [...wanted.values()].sort((a, b) => b.uses - a.uses);
    if (next !== undefined) void build(next.shape);
  };

  // Each time the queue empties, the next idle build waits for a quiet spell of its own.
  const queue = new GpuWorkQueue(() => {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = waiting() ? setTimeout(buildInIdleTime, quietMs) : undefined;
  });

  if (options.preload !== undefined) {
    wanted.set(keyOf(options.preload), { shape: options.preload, uses: 0 });
    void build(options.preload);
  }

  /** Runs a batch on its shape's captured session if it exists when the batch's turn comes, else dynamically. */
  const runBatch = async (batch: BatchTensors, shape: CaptureShape | undefined): Promise<Float32Array> => {
    const slot = shape === undefined || disabledReason !== undefined ? undefined : slots.get(keyOf(shape));
    if (slot === undefined) {
      dynamicBatches += 1;
      return options.runDynamic(batch);
    }
    capturedBatches += 1;
    requestedTokens += batch.batchSize * batch.length;
    paddedTokens += slot.shape.rows * slot.shape.length;
    stageBatch(slot, options.padTokenId, batch);
    const values = await runSlot(slot, backend.device, outputWidth);
    return values.subarray(0, batch.batchSize * outputWidth);
  };

  const stats = (): WebGpuRunnerStats => ({
    sessions,
    sessionCreateMs,
    paddedTokens,
    requestedTokens,
    capturedBatches,
    dynamicBatches,
    failedShapes: [...failed].map(([key, reason]) => `${key}: ${reason}`),
    capturedShapes: [...slots.keys()],
    pendingShapes: disabledReason === undefined && !disposed ? [...wanted].sort((a, b) => b[1].uses - a[1].uses).map(([key]) => key) : [],
  });

  return {
    shapeFor,
    get disabledReason() {
      return disabledReason;
    },
    run(batch) {
      if (disposed) return Promise.reject(new Error('the WebGPU runner was disposed'));
      const shape = shapeFor(batch.batchSize, batch.length);
      if (shape !== undefined && !slots.has(keyOf(shape))) {
        const key = keyOf(shape);
        const entry = wanted.get(key) ?? { shape, uses: 0 };
        entry.uses += 1;
        wanted.set(key, entry);
      }
      return queue.run(() => runBatch(batch, shape));
    },
    stats,
    async settled() {
      while (waiting()) await new Promise<void>((resolve) => waiters.push(resolve));
      return stats();
    },
    async dispose() {
      disposed = true;
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      idleTimer = undefined;
      wake();
      // The build in progress, if any, sees `disposed` and frees what it made; queued runs finish first.
      await queue.drained();
      wanted.clear();
      for (const slot of slots.values()) await releaseSlot(slot);
      slots.clear();
    },
  };
}

function keyOf(shape: CaptureShape): string {
  return `${shape.rows}x${shape.length}`;
}
