/**
 * WASM sessions side by side without a browser: the policy that picks how many, the pool that hands batches
 * to them (remote first, a failed remote's batch rerun locally, nothing lost), and the engine keeping one
 * batch in flight per session.
 */
import { describe, expect, it } from 'vitest';
import type { BatchTensors } from '../../src/engine/batching.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import { estimateWeightBytes } from '../../src/runtime/capture-policy.js';
import { SessionPool, type BatchRunner } from '../../src/runtime/session-pool.js';
import { AUTO_SESSIONS_WEIGHT_BYTES, planWasmParallelism, type WasmParallelInput } from '../../src/runtime/wasm-parallel-policy.js';
import { RerankerError } from '../../src/shared/errors.js';
import { validateCreateOptions } from '../../src/shared/validate.js';
import { fakeLoader, fakeLogit, type FakeModelControls } from './fake-model.js';

const MINILM_L6 = { model_type: 'bert', vocab_size: 30522, hidden_size: 384, num_hidden_layers: 6, intermediate_size: 1536 };
const XLMR_BASE = { model_type: 'xlm-roberta', vocab_size: 250002, hidden_size: 768, num_hidden_layers: 12, intermediate_size: 3072 };

const input = (overrides: Partial<WasmParallelInput> = {}): WasmParallelInput => ({
  request: 'auto',
  cores: 2,
  crossOriginIsolated: true,
  weightBytes: estimateWeightBytes(MINILM_L6, 'q8'),
  refetchesModel: false,
  ...overrides,
});

describe('planWasmParallelism', () => {
  it('runs one single-threaded session per core for a MiniLM-size model, at most 4', () => {
    expect(planWasmParallelism(input())).toMatchObject({ sessions: 2, threadsPerSession: 1 });
    expect(planWasmParallelism(input({ cores: 16 }))).toMatchObject({ sessions: 4, threadsPerSession: 1 });
    expect(planWasmParallelism(input({ crossOriginIsolated: false }))).toMatchObject({ sessions: 2, threadsPerSession: 1 });
  });

  it('keeps the copies under the weight budget: bge-reranker-base size gets one session, with threads when isolated', () => {
    const weightBytes = estimateWeightBytes(XLMR_BASE, 'q8');
    expect(weightBytes).toBeGreaterThan(AUTO_SESSIONS_WEIGHT_BYTES / 2);
    expect(planWasmParallelism(input({ cores: 8, weightBytes }))).toMatchObject({ sessions: 1, threadsPerSession: 4 });
    expect(planWasmParallelism(input({ cores: 8, weightBytes, crossOriginIsolated: false }))).toMatchObject({ sessions: 1, threadsPerSession: 1 });
    // fp32 MiniLM (about 85 MB): three copies fit, four do not.
    const fp32 = estimateWeightBytes(MINILM_L6, 'fp32') ?? 0;
    expect(fp32 * 3).toBeLessThan(AUTO_SESSIONS_WEIGHT_BYTES);
    expect(fp32 * 4).toBeGreaterThan(AUTO_SESSIONS_WEIGHT_BYTES);
    const plan = planWasmParallelism(input({ cores: 8, weightBytes: fp32 }));
    expect(plan.sessions).toBe(3);
    expect(plan.reason).toMatch(/limited by the weights/);
  });

  it('one core, no browser cache, or unknown weights: one session', () => {
    expect(planWasmParallelism(input({ cores: 1 }))).toMatchObject({ sessions: 1, threadsPerSession: 1 });
    const refetch = planWasmParallelism(input({ refetchesModel: true }));
    expect(refetch.sessions).toBe(1);
    expect(refetch.reason).toMatch(/useBrowserCache: false/);
    expect(planWasmParallelism(input({ weightBytes: undefined })).sessions).toBe(1);
  });

  it('a number asks for that many, each on one thread; one asked-for session keeps the thread policy', () => {
    expect(planWasmParallelism(input({ request: 3, refetchesModel: true }))).toMatchObject({ sessions: 3, threadsPerSession: 1 });
    expect(planWasmParallelism(input({ request: 1, cores: 4 }))).toMatchObject({ sessions: 1, threadsPerSession: 3 });
  });

  it('validateCreateOptions accepts auto and 1..8 and names wasmSessions otherwise', () => {
    for (const wasmSessions of ['auto', 1, 8] as const) expect(() => validateCreateOptions({ model: 'm', wasmSessions })).not.toThrow();
    for (const wasmSessions of [0, 9, 1.5, '2', true]) {
      expect(() => validateCreateOptions({ model: 'm', wasmSessions })).toThrow(/wasmSessions must be 'auto' or an integer from 1 to 8/);
    }
  });
});

function batchOf(tag: number): BatchTensors {
  return {
    batchSize: 1,
    length: 1,
    inputIds: BigInt64Array.of(BigInt(tag)),
    attentionMask: BigInt64Array.of(1n),
    tokenTypeIds: BigInt64Array.of(0n),
  };
}

/** A runner whose runs wait until released by hand, recording the batches it got. */
class HeldRunner implements BatchRunner {
  readonly got: number[] = [];
  readonly #pending: { resolve: (value: Float32Array) => void; reject: (error: Error) => void; tag: number }[] = [];
  running = 0;
  maxRunning = 0;
  disposed = false;

  run(batch: BatchTensors): Promise<Float32Array> {
    const tag = Number(batch.inputIds[0]);
    this.got.push(tag);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject, tag }));
  }

  finish(error?: Error): void {
    const next = this.#pending.shift();
    if (next === undefined) throw new Error('nothing is running');
    this.running -= 1;
    if (error === undefined) next.resolve(Float32Array.of(next.tag * 10));
    else next.reject(error);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('SessionPool', () => {
  it('hands batches to free remote sessions before the local one, and queues the rest in order', async () => {
    const local = new HeldRunner();
    const remote = new HeldRunner();
    const pool = new SessionPool(local, [remote]);
    expect(pool.size).toBe(2);
    const results = [1, 2, 3, 4].map((tag) => pool.run(batchOf(tag)));
    await tick();
    expect(remote.got).toEqual([1]);
    expect(local.got).toEqual([2]);
    local.finish();
    await tick();
    expect(local.got).toEqual([2, 3]);
    remote.finish();
    await tick();
    expect(remote.got).toEqual([1, 4]);
    local.finish();
    remote.finish();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4].map((tag) => Float32Array.of(tag * 10)));
    expect(Math.max(local.maxRunning, remote.maxRunning)).toBe(1);
  });

  it('reruns a batch a remote session failed on locally, and drops that remote when the local run succeeds', async () => {
    const local = new HeldRunner();
    const remote = new HeldRunner();
    const pool = new SessionPool(local, [remote]);
    const first = pool.run(batchOf(7));
    await tick();
    remote.finish(new Error('worker stopped'));
    await tick();
    expect(local.got).toEqual([7]);
    local.finish();
    expect(await first).toEqual(Float32Array.of(70));
    expect(pool.size).toBe(1);
    expect(remote.disposed).toBe(true);
    const second = pool.run(batchOf(8));
    await tick();
    expect(local.got).toEqual([7, 8]);
    expect(remote.got).toEqual([7]);
    local.finish();
    expect(await second).toEqual(Float32Array.of(80));
  });

  it('a batch that fails locally too is the batch\'s fault: its error is thrown and the remote stays', async () => {
    const local = new HeldRunner();
    const remote = new HeldRunner();
    const pool = new SessionPool(local, [remote]);
    const run = pool.run(batchOf(5));
    await tick();
    remote.finish(new Error('bad batch'));
    await tick();
    local.finish(new Error('bad batch here too'));
    await expect(run).rejects.toThrow('bad batch here too');
    expect(pool.size).toBe(2);
    const next = pool.run(batchOf(6));
    await tick();
    expect(remote.got).toEqual([5, 6]);
    remote.finish();
    expect(await next).toEqual(Float32Array.of(60));
  });

  it('a failed remote\'s batch goes before batches waiting for any session', async () => {
    const local = new HeldRunner();
    const remote = new HeldRunner();
    const pool = new SessionPool(local, [remote]);
    const runs = [1, 2, 3].map((tag) => pool.run(batchOf(tag)));
    await tick();
    remote.finish(new Error('worker stopped'));
    await tick();
    local.finish();
    await tick();
    expect(local.got).toEqual([2, 1]);
    local.finish();
    await tick();
    expect(local.got).toEqual([2, 1, 3]);
    local.finish();
    expect(await Promise.all(runs)).toEqual([1, 2, 3].map((tag) => Float32Array.of(tag * 10)));
  });

  it('after a local run it yields to pending events before handing out the next batch, so remote replies are read', async () => {
    const order: string[] = [];
    const local: BatchRunner = {
      run: async (batch) => {
        order.push(`local ${Number(batch.inputIds[0])}`);
        return Float32Array.of(0);
      },
      dispose: async () => undefined,
    };
    const remote = new HeldRunner();
    const pool = new SessionPool(local, [remote], async () => {
      order.push('yield');
      // A remote reply that arrived while the local session computed is read here.
      if (remote.running > 0) remote.finish();
    });
    const runs = [1, 2, 3].map((tag) => pool.run(batchOf(tag)));
    await tick();
    await tick();
    // Batch 3 went to the remote once its reply for batch 1 was read, not to the local session again.
    expect(remote.got).toEqual([1, 3]);
    expect(order.slice(0, 2)).toEqual(['local 2', 'yield']);
    remote.finish();
    expect(await Promise.all(runs)).toEqual([Float32Array.of(10), Float32Array.of(0), Float32Array.of(30)]);
  });

  it('a session that joins takes a waiting batch at once, and counts as planned while it loads', async () => {
    const local = new HeldRunner();
    const pool = new SessionPool(local, []);
    let started: (runner: BatchRunner) => void = () => undefined;
    const remote = new HeldRunner();
    pool.join(new Promise<BatchRunner>((resolve) => (started = resolve)));
    expect(pool.size).toBe(1);
    expect(pool.planned).toBe(2);
    const runs = [1, 2].map((tag) => pool.run(batchOf(tag)));
    await tick();
    expect(local.got).toEqual([1]);
    started(remote);
    await tick();
    expect(remote.got).toEqual([2]);
    expect(pool.size).toBe(2);
    expect(pool.planned).toBe(2);
    local.finish();
    remote.finish();
    expect(await Promise.all(runs)).toEqual([Float32Array.of(10), Float32Array.of(20)]);
  });

  it('while a session is still loading, each local run yields to pending events, so its messages are read', async () => {
    let yields = 0;
    const local: BatchRunner = { run: async () => Float32Array.of(0), dispose: async () => undefined };
    const pool = new SessionPool(local, [], async () => {
      yields += 1;
    });
    await pool.run(batchOf(1));
    expect(yields).toBe(0);
    pool.join(new Promise<BatchRunner>(() => undefined));
    await pool.run(batchOf(2));
    expect(yields).toBe(1);
  });

  it('a session that fails to start is left out: waiting batches run on the others', async () => {
    const local = new HeldRunner();
    const pool = new SessionPool(local, []);
    let failStart: (error: Error) => void = () => undefined;
    pool.join(new Promise<BatchRunner>((_, reject) => (failStart = reject)));
    const runs = [1, 2].map((tag) => pool.run(batchOf(tag)));
    await tick();
    failStart(new Error('no memory for another copy'));
    await tick();
    expect(pool.planned).toBe(1);
    local.finish();
    await tick();
    local.finish();
    expect(await Promise.all(runs)).toEqual([Float32Array.of(10), Float32Array.of(20)]);
    expect(local.got).toEqual([1, 2]);
  });

  it('a session that starts after dispose is disposed, never used', async () => {
    const pool = new SessionPool(new HeldRunner(), []);
    let started: (runner: BatchRunner) => void = () => undefined;
    pool.join(new Promise<BatchRunner>((resolve) => (started = resolve)));
    await pool.dispose();
    const late = new HeldRunner();
    started(late);
    await tick();
    expect(late.disposed).toBe(true);
    expect(late.got).toEqual([]);
  });

  it('dispose disposes every session', async () => {
    const local = new HeldRunner();
    const remotes = [new HeldRunner(), new HeldRunner()];
    await new SessionPool(local, remotes).dispose();
    expect([local, ...remotes].every((runner) => runner.disposed)).toBe(true);
  });
});

describe('the engine with sessions side by side', () => {
  async function engineWith(parallelRuns: number, controls: FakeModelControls): Promise<RerankEngine> {
    const base = fakeLoader(controls, 64);
    const engine = new RerankEngine(async (request, progress) => ({ ...(await base(request, progress)), maxBatchRows: 1, parallelRuns }));
    await engine.load({ model: 'fake' });
    return engine;
  }

  it('warms the model once, keeps one batch in flight per session and returns every score', async () => {
    let running = 0;
    let maxRunning = 0;
    const controls: FakeModelControls = {
      batches: [],
      disposed: false,
      gate: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running -= 1;
      },
    };
    const engine = await engineWith(3, controls);
    expect(controls.batches).toHaveLength(1);
    expect(engine.info.wasmSessions).toBe(3);
    maxRunning = 0;
    const documents = Array.from({ length: 10 }, (_, index) => `passage ${'x'.repeat(index)}`);
    const results = await engine.rerank(1, 'q', documents);
    expect(maxRunning).toBe(3);
    expect(controls.batches).toHaveLength(11);
    const expected = documents.map((document) => fakeLogit([101, ...Array.from('q', (c) => 1000 + (c.codePointAt(0) ?? 0)), 102, ...Array.from(document, (c) => 1000 + (c.codePointAt(0) ?? 0)), 102]));
    for (const result of results) expect(result.score).toBeCloseTo(expected[result.index] as number, 6);
    expect(results).toHaveLength(10);
  });

  it('a failing batch rejects the call once the batches in flight have ended; the next call runs normally', async () => {
    let running = 0;
    const controls: FakeModelControls = {
      batches: [],
      disposed: false,
      gate: async () => {
        running += 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
        running -= 1;
      },
    };
    const engine = await engineWith(2, controls);
    const before = controls.batches.length;
    controls.failNextRun = new Error('session failed');
    const failed = engine.rerank(2, 'q', ['a', 'bb', 'ccc', 'dddd', 'eeeee']);
    await expect(failed).rejects.toMatchObject({ code: 'inference-failed' });
    expect(running).toBe(0);
    // No lane started a batch after the failure: at most the one that failed and the one beside it ran.
    expect(controls.batches.length - before).toBeLessThanOrEqual(3);
    const next = await engine.rerank(3, 'q', ['a', 'bb']);
    expect(next).toHaveLength(2);
  });

  it('an abort stops further batches; the call rejects with aborted', async () => {
    const controls: FakeModelControls = { batches: [], disposed: false, gate: () => new Promise((resolve) => setTimeout(resolve, 2)) };
    const engine = await engineWith(2, controls);
    const before = controls.batches.length;
    const call = engine.rerank(4, 'q', Array.from({ length: 20 }, (_, index) => 'p'.repeat(index + 1)));
    setTimeout(() => engine.abort(4), 3);
    await expect(call).rejects.toBeInstanceOf(RerankerError);
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    expect(controls.batches.length - before).toBeLessThan(20);
  });
});
