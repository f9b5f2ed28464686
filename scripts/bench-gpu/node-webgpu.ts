/**
 * WebGPU for Node: installs Dawn (the `webgpu` npm package) as `navigator.gpu` so onnxruntime-web's WebGPU
 * build runs outside a browser, and a kernel profiler built on WebGPU timestamp queries.
 *
 * Must run before onnxruntime-web or transformers.js is imported (transformers.js reads `navigator.gpu`
 * when its module loads).
 */
import { cpus } from 'node:os';
import { create, globals } from 'webgpu';

export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly features: string[];
  readonly limits: Record<string, number>;
}

export interface DawnSetup {
  readonly gpu: GPU;
  readonly adapter: AdapterSummary;
  readonly profiler: GpuProfiler;
}

/** Node globals we add to: `navigator` exists from Node 21 on, and not before. */
interface MutableGlobals {
  navigator?: object;
}

export async function installDawn(flags: readonly string[]): Promise<DawnSetup> {
  Object.assign(globalThis, globals);
  const gpu = create([...flags]);
  const holder = globalThis as unknown as MutableGlobals;
  if (holder.navigator === undefined) {
    holder.navigator = { gpu, hardwareConcurrency: cpus().length, userAgent: `Node.js ${process.version}` };
  } else {
    Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true });
  }
  copySharedMemoryWrites();
  const profiler = new GpuProfiler();
  profiler.install();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) throw new Error('Dawn found no WebGPU adapter (are the Vulkan loader and ICD on the library path?)');
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const key of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxStorageBuffersPerShaderStage'] as const) {
    limits[key] = adapter.limits[key];
  }
  return {
    gpu,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      features: [...adapter.features].map(String).sort(),
      limits,
    },
    profiler,
  };
}

/**
 * Dawn's `queue.writeBuffer` rejects views of shared memory, and onnxruntime-web's threaded WebAssembly
 * memory is a SharedArrayBuffer: copy such data into a plain array first.
 */
function copySharedMemoryWrites(): void {
  const proto = GPUQueue.prototype as GPUQueue & { __sharedCopy?: boolean };
  if (proto.__sharedCopy === true) return;
  const original = proto.writeBuffer;
  proto.writeBuffer = function writeBuffer(
    this: GPUQueue,
    buffer: GPUBuffer,
    bufferOffset: number,
    data: BufferSource | SharedArrayBuffer,
    dataOffset?: number,
    size?: number,
  ): undefined {
    const backing = ArrayBuffer.isView(data) ? data.buffer : data;
    if (!(backing instanceof SharedArrayBuffer)) {
      return original.call(this, buffer, bufferOffset, data as BufferSource, dataOffset, size);
    }
    let start: number;
    let length: number;
    if (ArrayBuffer.isView(data)) {
      const element = (data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      start = data.byteOffset + (dataOffset ?? 0) * element;
      length = size === undefined ? data.byteLength - (dataOffset ?? 0) * element : size * element;
    } else {
      start = dataOffset ?? 0;
      length = size === undefined ? data.byteLength - start : size;
    }
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(backing, start, length));
    return original.call(this, buffer, bufferOffset, copy);
  } as GPUQueue['writeBuffer'];
  proto.__sharedCopy = true;
}

export interface KernelTime {
  readonly name: string;
  readonly count: number;
  readonly totalMs: number;
}

export interface ProfileWindow {
  /** session runs inside the window */
  readonly runs: number;
  readonly wallMs: number;
  readonly dispatches: number;
  readonly submits: number;
  readonly writeBuffers: number;
  readonly writeBytes: number;
  readonly mapAsyncs: number;
  /** time between mapAsync calls and their resolution (GPU work finishing + the round trip) */
  readonly mapWaitMs: number;
  /** sum of the GPU time of every timed dispatch (each dispatch in its own compute pass) */
  readonly gpuBusyMs: number;
  readonly timedDispatches: number;
  readonly kernels: KernelTime[];
  /** WGSL heads of unlabeled pipelines, to tell them apart */
  readonly shaders: Record<string, string>;
}

interface PassRecord {
  name: string;
  readonly query: number | undefined;
}

type Args = unknown[];

/**
 * Counts WebGPU calls and, while a window is open on a device with `timestamp-query`, gives every dispatch
 * its own compute pass with timestamp writes, so each kernel's GPU time is measured. Splitting passes adds
 * a little GPU time per dispatch; the timed windows are kept apart from the throughput runs.
 */
export class GpuProfiler {
  #device: GPUDevice | undefined;
  #querySet: GPUQuerySet | undefined;
  readonly #capacity = 4096;
  #nextQuery = 0;
  #open = false;
  #timing = false;
  #records: PassRecord[] = [];
  #counters = { dispatches: 0, submits: 0, writeBuffers: 0, writeBytes: 0, mapAsyncs: 0, mapWaitMs: 0 };
  readonly #pipelineNames = new WeakMap<object, string>();
  readonly #shaderNames = new WeakMap<object, string>();
  readonly #shaders: Record<string, string> = {};
  #shaderCount = 0;
  #windowStart = 0;
  #runs = 0;
  /** Request `timestamp-query` when the adapter has it. */
  wantTimestamps = true;
  requestedFeatures: string[] = [];

  get canTime(): boolean {
    return this.#device?.features.has('timestamp-query') ?? false;
  }

  install(): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const profiler = this;
    const adapterProto = GPUAdapter.prototype;
    const requestDevice = adapterProto.requestDevice;
    adapterProto.requestDevice = async function patchedRequestDevice(this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
      const features = new Set<GPUFeatureName>(descriptor?.requiredFeatures ?? []);
      if (profiler.wantTimestamps && this.features.has('timestamp-query')) features.add('timestamp-query');
      profiler.requestedFeatures = [...features].map(String);
      const device = await requestDevice.call(this, { ...descriptor, requiredFeatures: [...features] });
      // onnxruntime makes a new device when its last session went; queries belong to one device.
      profiler.#device = device;
      profiler.#querySet = undefined;
      return device;
    };

    const deviceProto = GPUDevice.prototype;
    const createShaderModule = deviceProto.createShaderModule;
    deviceProto.createShaderModule = function patched(this: GPUDevice, descriptor: GPUShaderModuleDescriptor) {
      const module = createShaderModule.call(this, descriptor);
      let name = descriptor.label ?? '';
      if (name === '') {
        profiler.#shaderCount += 1;
        name = `wgsl#${profiler.#shaderCount}`;
        profiler.#shaders[name] = descriptor.code.slice(0, 1500);
      }
      profiler.#shaderNames.set(module, name);
      return module;
    };
    const nameOf = (descriptor: GPUComputePipelineDescriptor): string =>
      descriptor.label || profiler.#shaderNames.get(descriptor.compute.module) || 'unnamed';
    const createComputePipeline = deviceProto.createComputePipeline;
    deviceProto.createComputePipeline = function patched(this: GPUDevice, descriptor: GPUComputePipelineDescriptor) {
      const pipeline = createComputePipeline.call(this, descriptor);
      profiler.#pipelineNames.set(pipeline, nameOf(descriptor));
      return pipeline;
    };
    const createComputePipelineAsync = deviceProto.createComputePipelineAsync;
    deviceProto.createComputePipelineAsync = async function patched(this: GPUDevice, descriptor: GPUComputePipelineDescriptor) {
      const pipeline = await createComputePipelineAsync.call(this, descriptor);
      profiler.#pipelineNames.set(pipeline, nameOf(descriptor));
      return pipeline;
    };

    const encoderProto = GPUCommandEncoder.prototype;
    const beginComputePass = encoderProto.beginComputePass;
    encoderProto.beginComputePass = function patched(this: GPUCommandEncoder, descriptor?: GPUComputePassDescriptor) {
      if (!profiler.#timing || descriptor?.timestampWrites !== undefined) {
        const pass = beginComputePass.call(this, descriptor);
        return profiler.#open ? profiler.#countingPass(pass) : pass;
      }
      return profiler.#splittingPass(this, beginComputePass, descriptor);
    };

    const queueProto = GPUQueue.prototype;
    const submit = queueProto.submit;
    queueProto.submit = function patched(this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
      if (profiler.#open) profiler.#counters.submits += 1;
      return submit.call(this, buffers);
    };
    const writeBuffer = queueProto.writeBuffer;
    queueProto.writeBuffer = function patched(this: GPUQueue, ...args: Args) {
      if (profiler.#open) {
        profiler.#counters.writeBuffers += 1;
        const data = args[2] as ArrayBufferView | ArrayBuffer;
        const size = args[4] as number | undefined;
        const element = ArrayBuffer.isView(data) ? ((data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1) : 1;
        profiler.#counters.writeBytes += size === undefined ? data.byteLength : size * element;
      }
      return (writeBuffer as (...a: Args) => undefined).apply(this, args);
    } as GPUQueue['writeBuffer'];

    const bufferProto = GPUBuffer.prototype;
    const mapAsync = bufferProto.mapAsync;
    bufferProto.mapAsync = async function patched(this: GPUBuffer, mode: number, offset?: number, size?: number) {
      if (!profiler.#open) return mapAsync.call(this, mode, offset, size);
      const start = performance.now();
      try {
        return await mapAsync.call(this, mode, offset, size);
      } finally {
        profiler.#counters.mapAsyncs += 1;
        profiler.#counters.mapWaitMs += performance.now() - start;
      }
    };
  }

  /** Opens a window: counts calls; with `timing`, times every dispatch. */
  open(timing: boolean): void {
    this.#open = true;
    this.#timing = timing && this.canTime;
    this.#records = [];
    this.#nextQuery = 0;
    this.#runs = 0;
    this.#counters = { dispatches: 0, submits: 0, writeBuffers: 0, writeBytes: 0, mapAsyncs: 0, mapWaitMs: 0 };
    this.#windowStart = performance.now();
  }

  countRun(): void {
    this.#runs += 1;
  }

  async close(): Promise<ProfileWindow> {
    const wallMs = performance.now() - this.#windowStart;
    this.#open = false;
    const timing = this.#timing;
    this.#timing = false;
    const kernels = new Map<string, { count: number; totalMs: number }>();
    let gpuBusyMs = 0;
    let timedDispatches = 0;
    if (timing && this.#device !== undefined && this.#querySet !== undefined && this.#nextQuery > 0) {
      const device = this.#device;
      const bytes = this.#nextQuery * 8;
      const resolve = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.resolveQuerySet(this.#querySet, 0, this.#nextQuery, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, read, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const stamps = new BigUint64Array(read.getMappedRange().slice(0));
      read.unmap();
      resolve.destroy();
      read.destroy();
      for (const record of this.#records) {
        if (record.query === undefined) continue;
        const begin = stamps[record.query] ?? 0n;
        const end = stamps[record.query + 1] ?? 0n;
        const ms = end > begin ? Number(end - begin) / 1e6 : 0;
        const entry = kernels.get(record.name) ?? { count: 0, totalMs: 0 };
        entry.count += 1;
        entry.totalMs += ms;
        kernels.set(record.name, entry);
        gpuBusyMs += ms;
        timedDispatches += 1;
      }
    }
    return {
      runs: this.#runs,
      wallMs,
      ...this.#counters,
      gpuBusyMs,
      timedDispatches,
      kernels: [...kernels.entries()]
        .map(([name, entry]) => ({ name, ...entry }))
        .sort((a, b) => b.totalMs - a.totalMs),
      shaders: { ...this.#shaders },
    };
  }

  #takeQuery(): number | undefined {
    const device = this.#device;
    if (device === undefined || !device.features.has('timestamp-query')) return undefined;
    this.#querySet ??= device.createQuerySet({ type: 'timestamp', count: this.#capacity });
    if (this.#nextQuery + 2 > this.#capacity) return undefined;
    const query = this.#nextQuery;
    this.#nextQuery += 2;
    return query;
  }

  #countingPass(pass: GPUComputePassEncoder): GPUComputePassEncoder {
    const counters = this.#counters;
    const dispatch = pass.dispatchWorkgroups.bind(pass);
    return new Proxy(pass, {
      get(target, key) {
        if (key === 'dispatchWorkgroups') {
          return (x: number, y?: number, z?: number) => {
            counters.dispatches += 1;
            dispatch(x, y, z);
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: Args) => unknown).bind(target) : value;
      },
    });
  }

  /** A stand-in pass that replays its state into a fresh, timed real pass for each dispatch. */
  #splittingPass(
    encoder: GPUCommandEncoder,
    beginComputePass: GPUCommandEncoder['beginComputePass'],
    descriptor: GPUComputePassDescriptor | undefined,
  ): GPUComputePassEncoder {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const profiler = this;
    let pipeline: GPUComputePipeline | undefined;
    const bindGroups = new Map<number, Args>();
    const open = (): GPUComputePassEncoder => {
      const query = profiler.#takeQuery();
      const name = pipeline === undefined ? 'unknown' : (profiler.#pipelineNames.get(pipeline) ?? 'unnamed');
      profiler.#records.push({ name, query });
      const real = beginComputePass.call(encoder, {
        ...descriptor,
        ...(query === undefined || profiler.#querySet === undefined
          ? {}
          : { timestampWrites: { querySet: profiler.#querySet, beginningOfPassWriteIndex: query, endOfPassWriteIndex: query + 1 } }),
      });
      if (pipeline !== undefined) real.setPipeline(pipeline);
      for (const args of bindGroups.values()) (real.setBindGroup as (...a: Args) => void)(...args);
      return real;
    };
    const stand = {
      label: descriptor?.label ?? '',
      setPipeline(next: GPUComputePipeline) {
        pipeline = next;
      },
      setBindGroup(...args: Args) {
        // Dynamic offsets may be a view of memory that changes later: keep a copy.
        const copied = args.length > 3 && ArrayBuffer.isView(args[2])
          ? [args[0], args[1], Array.from((args[2] as Uint32Array).subarray(args[3] as number, (args[3] as number) + (args[4] as number)))]
          : args;
        bindGroups.set(args[0] as number, copied);
      },
      dispatchWorkgroups(x: number, y?: number, z?: number) {
        profiler.#counters.dispatches += 1;
        const real = open();
        real.dispatchWorkgroups(x, y, z);
        real.end();
      },
      dispatchWorkgroupsIndirect(buffer: GPUBuffer, offset: number) {
        profiler.#counters.dispatches += 1;
        const real = open();
        real.dispatchWorkgroupsIndirect(buffer, offset);
        real.end();
      },
      end() {},
      pushDebugGroup() {},
      popDebugGroup() {},
      insertDebugMarker() {},
      setImmediates() {
        throw new Error('the profiler does not forward setImmediates');
      },
    };
    return stand as unknown as GPUComputePassEncoder;
  }
}
