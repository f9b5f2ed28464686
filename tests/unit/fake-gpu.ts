/**
 * A fake WebGPU device and capture backend for the runner's unit tests: buffers are byte arrays, a copy is a
 * copy, mapAsync resolves at once, and a "captured session" computes each row's logit (fakeLogit) from the bound
 * input buffers, as onnxruntime's would. Every GPU operation (session build, session run, dynamic run) is
 * logged with its start and end, so tests can check that none overlapped.
 */
import { expect } from 'vitest';
import type { BatchTensors } from '../../src/engine/batching.js';
import type { CaptureBackend, CaptureSession } from '../../src/runtime/webgpu-runner.js';
import { fakeLogit } from './fake-model.js';

export class FakeBuffer {
  readonly bytes: Uint8Array;
  destroyed = false;
  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size);
  }
  async mapAsync(): Promise<void> {}
  getMappedRange(): ArrayBuffer {
    return this.bytes.slice().buffer;
  }
  unmap(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

export function fakeDevice(created: FakeBuffer[] = []): GPUDevice {
  const device = {
    createBuffer: ({ size }: { size: number }) => {
      const buffer = new FakeBuffer(size);
      created.push(buffer);
      return buffer;
    },
    createCommandEncoder: () => {
      const copies: [FakeBuffer, FakeBuffer, number][] = [];
      return {
        copyBufferToBuffer: (from: FakeBuffer, _a: number, to: FakeBuffer, _b: number, size: number) => copies.push([from, to, size]),
        finish: () => copies,
      };
    },
    queue: {
      writeBuffer: (buffer: FakeBuffer, offset: number, data: BigInt64Array) => buffer.bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset),
      submit: (lists: [FakeBuffer, FakeBuffer, number][][]) => {
        for (const [from, to, size] of lists.flat()) to.bytes.set(from.bytes.subarray(0, size));
      },
    },
  };
  return device as unknown as GPUDevice;
}

interface FakeTensor {
  readonly buffer: FakeBuffer;
  readonly dims: readonly number[];
}

/** Mimics onnxruntime-web: a per-run registration record on each bound buffer, dropped when the run ends. */
const REGISTRATION = Symbol('gpuBufferMetadata');

/** What the fake GPU did: sessions built, runs of captured sessions, and every operation's time span. */
export interface GpuLog {
  readonly created: string[];
  readonly runs: string[];
  readonly released: string[];
  /** [what, start, end] of every build, captured run and dynamic run, in start order. */
  readonly spans: [string, number, number][];
  readonly buffers: FakeBuffer[];
}

export function gpuLog(): GpuLog {
  return { created: [], runs: [], released: [], spans: [], buffers: [] };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Records an operation's span around `work`. */
export async function span<T>(log: GpuLog, what: string, work: () => Promise<T>): Promise<T> {
  const entry: [string, number, number] = [what, performance.now(), Number.NaN];
  log.spans.push(entry);
  try {
    return await work();
  } finally {
    entry[2] = performance.now();
  }
}

/** Spans that started before the previous one ended (none when the GPU work was serialised). */
export function overlaps(log: GpuLog): string[] {
  const found: string[] = [];
  for (let i = 1; i < log.spans.length; i++) {
    const [before, , end] = log.spans[i - 1] ?? ['', 0, 0];
    const [what, start] = log.spans[i] ?? ['', 0];
    if (!(start >= end)) found.push(`${what} started before ${before} ended`);
  }
  return found;
}

export interface FakeBackendOptions {
  /** A shape (`rows x length`) whose session fails to build. */
  readonly failShape?: string;
  /** Milliseconds a session build takes. Default 0. */
  readonly buildMs?: number;
  /** Milliseconds a captured run takes. Default 0. */
  readonly runMs?: number;
}

export function fakeBackend(log: GpuLog, options: FakeBackendOptions = {}): CaptureBackend {
  return {
    device: fakeDevice(log.buffers),
    gpuTensor: (buffer, _type, dims) => ({ buffer: buffer as unknown as FakeBuffer, dims }) satisfies FakeTensor,
    createCapturedSession: (rows, length): Promise<CaptureSession> =>
      span(log, `build ${rows}x${length}`, async () => {
        const key = `${rows}x${length}`;
        await pause(options.buildMs ?? 0);
        if (key === options.failShape) throw new Error('graph capture needs every node on the GPU');
        log.created.push(key);
        return {
          inputNames: ['input_ids', 'attention_mask'],
          run: (feeds, fetches) =>
            span(log, `run ${key}`, async () => {
              const ids = feeds['input_ids'] as FakeTensor;
              const mask = feeds['attention_mask'] as FakeTensor;
              const out = Object.values(fetches)[0] as FakeTensor;
              for (const tensor of [ids, mask, out]) (tensor.buffer as unknown as Record<symbol, unknown>)[REGISTRATION] = [1, 1];
              expect(ids.dims).toEqual([rows, length]);
              await Promise.resolve();
              await pause(options.runMs ?? 0);
              const idValues = new BigInt64Array(ids.buffer.bytes.buffer, 0, rows * length);
              const maskValues = new BigInt64Array(mask.buffer.bytes.buffer, 0, rows * length);
              const logits = new Float32Array(out.buffer.bytes.buffer, 0, rows);
              for (let row = 0; row < rows; row++) {
                const kept: number[] = [];
                for (let p = 0; p < length; p++) if (maskValues[row * length + p] === 1n) kept.push(Number(idValues[row * length + p]));
                logits[row] = fakeLogit(kept);
              }
              log.runs.push(key);
              return {};
            }),
          release: async () => {
            log.released.push(key);
          },
        };
      }),
  };
}

export function batchOf(rows: number[][]): BatchTensors {
  const length = Math.max(...rows.map((row) => row.length));
  const inputIds = new BigInt64Array(rows.length * length);
  const attentionMask = new BigInt64Array(rows.length * length);
  rows.forEach((row, r) =>
    row.forEach((id, p) => {
      inputIds[r * length + p] = BigInt(id);
      attentionMask[r * length + p] = 1n;
    }),
  );
  return { batchSize: rows.length, length, inputIds, attentionMask, tokenTypeIds: new BigInt64Array(rows.length * length) };
}

/** The WebGPU constants the runner reads, for the duration of a test. */
export function installGpuConstants(): () => void {
  Object.assign(globalThis, { GPUBufferUsage: { STORAGE: 128, COPY_DST: 8, COPY_SRC: 4, MAP_READ: 1 }, GPUMapMode: { READ: 1 } });
  return () => {
    delete (globalThis as Record<string, unknown>)['GPUBufferUsage'];
    delete (globalThis as Record<string, unknown>)['GPUMapMode'];
  };
}
