/**
 * One captured shape of the WebGPU runner (webgpu-runner.ts): a session whose free dimensions are fixed to
 * rows x length, its input and output GPU buffers (IO binding), and the host arrays a batch is padded into.
 * Building one creates the session and runs it three times on a masked dummy batch (onnxruntime runs the
 * first run normally, captures the second, replays from the third), so no real batch pays for the capture.
 * The runner calls these only from its GPU work queue: capture must never interleave with another run.
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

const BUFFER_ALIGN = 16;

export interface ShapeSlot {
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

/** What a slot needs to know of the model's graph. */
export interface SlotGraph {
  readonly backend: CaptureBackend;
  readonly padTokenId: number;
  readonly inputNames: readonly string[];
  readonly outputName: string;
  readonly outputWidth: number;
}

/**
 * Builds and warms a shape's slot. `onSession` hears of every session created (for the runner's stats) and
 * `cancelled` is asked after each session is created: when it says so, the slot is freed and this rejects.
 */
export async function buildSlot(
  graph: SlotGraph,
  shape: CaptureShape,
  onSession: (createMs: number, delta: 1 | -1) => void,
  cancelled: () => boolean,
): Promise<ShapeSlot> {
  const { backend, outputWidth } = graph;
  const { device } = backend;
  const { rows, length } = shape;
  const inputBuffers = new Map<string, GPUBuffer>();
  const feeds: Record<string, unknown> = {};
  const staging = new Map<string, BigInt64Array>();
  for (const name of graph.inputNames) {
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
  const fetches = { [graph.outputName]: backend.gpuTensor(outputBuffer, 'float32', [rows, outputWidth]) };
  const readback = device.createBuffer({ size: outputBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const destroyBuffers = (): void => {
    for (const buffer of inputBuffers.values()) buffer.destroy();
    outputBuffer.destroy();
    readback.destroy();
  };
  try {
    // A session whose first run could not be pinned is rebuilt (see pinRegistrations).
    for (let attempt = 1; ; attempt++) {
      const start = performance.now();
      const session = await backend.createCapturedSession(rows, length);
      onSession(performance.now() - start, 1);
      if (cancelled()) {
        await session.release();
        onSession(0, -1);
        throw new Error('the WebGPU runner was disposed while this shape was being captured');
      }
      const slot: ShapeSlot = { shape, session, inputBuffers, feeds, outputBuffer, fetches, readback, staging, pinned: false };
      stageBatch(slot, graph.padTokenId, undefined);
      await runSlot(slot, device, outputWidth);
      if (slot.pinned) {
        for (let warm = 0; warm < 2; warm++) await runSlot(slot, device, outputWidth);
        return slot;
      }
      await session.release();
      onSession(0, -1);
      if (attempt === 3) throw new Error('onnxruntime-web kept no registration of the bound GPU buffers to pin');
    }
  } catch (error) {
    destroyBuffers();
    throw error;
  }
}

/** Uploads the staged batch, replays the captured graph and reads the output back. */
export async function runSlot(slot: ShapeSlot, device: GPUDevice, outputWidth: number): Promise<Float32Array> {
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
}

/** Fills the slot's staging arrays with a batch (undefined: a fully padded one), padded to the slot's shape. */
export function stageBatch(slot: ShapeSlot, padTokenId: number, batch: BatchTensors | undefined): void {
  const { rows, length } = slot.shape;
  for (const [name, target] of slot.staging) {
    const fill = name === 'input_ids' ? BigInt(padTokenId) : 0n;
    if (batch === undefined) target.fill(fill);
    else padInto(target, hostInput(batch, name), batch, length, fill);
    // Padding rows attend to their first position only, so no row is fully masked (softmax of nothing).
    if (name === 'attention_mask') for (let row = batch?.batchSize ?? 0; row < rows; row++) target[row * length] = 1n;
  }
}

/** Frees the slot's GPU buffers and its session. */
export async function releaseSlot(slot: ShapeSlot): Promise<void> {
  for (const buffer of slot.inputBuffers.values()) buffer.destroy();
  slot.outputBuffer.destroy();
  slot.readback.destroy();
  await slot.session.release();
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
