/**
 * The WebGPU runner (src/runtime/webgpu-runner.ts) over a fake GPU (fake-gpu.ts): a shape without a captured
 * session runs on the dynamic session at once and is built in idle time, most used first; every GPU operation
 * goes through one queue; the preloaded shape is built before anything queued after it; dispose and build
 * failures leave nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchTensors } from '../../src/engine/batching.js';
import { createWebGpuRunner, type CaptureShape, type WebGpuRunner } from '../../src/runtime/webgpu-runner.js';
import { batchOf, fakeBackend, gpuLog, overlaps, span, type FakeBackendOptions, type GpuLog } from './fake-gpu.js';
import { fakeLoader, fakeLogit, type FakeModelControls } from './fake-model.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import type { GraphCaptureState } from '../../src/shared/types.js';

const SHAPES: readonly CaptureShape[] = [
  { length: 8, rows: 4 },
  { length: 16, rows: 2 },
];

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Setup {
  readonly runner: WebGpuRunner;
  readonly log: GpuLog;
  readonly dynamic: BatchTensors[];
}

function setup(backend: FakeBackendOptions = {}, extra: { preload?: CaptureShape; idleQuietMs?: number; dynamicMs?: number } = {}): Setup {
  const log = gpuLog();
  const dynamic: BatchTensors[] = [];
  const runner = createWebGpuRunner({
    backend: fakeBackend(log, backend),
    padTokenId: 0,
    inputNames: ['input_ids', 'attention_mask'],
    outputName: 'logits',
    outputWidth: 1,
    shapes: SHAPES,
    // The dynamic session scores as the captured one does (fakeLogit of the unpadded row) but counts apart.
    runDynamic: (batch) =>
      span(log, `dynamic ${batch.batchSize}x${batch.length}`, async () => {
        dynamic.push(batch);
        await pause(extra.dynamicMs ?? 0);
        return Float32Array.from({ length: batch.batchSize }, (_, row) => {
          const ids: number[] = [];
          for (let p = 0; p < batch.length; p++) if (batch.attentionMask[row * batch.length + p] === 1n) ids.push(Number(batch.inputIds[row * batch.length + p]));
          return fakeLogit(ids);
        });
      }),
    idleQuietMs: extra.idleQuietMs ?? 1,
    ...(extra.preload === undefined ? {} : { preload: extra.preload }),
  });
  return { runner, log, dynamic };
}

const SHORT = [[5, 6, 7], [9, 9], [1, 2, 3, 4, 5]];
const LONG = [Array.from({ length: 12 }, (_, i) => i + 1)];
const expected = (rows: number[][]): number[] => rows.map((row) => Math.fround(fakeLogit(row)));

describe('createWebGpuRunner: captured sessions built in idle time', () => {
  let restore: () => void = () => undefined;
  beforeEach(async () => {
    restore = (await import('./fake-gpu.js')).installGpuConstants();
  });
  afterEach(() => restore());

  it('runs the first batch of a new shape on the dynamic session without waiting for a build, builds it after, then replays it', async () => {
    const { runner, log, dynamic } = setup({ buildMs: 20 });
    const first = await runner.run(batchOf(SHORT));
    // Back at once: nothing was built, the batch ran dynamically, and the shape waits for idle time.
    expect(log.created).toEqual([]);
    expect(dynamic).toHaveLength(1);
    expect([...first]).toEqual(expected(SHORT));
    expect(runner.stats()).toMatchObject({ pendingShapes: ['4x8'], capturedShapes: [], dynamicBatches: 1, capturedBatches: 0 });
    const settled = await runner.settled();
    expect(log.created).toEqual(['4x8']);
    // Built with its three warm-up runs (run, capture, first replay) on a dummy batch.
    expect(log.runs).toEqual(['4x8', '4x8', '4x8']);
    expect(settled).toMatchObject({ capturedShapes: ['4x8'], pendingShapes: [], sessions: 1 });
    const second = await runner.run(batchOf(SHORT.slice(0, 2)));
    expect([...second]).toEqual(expected(SHORT.slice(0, 2)));
    expect(log.runs).toHaveLength(4);
    expect(dynamic).toHaveLength(1);
    expect(runner.stats()).toMatchObject({ capturedBatches: 1, dynamicBatches: 1, paddedTokens: 32, requestedTokens: 2 * 3 });
    expect(overlaps(log)).toEqual([]);
    await runner.dispose();
  });

  it('builds nothing while batches keep coming, then the most used shape first, one at a time', async () => {
    // A long quiet spell: back-to-back batches never leave the queue idle that long.
    const { runner, log } = setup({ buildMs: 5 }, { idleQuietMs: 40 });
    await runner.run(batchOf(LONG));
    for (let i = 0; i < 3; i++) await runner.run(batchOf(SHORT));
    expect(log.created).toEqual([]);
    expect(runner.stats().pendingShapes).toEqual(['4x8', '2x16']);
    await runner.settled();
    expect(log.created).toEqual(['4x8', '2x16']);
    await runner.dispose();
  });

  it('makes a call that arrives during a build wait for that build only, and leaves the next build to the next idle time', async () => {
    const { runner, log, dynamic } = setup({ buildMs: 30 }, { idleQuietMs: 5 });
    await runner.run(batchOf(SHORT));
    await runner.run(batchOf(SHORT));
    await runner.run(batchOf(LONG));
    while (log.created.length === 0 && !log.spans.some(([what]) => what.startsWith('build'))) await pause(1);
    // 4x8 is being built: this batch of the other shape queues behind it and runs dynamically.
    const during = await runner.run(batchOf(LONG));
    expect([...during]).toEqual(expected(LONG));
    expect(log.created).toEqual(['4x8']);
    expect(log.spans.filter(([what]) => what.startsWith('build')).map(([what]) => what)).toEqual(['build 4x8']);
    expect(dynamic.map((batch) => batch.length)).toEqual([5, 5, 12, 12]);
    expect(runner.stats().pendingShapes).toEqual(['2x16']);
    // A batch of the shape just built replays it.
    await runner.run(batchOf(SHORT));
    expect(runner.stats().capturedBatches).toBe(1);
    await runner.settled();
    expect(log.created).toEqual(['4x8', '2x16']);
    expect(overlaps(log)).toEqual([]);
    await runner.dispose();
  });

  it('never lets two GPU operations overlap, whatever arrives while builds and runs are in flight', async () => {
    const { runner, log } = setup({ buildMs: 4, runMs: 2 }, { idleQuietMs: 0, dynamicMs: 2 });
    const calls: Promise<Float32Array>[] = [];
    for (let i = 0; i < 12; i++) {
      calls.push(runner.run(batchOf(i % 3 === 0 ? LONG : SHORT)));
      await pause(i % 4 === 0 ? 10 : 0);
    }
    const results = await Promise.all(calls);
    results.forEach((values, i) => expect([...values]).toEqual(expected(i % 3 === 0 ? LONG : SHORT)));
    await runner.settled();
    await runner.run(batchOf(LONG));
    expect(log.created.sort()).toEqual(['2x16', '4x8']);
    expect(log.spans.length).toBeGreaterThan(12 + 2);
    expect(overlaps(log)).toEqual([]);
    await runner.dispose();
  });

  it('builds the preloaded shape before anything queued after it, and a graph that cannot be captured is known by then', async () => {
    const ok = setup({ buildMs: 10 }, { preload: SHAPES[1] });
    await ok.runner.run(batchOf(SHORT));
    expect(ok.log.created).toEqual(['2x16']);
    expect(ok.log.spans[0]?.[0]).toBe('build 2x16');
    await ok.runner.dispose();

    const refused = setup({ failShape: '2x16' }, { preload: SHAPES[1] });
    await refused.runner.run(batchOf(SHORT));
    expect(refused.runner.disabledReason).toBe('graph capture needs every node on the GPU');
    // Disabled: no shape is captured, no idle build starts, every batch runs dynamically.
    expect(refused.runner.shapeFor(1, 4)).toBeUndefined();
    expect(await refused.runner.settled()).toMatchObject({ pendingShapes: [], failedShapes: ['2x16: graph capture needs every node on the GPU'] });
    await pause(10);
    expect(refused.log.created).toEqual([]);
    expect(refused.dynamic).toHaveLength(1);
    await refused.runner.dispose();
  });

  it('remembers a shape that failed to build and keeps capturing the others', async () => {
    const { runner, log, dynamic } = setup({ failShape: '2x16' });
    await runner.run(batchOf(SHORT));
    await runner.settled();
    await runner.run(batchOf(LONG));
    const stats = await runner.settled();
    // The first shape was captured, so a later shape's failure does not disable capture.
    expect(runner.disabledReason).toBeUndefined();
    expect(stats.failedShapes).toEqual(['2x16: graph capture needs every node on the GPU']);
    expect(runner.shapeFor(1, 12)).toBeUndefined();
    expect([...(await runner.run(batchOf(LONG)))]).toEqual(expected(LONG));
    expect([...(await runner.run(batchOf(SHORT)))]).toEqual(expected(SHORT));
    expect(dynamic.map((batch) => batch.length)).toEqual([5, 12, 12]);
    expect(log.created).toEqual(['4x8']);
    // Its buffers were freed when the build failed.
    expect(log.buffers.filter((buffer) => !buffer.destroyed)).toHaveLength(4);
    await runner.dispose();
    expect(log.buffers.every((buffer) => buffer.destroyed)).toBe(true);
  });

  it('disposed during a build: waits for it, frees its session and buffers, and builds nothing after', async () => {
    const { runner, log } = setup({ buildMs: 30 }, { idleQuietMs: 0 });
    await runner.run(batchOf(SHORT));
    await runner.run(batchOf(LONG));
    while (!log.spans.some(([what]) => what.startsWith('build'))) await pause(1);
    const settled = runner.settled();
    await runner.dispose();
    await settled;
    const builds = log.spans.filter(([what]) => what.startsWith('build')).length;
    await pause(50);
    expect(log.spans.filter(([what]) => what.startsWith('build')).length).toBe(builds);
    expect(builds).toBe(1);
    expect(log.released).toEqual(log.created);
    expect(log.buffers.length).toBeGreaterThan(0);
    expect(log.buffers.every((buffer) => buffer.destroyed)).toBe(true);
    expect(runner.stats()).toMatchObject({ sessions: 0, capturedShapes: [], pendingShapes: [] });
    await expect(runner.run(batchOf(SHORT))).rejects.toThrow(/disposed/);
  });
});

describe('lastTimings().graphCapture', () => {
  it("reports the model's capture state as it is when asked, not as it was when the call ended, and nothing without capture", async () => {
    const controls: FakeModelControls = { batches: [], disposed: false };
    const base = fakeLoader(controls, 64);
    let state: GraphCaptureState = { capturedShapes: [], pendingShapes: ['4x8'], failedShapes: [], capturedBatches: 0, dynamicBatches: 1 };
    const engine = new RerankEngine(async (request, progress) => ({ ...(await base(request, progress)), graphCaptureState: () => state }));
    await engine.load({ model: 'fake' });
    await engine.rerank(1, 'q?', ['a', 'b']);
    expect(engine.lastTimings()).toMatchObject({ pairs: 2, graphCapture: { pendingShapes: ['4x8'] } });
    state = { ...state, capturedShapes: ['4x8'], pendingShapes: [] };
    expect(engine.lastTimings()?.graphCapture).toEqual(state);

    const plain = new RerankEngine(fakeLoader({ batches: [], disposed: false }, 64));
    await plain.load({ model: 'fake' });
    await plain.rerank(1, 'q?', ['a']);
    expect(plain.lastTimings()).not.toHaveProperty('graphCapture');
  });
});
