/**
 * The dense scan's WebAssembly SIMD kernel (dot-kernel.wat): the corpus vectors live in its memory, rows
 * zero-padded to a multiple of 16 floats, and one call scores every row against the query, about 3x faster than
 * the scalar JavaScript loop (docs/benchmarks.md#search). `DotKernel.create` answers `undefined` where
 * WebAssembly SIMD is missing or a Content-Security-Policy forbids compiling WebAssembly; the index then scans in
 * JavaScript.
 */
import { DOT_KERNEL_WASM_BASE64 } from './dot-kernel-wasm.js';

const PAGE = 65_536;

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly scores: (query: number, rows: number, count: number, strideBytes: number, out: number) => void;
}

let compiled: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Uint8Array.from(atob(DOT_KERNEL_WASM_BASE64), (char) => char.charCodeAt(0));
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null; // no WebAssembly, or CSP without 'wasm-unsafe-eval'
  }
  return compiled;
}

/** Floats per stored row: `dimensions` rounded up to the kernel's 16-float step. */
export function paddedStride(dimensions: number): number {
  return Math.ceil(dimensions / 16) * 16;
}

export class DotKernel {
  readonly stride: number;
  readonly #exports: KernelExports;
  #capacity = 0;
  #rows!: Float32Array;

  private constructor(stride: number, exports: KernelExports) {
    this.stride = stride;
    this.#exports = exports;
  }

  /** A kernel for rows of `stride` floats (a multiple of 16), or `undefined` where it cannot run here. */
  static create(stride: number, capacity: number): DotKernel | undefined {
    const module = kernelModule();
    if (module === null) return undefined;
    const kernel = new DotKernel(stride, new WebAssembly.Instance(module).exports as unknown as KernelExports);
    kernel.reserve(capacity);
    return kernel;
  }

  /** Bytes before the rows: the query. */
  get #rowsAt(): number {
    return this.stride * 4;
  }

  /** Room for `capacity` rows (the rows already written stay); throws a RangeError when memory cannot grow. */
  reserve(capacity: number): void {
    if (capacity <= this.#capacity && this.#rows !== undefined) return;
    const need = this.#rowsAt + capacity * this.stride * 4 + capacity * 4;
    const memory = this.#exports.memory;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
    this.#capacity = Math.max(capacity, this.#capacity);
    this.#rows = new Float32Array(memory.buffer, this.#rowsAt, this.#capacity * this.stride);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The rows, `capacity * stride` floats (a view: take it again after `reserve`). */
  get rows(): Float32Array {
    return this.#rows;
  }

  /** Scores of the first `count` rows against `query` (`dimensions` floats), a view valid until the next call. */
  scores(query: Float32Array, count: number): Float32Array {
    const buffer = this.#exports.memory.buffer;
    const padded = new Float32Array(buffer, 0, this.stride);
    padded.fill(0);
    padded.set(query);
    const out = this.#rowsAt + this.#capacity * this.stride * 4;
    this.#exports.scores(0, this.#rowsAt, count, this.stride * 4, out);
    return new Float32Array(buffer, out, count);
  }
}
