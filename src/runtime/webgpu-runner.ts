/**
 * Runs padded batches on onnxruntime-web's WebGPU execution provider with the model's inputs and logits in
 * GPU buffers (IO binding) and, optionally, with graph capture: one session per padded (rows x length)
 * shape, whose recorded GPU commands are replayed on every later batch of that shape, so onnxruntime's
 * per-kernel CPU work (shape inference, uniform and bind-group set-up) is paid once per shape, not per batch.
 *
 * It takes the model as bytes and implements `LoadedModel['run']`. The GPU benchmark (`scripts/bench-gpu/`)
 * pairs it with the tokenizer and template that `loadCrossEncoder` derives; the browser path does not use it
 * yet. Padding a batch to a larger shape adds rows and positions whose attention mask is 0: the real rows'
 * logits stay those of the unpadded batch up to float rounding (checked against onnxruntime on the CPU by the
 * benchmark's fidelity step).
 *
 * Costs to know before using it in a page: every session keeps its own copy of the weights on the GPU and of
 * the model in WebAssembly memory (4 GiB in all), capturing a shape builds a session (0.3 s for MiniLM-L6,
 * 3 s for XLM-R base on an H100), and `pinRegistrations` works around an onnxruntime-web 1.31-dev bug.
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { BatchTensors } from '../engine/batching.js';

export type WebGpuRunnerMode = 'plain' | 'io-binding' | 'graph-capture';

export interface WebGpuRunnerOptions {
  readonly modelBytes: Uint8Array;
  readonly padTokenId: number;
  /**
   * `plain`: CPU tensors in, CPU logits out (what transformers.js does). `io-binding`: inputs written to GPU
   * buffers, logits read back from a GPU buffer, one session, any shape. `graph-capture`: io-binding plus
   * one captured session per padded shape from `rowBuckets` x `lengthBuckets`.
   */
  readonly mode: WebGpuRunnerMode;
  /** graph-capture: padded row counts to capture. A batch that fits no captured shape runs on a dynamic session. */
  readonly rowBuckets?: readonly number[];
  /** graph-capture: padded lengths to capture. */
  readonly lengthBuckets?: readonly number[];
  /** onnxruntime's WebGPU validation (default `basic`, which pushes and pops an error scope on every run). */
  readonly validationMode?: 'disabled' | 'wgpuOnly' | 'basic' | 'full';
  /** Extra session options (e.g. `logSeverityLevel`, `graphOptimizationLevel`). */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
  /** onnxruntime's storage-buffer cache (`bucket` by default). */
  readonly storageBufferCacheMode?: 'disabled' | 'lazyRelease' | 'simple' | 'bucket';
  /**
   * graph-capture: keep a dynamic-shape session for batches that fit no captured shape (default true).
   * Every session holds its own copy of the model in WebAssembly memory (4 GiB in all), so for a large model
   * (XLM-R base: 1.1 GB) leave it out and capture few shapes; a batch that fits none is then refused.
   */
  readonly keepDynamicSession?: boolean;
}

export interface WebGpuRunnerStats {
  /** Sessions built so far (one for plain / io-binding, one per used shape for graph capture). */
  readonly sessions: number;
  readonly sessionCreateMs: number;
  /** Padded tokens run / real tokens asked for, over all batches so far. */
  readonly paddedTokens: number;
  readonly requestedTokens: number;
  readonly batches: number;
  /** Graph-capture shapes whose buffer registrations could not be pinned after 3 tries (0 expected). */
  readonly unpinnedSlots: number;
}

export interface WebGpuRunner {
  readonly mode: WebGpuRunnerMode;
  /** Most rows one batch may hold. */
  readonly maxRows: number;
  readonly maxLength: number | undefined;
  run(batch: BatchTensors): Promise<Float32Array>;
  /** Builds (and for graph capture, captures) the sessions of these shapes now rather than at first use. */
  prepare(shapes: readonly (readonly [rows: number, length: number])[]): Promise<void>;
  /** The padded shape a batch of this size runs as. */
  shapeFor(rows: number, length: number): readonly [rows: number, length: number];
  stats(): WebGpuRunnerStats;
  dispose(): Promise<void>;
}

/** The environment of the onnxruntime-web build this runner uses (`wasm.wasmBinary`, `webgpu.powerPreference`, ...). */
export const onnxWebGpuEnv: ort.Env = ort.env;

const LOGITS_BYTES_ALIGN = 16;

interface ShapeSlot {
  readonly rows: number;
  readonly length: number;
  readonly session: ort.InferenceSession;
  readonly inputBuffers: Map<string, GPUBuffer>;
  readonly feeds: Record<string, ort.Tensor>;
  readonly logitsBuffer: GPUBuffer;
  readonly fetches: Record<string, ort.Tensor>;
  readonly readback: GPUBuffer;
  /** Staging arrays the host-side batch is padded into before upload. */
  readonly staging: Record<string, BigInt64Array>;
  /** Whether onnxruntime-web's registrations of this slot's buffers are pinned (see pinRegistrations). */
  pinned: boolean;
}

export async function createWebGpuRunner(options: WebGpuRunnerOptions): Promise<WebGpuRunner> {
  const { mode } = options;
  const rowBuckets = [...(options.rowBuckets ?? [])].sort((a, b) => a - b);
  const lengthBuckets = [...(options.lengthBuckets ?? [])].sort((a, b) => a - b);
  if (mode === 'graph-capture' && (rowBuckets.length === 0 || lengthBuckets.length === 0)) {
    throw new RangeError('graph-capture needs rowBuckets and lengthBuckets');
  }
  let sessionCreateMs = 0;
  let sessions = 0;
  let paddedTokens = 0;
  let requestedTokens = 0;
  let batches = 0;
  let unpinnedSlots = 0;
  /** The graph's names for the batch and sequence axes (`batch_size`, `sequence_length` in these exports). */
  let dimNames: readonly [string, string] = ['batch_size', 'sequence_length'];

  const createSession = async (fixedShape?: readonly [number, number]): Promise<ort.InferenceSession> => {
    const start = performance.now();
    const provider: ort.InferenceSession.WebGpuExecutionProviderOption = {
      name: 'webgpu',
      ...(options.validationMode === undefined ? {} : { validationMode: options.validationMode }),
      ...(options.storageBufferCacheMode === undefined ? {} : { storageBufferCacheMode: options.storageBufferCacheMode }),
    };
    const session = await ort.InferenceSession.create(options.modelBytes, {
      ...options.sessionOptions,
      // enableGraphCapture reaches the WebGPU EP only when the provider is given as an object.
      executionProviders: [provider],
      // A captured session runs one shape: fixing it lets onnxruntime fold the shape arithmetic that it
      // would otherwise run on the CPU, and graph capture needs every node on the GPU.
      ...(fixedShape === undefined
        ? {}
        : { enableGraphCapture: true, freeDimensionOverrides: { [dimNames[0]]: fixedShape[0], [dimNames[1]]: fixedShape[1] } }),
      ...(mode === 'plain' ? {} : { preferredOutputLocation: 'gpu-buffer' as const }),
    });
    sessionCreateMs += performance.now() - start;
    sessions += 1;
    return session;
  };

  // One dynamic-shape session: all of plain and io-binding; under graph capture, the batches that fit no
  // captured shape. It also keeps onnxruntime's WebGPU device alive: the device the buffers below are made
  // on would otherwise go with the last released session.
  const keepDynamic = mode !== 'graph-capture' || options.keepDynamicSession !== false;
  const probeSession = await createSession();
  let dynamicSession: ort.InferenceSession | undefined = probeSession;
  const inputNames = [...probeSession.inputNames];
  if (mode === 'graph-capture') dimNames = symbolicDims(probeSession);
  const outputName = probeSession.outputNames[0];
  if (outputName === undefined) throw new Error('the model has no output');
  const device = mode === 'plain' ? undefined : await onnxWebGpuEnv.webgpu.device;

  const slots = new Map<string, ShapeSlot>();
  const pendingSlots = new Map<string, Promise<ShapeSlot>>();

  /** The captured shape a batch is padded to; the batch's own shape when none holds it (dynamic session). */
  const shapeFor = (rows: number, length: number): readonly [number, number] => {
    if (mode !== 'graph-capture') return [rows, length];
    const paddedRows = rowBuckets.find((bucket) => bucket >= rows);
    const paddedLength = lengthBuckets.find((bucket) => bucket >= length);
    return paddedRows === undefined || paddedLength === undefined ? [rows, length] : [paddedRows, paddedLength];
  };
  const isCaptured = (rows: number, length: number): boolean =>
    mode === 'graph-capture' && rowBuckets.includes(rows) && lengthBuckets.includes(length);
  /** Without a kept dynamic session, the probe goes once a captured session holds the device. */
  const dropProbe = async (): Promise<void> => {
    if (keepDynamic || dynamicSession === undefined) return;
    dynamicSession = undefined;
    await probeSession.release();
    sessions -= 1;
  };

  const buildSlot = async (rows: number, length: number): Promise<ShapeSlot> => {
    if (device === undefined) throw new Error('no GPU device');
    const inputBuffers = new Map<string, GPUBuffer>();
    const feeds: Record<string, ort.Tensor> = {};
    const staging: Record<string, BigInt64Array> = {};
    for (const name of inputNames) {
      const buffer = device.createBuffer({
        size: alignTo(rows * length * 8, LOGITS_BYTES_ALIGN),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
      });
      inputBuffers.set(name, buffer);
      feeds[name] = ort.Tensor.fromGpuBuffer(buffer, { dataType: 'int64', dims: [rows, length] });
      staging[name] = new BigInt64Array(rows * length);
    }
    const logitsBytes = alignTo(rows * 4, LOGITS_BYTES_ALIGN);
    const logitsBuffer = device.createBuffer({
      size: logitsBytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const fetches: Record<string, ort.Tensor> = {
      [outputName]: ort.Tensor.fromGpuBuffer(logitsBuffer, { dataType: 'float32', dims: [rows, 1] }),
    };
    const readback = device.createBuffer({ size: logitsBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const parts = { rows, length, inputBuffers, feeds, logitsBuffer, fetches, readback, staging };
    if (!isCaptured(rows, length)) {
      if (dynamicSession === undefined) {
        throw new RangeError(`a batch of ${rows} x ${length} tokens fits no captured shape, and no dynamic session was kept`);
      }
      return { ...parts, session: dynamicSession, pinned: true };
    }
    // onnxruntime runs the first batch normally and captures the next one; replays follow. Run them now on
    // a masked dummy batch so no real call pays for them. A session whose first run could not be pinned is
    // rebuilt (see pinRegistrations).
    for (let attempt = 1; ; attempt++) {
      const slot: ShapeSlot = { ...parts, session: await createSession([rows, length]), pinned: false };
      for (const name of inputNames) staging[name]?.fill(name === 'input_ids' ? BigInt(options.padTokenId) : 0n);
      const mask = staging['attention_mask'];
      if (mask !== undefined) for (let row = 0; row < rows; row++) mask[row * length] = 1n;
      await runSlot(slot);
      if (slot.pinned || attempt === 3) {
        if (!slot.pinned) unpinnedSlots += 1;
        for (let warm = 0; warm < 2; warm++) await runSlot(slot);
        await dropProbe();
        return slot;
      }
      await slot.session.release();
      sessions -= 1;
    }
  };

  const slotFor = async (rows: number, length: number): Promise<ShapeSlot> => {
    const key = `${rows}x${length}`;
    const ready = slots.get(key);
    if (ready !== undefined) return ready;
    let pending = pendingSlots.get(key);
    if (pending === undefined) {
      pending = buildSlot(rows, length);
      pendingSlots.set(key, pending);
    }
    const slot = await pending;
    pendingSlots.delete(key);
    slots.set(key, slot);
    if (!isCaptured(rows, length) && slots.size > 64) evictOldest(slots, key, isCaptured);
    return slot;
  };

  const runSlot = async (slot: ShapeSlot): Promise<Float32Array> => {
    if (device === undefined) throw new Error('no GPU device');
    for (const [name, buffer] of slot.inputBuffers) {
      const data = slot.staging[name];
      if (data !== undefined) device.queue.writeBuffer(buffer, 0, data);
    }
    const running = slot.session.run(slot.feeds, slot.fetches);
    if (!slot.pinned) slot.pinned = await pinRegistrations(running, [...slot.inputBuffers.values(), slot.logitsBuffer]);
    await running;
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(slot.logitsBuffer, 0, slot.readback, 0, slot.readback.size);
    device.queue.submit([encoder.finish()]);
    await slot.readback.mapAsync(GPUMapMode.READ);
    const logits = new Float32Array(slot.readback.getMappedRange().slice(0, slot.rows * 4));
    slot.readback.unmap();
    return logits;
  };

  const runPlain = async (batch: BatchTensors): Promise<Float32Array> => {
    if (dynamicSession === undefined) throw new Error('no dynamic session');
    const dims = [batch.batchSize, batch.length];
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of inputNames) feeds[name] = new ort.Tensor('int64', hostInput(batch, name), dims);
    const output = await dynamicSession.run(feeds);
    const logits = output[outputName];
    if (logits === undefined || !(logits.data instanceof Float32Array)) throw new Error('the model returned no float32 logits');
    return logits.data;
  };

  return {
    mode,
    maxRows: mode === 'graph-capture' ? (rowBuckets.at(-1) ?? 1) : Number.MAX_SAFE_INTEGER,
    maxLength: mode === 'graph-capture' ? lengthBuckets.at(-1) : undefined,
    shapeFor,
    async run(batch) {
      batches += 1;
      requestedTokens += batch.batchSize * batch.length;
      if (mode === 'plain') {
        paddedTokens += batch.batchSize * batch.length;
        return runPlain(batch);
      }
      const [rows, length] = shapeFor(batch.batchSize, batch.length);
      paddedTokens += rows * length;
      const slot = await slotFor(rows, length);
      for (const name of inputNames) {
        const target = slot.staging[name];
        if (target === undefined) continue;
        padInto(target, hostInput(batch, name), batch, rows, length, name === 'input_ids' ? BigInt(options.padTokenId) : 0n);
        // Padding rows attend to their first position only, so no row is fully masked.
        if (name === 'attention_mask') for (let row = batch.batchSize; row < rows; row++) target[row * length] = 1n;
      }
      const logits = await runSlot(slot);
      return logits.subarray(0, batch.batchSize);
    },
    async prepare(shapes) {
      for (const [rows, length] of shapes) await slotFor(...shapeFor(rows, length));
    },
    stats: () => ({ sessions, sessionCreateMs, paddedTokens, requestedTokens, batches, unpinnedSlots }),
    async dispose() {
      const released = new Set<ort.InferenceSession>();
      for (const slot of slots.values()) {
        destroySlotBuffers(slot);
        if (!released.has(slot.session)) {
          released.add(slot.session);
          await slot.session.release();
        }
      }
      slots.clear();
      if (dynamicSession !== undefined && !released.has(dynamicSession)) await dynamicSession.release();
    },
  };
}

const REGISTRATION = 'gpuBufferMetadata';

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

function symbolicDims(session: ort.InferenceSession): readonly [string, string] {
  const meta = session.inputMetadata.find((input) => input.name === 'input_ids');
  const shape = meta !== undefined && meta.isTensor ? meta.shape : [];
  const [rows, length] = shape;
  if (typeof rows !== 'string' || typeof length !== 'string') {
    throw new Error('input_ids has no symbolic batch and sequence axes to fix for graph capture');
  }
  return [rows, length];
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
function padInto(
  target: BigInt64Array,
  source: BigInt64Array,
  batch: BatchTensors,
  rows: number,
  paddedLength: number,
  fill: bigint,
): void {
  if (rows === batch.batchSize && paddedLength === batch.length) {
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

function destroySlotBuffers(slot: ShapeSlot): void {
  for (const buffer of slot.inputBuffers.values()) buffer.destroy();
  slot.logitsBuffer.destroy();
  slot.readback.destroy();
}

function evictOldest(slots: Map<string, ShapeSlot>, keep: string, captured: (rows: number, length: number) => boolean): void {
  for (const [key, slot] of slots) {
    if (key === keep || captured(slot.rows, slot.length)) continue;
    destroySlotBuffers(slot);
    slots.delete(key);
    return;
  }
}
