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
 * capturing a shape builds a session (about a second for MiniLM-L6 on a GPU, more for larger models). Shapes are built
 * on first use; the runtime decides whether a model is small enough for this (`webgpuGraphCapture`).
 */
import type { BatchTensors } from '../engine/batching.js';

/** What the runner needs of an onnxruntime-web session. */
export interface CaptureSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>): Promise<unknown>;
  release(): Promise<void>;
}

/** Supplied by the runtime: the one place onnxruntime-web is called. */
export interface CaptureBackend {
  readonly device: GPUDevice;
  /** A session with the free dimensions fixed to rows x length, graph capture on and outputs left on the GPU. */
  createCapturedSession(rows: number, length: number): Promise<CaptureSession>;
  /** An onnxruntime tensor over a GPU buffer. */
  gpuTensor(buffer: GPUBuffer, dataType: 'int64' | 'float32', dims: readonly number[]): unknown;
}

/** A captured shape: `rows` x `length` tokens. */
export interface CaptureShape {
  readonly rows: number;
  readonly length: number;
}

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
  /** Runs a batch that fits no captured shape, or whose shape could not be captured. */
  readonly runDynamic: (batch: BatchTensors) => Promise<Float32Array>;
}

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
  dispose(): Promise<void>;
}

const BUFFER_ALIGN = 16;

interface ShapeSlot {
  readonly shape: CaptureShape;
  readonly session: CaptureSession;
  readonly inputBuffers: Map<string, GPUBuffer>;
  readonly feeds: Record<string, unknown>;
  readonly outputBuffer: GPUBuffer;
  readonly fetches: Record<string, unknown>;
  readonly readback: GPUBuffer;
  /** Host arrays a batch is padded into before upload. */
  readonly staging: Map<string, BigInt64Array>;
  /** Whether onnxruntime-web's registrations of this slot's buffers are pinned (see pinRegistrations). */
  pinned: boolean;
}

export function createWebGpuRunner(options: WebGpuRunnerOptions): WebGpuRunner {
  const { backend, outputWidth } = options;
  const shapes = [...options.shapes].sort((a, b) => a.length - b.length);
  const { device } = backend;
  let sessionCreateMs = 0;
  let sessions = 0;
  let paddedTokens = 0;
  let requestedTokens = 0;
  let capturedBatches = 0;
  let dynamicBatches = 0;
  const failed = new Map<string, string>();
  const slots = new Map<string, ShapeSlot>();
  let disposed = false;
  let disabledReason: string | undefined;

  const shapeFor = (rows: number, length: number): CaptureShape | undefined => {
    if (disabledReason !== undefined) return undefined;
    const shape = shapes.find((candidate) => candidate.length >= length && candidate.rows >= rows);
    return shape === undefined || failed.has(keyOf(shape)) ? undefined : shape;
  };

  const runSlot = async (slot: ShapeSlot): Promise<Float32Array> => {
    for (const [name, buffer] of slot.inputBuffers) {
      const data = slot.staging.get(name);
      if (data !== undefined) device.queue.writeBuffer(buffer, 0, data);
    }
    const running = slot.session.run(slot.feeds, slot.fetches);
    if (!slot.pinned) slot.pinned = await pinRegistrations(running, [...slot.inputBuffers.values(), slot.outputBuffer]);
    await running;
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(slot.outputBuffer, 0, slot.readback, 0, slot.readback.size);
    device.queue.submit([encoder.finish()]);
    await slot.readback.mapAsync(GPUMapMode.READ);
    const values = new Float32Array(slot.readback.getMappedRange().slice(0, slot.shape.rows * outputWidth * 4));
    slot.readback.unmap();
    return values;
  };

  /** Fills the slot's staging arrays with a batch, padded to the slot's shape. */
  const stage = (slot: ShapeSlot, batch: BatchTensors | undefined): void => {
    const { rows, length } = slot.shape;
    for (const [name, target] of slot.staging) {
      const fill = name === 'input_ids' ? BigInt(options.padTokenId) : 0n;
      if (batch === undefined) target.fill(fill);
      else padInto(target, hostInput(batch, name), batch, length, fill);
      // Padding rows attend to their first position only, so no row is fully masked (softmax of nothing).
      if (name === 'attention_mask') for (let row = batch?.batchSize ?? 0; row < rows; row++) target[row * length] = 1n;
    }
  };

  const buildSlot = async (shape: CaptureShape): Promise<ShapeSlot> => {
    const { rows, length } = shape;
    const inputBuffers = new Map<string, GPUBuffer>();
    const feeds: Record<string, unknown> = {};
    const staging = new Map<string, BigInt64Array>();
    for (const name of options.inputNames) {
      const buffer = device.createBuffer({
        size: alignTo(rows * length * 8, BUFFER_ALIGN),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
      });
      inputBuffers.set(name, buffer);
      feeds[name] = backend.gpuTensor(buffer, 'int64', [rows, length]);
      staging.set(name, new BigInt64Array(rows * length));
    }
    const outputBytes = alignTo(rows * outputWidth * 4, BUFFER_ALIGN);
    const outputBuffer = device.createBuffer({
      size: outputBytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const fetches = { [options.outputName]: backend.gpuTensor(outputBuffer, 'float32', [rows, outputWidth]) };
    const readback = device.createBuffer({ size: outputBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const destroyBuffers = (): void => {
      for (const buffer of inputBuffers.values()) buffer.destroy();
      outputBuffer.destroy();
      readback.destroy();
    };
    try {
      // onnxruntime runs the first batch normally, captures the next one and replays from then on: run them
      // now on a masked dummy batch so no real call pays for them. A session whose first run could not be
      // pinned is rebuilt (see pinRegistrations).
      for (let attempt = 1; ; attempt++) {
        const start = performance.now();
        const session = await backend.createCapturedSession(rows, length);
        sessionCreateMs += performance.now() - start;
        sessions += 1;
        const slot: ShapeSlot = { shape, session, inputBuffers, feeds, outputBuffer, fetches, readback, staging, pinned: false };
        stage(slot, undefined);
        await runSlot(slot);
        if (slot.pinned) {
          for (let warm = 0; warm < 2; warm++) await runSlot(slot);
          return slot;
        }
        await session.release();
        sessions -= 1;
        if (attempt === 3) throw new Error('onnxruntime-web kept no registration of the bound GPU buffers to pin');
      }
    } catch (error) {
      destroyBuffers();
      throw error;
    }
  };

  /** The slot of a shape, built on first use; undefined (and remembered) when the shape cannot be captured. */
  const slotFor = async (shape: CaptureShape): Promise<ShapeSlot | undefined> => {
    const key = keyOf(shape);
    const ready = slots.get(key);
    if (ready !== undefined) return ready;
    try {
      const slot = await buildSlot(shape);
      slots.set(key, slot);
      return slot;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failed.set(key, reason);
      // What stops the first shape (nodes onnxruntime keeps on the CPU, no registration to pin) stops them all.
      if (slots.size === 0) disabledReason = reason;
      return undefined;
    }
  };

  return {
    shapeFor,
    get disabledReason() {
      return disabledReason;
    },
    async run(batch) {
      if (disposed) throw new Error('the WebGPU runner was disposed');
      const shape = shapeFor(batch.batchSize, batch.length);
      const slot = shape === undefined ? undefined : await slotFor(shape);
      if (slot === undefined) {
        dynamicBatches += 1;
        return options.runDynamic(batch);
      }
      capturedBatches += 1;
      requestedTokens += batch.batchSize * batch.length;
      paddedTokens += slot.shape.rows * slot.shape.length;
      stage(slot, batch);
      const values = await runSlot(slot);
      return values.subarray(0, batch.batchSize * outputWidth);
    },
    stats: () => ({
      sessions,
      sessionCreateMs,
      paddedTokens,
      requestedTokens,
      capturedBatches,
      dynamicBatches,
      failedShapes: [...failed].map(([key, reason]) => `${key}: ${reason}`),
    }),
    async dispose() {
      disposed = true;
      for (const slot of slots.values()) {
        for (const buffer of slot.inputBuffers.values()) buffer.destroy();
        slot.outputBuffer.destroy();
        slot.readback.destroy();
        await slot.session.release();
      }
      slots.clear();
    },
  };
}

function keyOf(shape: CaptureShape): string {
  return `${shape.rows}x${shape.length}`;
}

/** Description of onnxruntime-web's private symbol for a GPU buffer's registration record (tests/unit/ort-private-api.test.ts checks it). */
export const REGISTRATION = 'gpuBufferMetadata';

/**
 * Works around onnxruntime-web 1.31-dev's handling of GPU buffers under graph capture. It registers a
 * user buffer for each run (a handle plus a count, kept on the GPUBuffer object under a private symbol) and
 * releases the handle when the run ends, while a graph-capture session keeps the IO binding of its first
 * run, so later runs look the first run's output handle up again: once released, that lookup fails
 * ("Cannot set properties of undefined") or lands on another buffer. Raising the count while the first
 * run is in flight keeps the handles alive as long as the buffers. Returns whether every buffer was pinned
 * (false, and nothing changed, if onnxruntime-web no longer keeps such a record).
 */
async function pinRegistrations(running: Promise<unknown>, buffers: readonly GPUBuffer[]): Promise<boolean> {
  let settled = false;
  void running.then(
    () => (settled = true),
    () => (settled = true),
  );
  const pinned = new Set<GPUBuffer>();
  for (let poll = 0; !settled && pinned.size < buffers.length; poll++) {
    for (const buffer of buffers) {
      if (pinned.has(buffer)) continue;
      const key = Object.getOwnPropertySymbols(buffer).find((symbol) => symbol.description === REGISTRATION);
      const record: unknown = key === undefined ? undefined : (buffer as unknown as Record<symbol, unknown>)[key];
      if (Array.isArray(record) && typeof record[1] === 'number') {
        record[1] += 1e9;
        pinned.add(buffer);
      }
    }
    // Microtasks first (registration happens early in run()), then timer turns while the GPU works.
    await (poll < 200 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, 0)));
  }
  return pinned.size === buffers.length;
}

function hostInput(batch: BatchTensors, name: string): BigInt64Array {
  switch (name) {
    case 'input_ids':
      return batch.inputIds;
    case 'attention_mask':
      return batch.attentionMask;
    case 'token_type_ids':
      return batch.tokenTypeIds;
    default:
      throw new Error(`the model asks for an input this runner cannot feed: ${name}`);
  }
}

/** Copies a [batchSize, length] batch into a [rows, paddedLength] array, filling the rest with `fill`. */
function padInto(target: BigInt64Array, source: BigInt64Array, batch: BatchTensors, paddedLength: number, fill: bigint): void {
  if (target.length === source.length && paddedLength === batch.length) {
    target.set(source);
    return;
  }
  target.fill(fill);
  for (let row = 0; row < batch.batchSize; row++) {
    target.set(source.subarray(row * batch.length, (row + 1) * batch.length), row * paddedLength);
  }
}

function alignTo(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
