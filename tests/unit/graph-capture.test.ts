/**
 * Graph capture without a GPU: the policy that turns it on, the shapes it captures and the one built during
 * the load, and the engine's bucketed batches. The runner itself: idle-capture.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BatchTensors } from '../../src/engine/batching.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import { AUTO_CAPTURE_BYTES, captureShapes, estimateWeightBytes, planGraphCapture, preloadShape, type CapturePolicyInput } from '../../src/runtime/capture-policy.js';
import { validateCreateOptions } from '../../src/shared/validate.js';
import { fakeLoader, fakeLogit, type FakeModelControls } from './fake-model.js';

const MINILM_L6 = { model_type: 'bert', vocab_size: 30522, hidden_size: 384, num_hidden_layers: 6, intermediate_size: 1536, max_position_embeddings: 512 };
const XLMR_BASE = { model_type: 'xlm-roberta', vocab_size: 250002, hidden_size: 768, num_hidden_layers: 12, intermediate_size: 3072, max_position_embeddings: 514 };

const webgpu = (overrides: Partial<CapturePolicyInput> = {}): CapturePolicyInput => ({
  request: 'auto',
  device: 'webgpu',
  dtype: 'fp32',
  weightBytes: estimateWeightBytes(MINILM_L6, 'fp32'),
  maxLength: 512,
  batchTokenBudget: 4096,
  maxBatchRows: 64,
  outputWidth: 1,
  refetchesModel: false,
  ...overrides,
});

describe('planGraphCapture', () => {
  it('captures a MiniLM-L6-size fp32 model on WebGPU by default, one shape per length bucket, finer buckets included', () => {
    const plan = planGraphCapture(webgpu());
    expect(plan.enabled).toBe(true);
    // 90 MB of weights x (8 shapes + the dynamic session) fits in 1 GiB, so the finer buckets are captured too.
    expect(plan.shapes).toEqual([
      { length: 32, rows: 64 },
      { length: 64, rows: 64 },
      { length: 96, rows: 42 },
      { length: 128, rows: 32 },
      { length: 192, rows: 21 },
      { length: 256, rows: 16 },
      { length: 320, rows: 12 },
      { length: 384, rows: 10 },
      { length: 512, rows: 8 },
    ]);
    expect(plan.reason).toContain('64x32, 64x64, 42x96, 32x128, 21x192, 16x256, 12x320, 10x384, 8x512');
    // The shape most pairs pad to is built during the load; the others in idle time after first use.
    expect(plan.preload).toEqual({ length: 128, rows: 32 });
    expect(plan.reason).toContain('32x128 during the load, the others in idle time after first use');
  });

  it('preloads the first shape of 128 tokens or more, or the longest when all are shorter', () => {
    expect(preloadShape(captureShapes(512, 4096, 64))).toEqual({ length: 128, rows: 32 });
    expect(preloadShape(captureShapes(200, 4096, 64, undefined, [32, 64, 160]))).toEqual({ length: 160, rows: 25 });
    expect(preloadShape(captureShapes(64, 4096, 64))).toEqual({ length: 64, rows: 64 });
    expect(preloadShape([])).toBeUndefined();
    expect(planGraphCapture(webgpu({ request: false })).preload).toBeUndefined();
  });

  it('falls back to power-of-two buckets when the finer ones would take too many copies of the weights', () => {
    // 150 MB: 10 copies exceed 1 GiB, the 6 of the power-of-two buckets do not.
    const plan = planGraphCapture(webgpu({ weightBytes: 150e6 }));
    expect(plan.enabled).toBe(true);
    expect(plan.shapes.map((shape) => shape.length)).toEqual([32, 64, 128, 256, 512]);
    expect(plan.reason).toMatch(/powers of two only: the copies of the weights for finer ones would exceed 1 GiB/);
    // Forced: the same buckets (finer ones only within 1 GiB), not more sessions up to the 3 GiB limit.
    expect(planGraphCapture(webgpu({ weightBytes: 150e6, request: true })).shapes).toHaveLength(5);
    // Unknown size, forced: the power-of-two buckets, saying why.
    const unknown = planGraphCapture(webgpu({ weightBytes: undefined, request: true }));
    expect(unknown.shapes.map((shape) => shape.length)).toEqual([32, 64, 128, 256, 512]);
    expect(unknown.reason).toMatch(/model size is unknown/);
    // Under 'auto' a model past 1 GiB for the power-of-two buckets stays uncaptured, as before.
    expect(planGraphCapture(webgpu({ weightBytes: 200e6 })).enabled).toBe(false);
  });

  it('leaves large models to the dynamic session under auto, and captures them when asked', () => {
    const big = webgpu({ dtype: 'fp16', weightBytes: estimateWeightBytes(XLMR_BASE, 'fp16') });
    const auto = planGraphCapture(big);
    expect(auto.enabled).toBe(false);
    expect(auto.reason).toMatch(/webgpuGraphCapture: true/);
    expect(planGraphCapture({ ...big, request: true }).enabled).toBe(true);
    expect(planGraphCapture(webgpu({ weightBytes: undefined })).enabled).toBe(false);
    expect(planGraphCapture(webgpu({ weightBytes: undefined, request: true })).enabled).toBe(true);
  });

  it('keeps only the longest buckets when forced on a model whose copies would not fit in WebAssembly memory', () => {
    const xlmr = estimateWeightBytes(XLMR_BASE, 'fp32') ?? 0;
    const plan = planGraphCapture(webgpu({ request: true, weightBytes: xlmr, maxLength: 128 }));
    expect(plan.shapes).toEqual([{ length: 128, rows: 32 }]);
    expect(plan.reason).toMatch(/only the longest 1/);
    expect(planGraphCapture(webgpu({ request: true, weightBytes: 2e9 })).enabled).toBe(false);
  });

  it('leaves capture off under auto when every captured shape would download the model again', () => {
    const plan = planGraphCapture(webgpu({ refetchesModel: true }));
    expect(plan.enabled).toBe(false);
    expect(plan.reason).toMatch(/useBrowserCache: false/);
    expect(planGraphCapture(webgpu({ refetchesModel: true, request: true })).enabled).toBe(true);
  });

  it('never captures on WASM, for q8, when turned off, or without a fixed output width', () => {
    expect(planGraphCapture(webgpu({ device: 'wasm', request: true })).reason).toMatch(/WASM/);
    expect(planGraphCapture(webgpu({ dtype: 'q8', maxBatchRows: 1, request: true })).reason).toMatch(/q8/);
    expect(planGraphCapture(webgpu({ request: false })).enabled).toBe(false);
    expect(planGraphCapture(webgpu({ outputWidth: undefined, request: true })).enabled).toBe(false);
  });

  it('ends the buckets at maxLength and gives every bucket at least one row', () => {
    expect(captureShapes(200, 4096, 64)).toEqual([
      { length: 32, rows: 64 },
      { length: 64, rows: 64 },
      { length: 128, rows: 32 },
      { length: 200, rows: 20 },
    ]);
    expect(captureShapes(1024, 512, 64).at(-1)).toEqual({ length: 1024, rows: 1 });
  });
});

describe('the webgpuGraphCapture option', () => {
  it("takes 'auto', true and false, and refuses anything else by name", () => {
    for (const value of ['auto', true, false, undefined]) expect(() => validateCreateOptions({ model: 'm', webgpuGraphCapture: value })).not.toThrow();
    for (const value of ['on', 1, null, {}]) {
      expect(() => validateCreateOptions({ model: 'm', webgpuGraphCapture: value })).toThrow(
        expect.objectContaining({ code: 'invalid-input', details: { argument: 'webgpuGraphCapture' } }),
      );
    }
  });
});

describe('estimateWeightBytes', () => {
  it('lands near the real exports (MiniLM-L6 fp32 91 MB, bge-reranker-base fp32 1.11 GB)', () => {
    expect((estimateWeightBytes(MINILM_L6, 'fp32') ?? 0) / 91e6).toBeCloseTo(1, 1);
    expect((estimateWeightBytes(XLMR_BASE, 'fp32') ?? 0) / 1.11e9).toBeCloseTo(1, 1);
    expect(estimateWeightBytes(MINILM_L6, 'fp32')! * 6).toBeLessThan(AUTO_CAPTURE_BYTES);
    expect(estimateWeightBytes({ hidden_size: 8 }, 'fp32')).toBeUndefined();
  });

  it("counts a q4 file's embedding table in fp32, as the exports keep it (Qwen3-Reranker-0.6B's shape: a 901 MB file)", () => {
    // Qwen3-Reranker-0.6B's config; model_q4.onnx of make_export_models.py is 900,979,941 bytes, 622 MB of
    // them the fp32 table (151,936 x 1,024). Counted at the MatMul rate (0.6 bytes) it was 347 MB.
    const qwen3 = { model_type: 'qwen3', vocab_size: 151_936, hidden_size: 1024, num_hidden_layers: 28, intermediate_size: 3072, max_position_embeddings: 40_960 };
    const q4 = estimateWeightBytes(qwen3, 'q4') ?? 0;
    expect(q4 / 900_979_941).toBeGreaterThan(0.9);
    expect(q4 / 900_979_941).toBeLessThan(1.2);
    // The fp32 estimate (2.4 GB of export) is untouched: only the table's rate differs in q4.
    expect((estimateWeightBytes(qwen3, 'fp32') ?? 0) / 2.38e9).toBeGreaterThan(0.9);
  });
});

describe('the engine with bucketed batch lengths', () => {
  it('pads every batch to a bucket and keeps each pair its unpadded score', async () => {
    const controls: FakeModelControls = { batches: [], disposed: false };
    const base = fakeLoader(controls, 64);
    const engine = new RerankEngine(async (request, progress) => ({ ...(await base(request, progress)), batchLengths: [16, 32, 64] }));
    await engine.load({ model: 'fake', batchTokenBudget: 512 });
    controls.batches.length = 0;
    const documents = ['a', 'bb bb', 'a much longer passage about many things', 'x'.repeat(40), 'mid length text'];
    const results = await engine.rerank(1, 'q?', documents);
    expect(controls.batches.map((batch) => batch.length).every((length) => [16, 32, 64].includes(length))).toBe(true);
    for (const batch of controls.batches) expect(batch.batchSize * batch.length).toBeLessThanOrEqual(512);
    for (const result of results) {
      const text = documents[result.index] ?? '';
      // The fake template: [101] query [102] passage [102], one id per character.
      const ids = [101, ...Array.from('q?', (c) => 1000 + c.charCodeAt(0)), 102, ...Array.from(text, (c) => 1000 + c.charCodeAt(0)), 102];
      expect(result.score).toBeCloseTo(fakeLogit(ids.slice(0, 64)), 6);
    }
  });
});

describe('the streamed path (fixed-shape models)', () => {
  it('starts batches while later passages are still being tokenized, and scores every pair as the sorted plan does', async () => {
    const controls: FakeModelControls = { batches: [], disposed: false };
    const base = fakeLoader(controls, 64);
    let tokenized = 0;
    const tokenizedAtRun: number[] = [];
    const engine = new RerankEngine(async (request, progress) => {
      const model = await base(request, progress);
      return {
        ...model,
        batchLengths: [16, 32, 64],
        tokenize: (text: string) => (tokenized++, model.tokenize(text)),
        run: (batch: BatchTensors) => (tokenizedAtRun.push(tokenized), model.run(batch)),
      };
    });
    await engine.load({ model: 'fake', batchTokenBudget: 512 });
    tokenized = 0;
    tokenizedAtRun.length = 0;
    controls.batches.length = 0;
    // 40 rows of 14 tokens pad to 16: 32 rows fill a batch (512 / 16), the other 8 run at the end.
    const documents = Array.from({ length: 40 }, (_, i) => `doc ${String(i).padStart(4, '0')}`);
    const results = await engine.rerank(1, 'q?', documents);
    expect(controls.batches.map((batch) => [batch.batchSize, batch.length])).toEqual([[32, 16], [8, 16]]);
    // The first batch ran after the query and 32 passages were tokenized, before the last 8.
    expect(tokenizedAtRun).toEqual([33, 41]);
    expect(engine.lastTimings()).toMatchObject({ pairs: 40, windows: 40, batches: 2 });
    // A second call over the same passages tokenizes nothing: the engine keeps their ids.
    await engine.rerank(2, 'q?', documents);
    expect(tokenized).toBe(41);
    const expected = documents.map((text) => fakeLogit([101, ...Array.from('q?', (c) => 1000 + c.charCodeAt(0)), 102, ...Array.from(text, (c) => 1000 + c.charCodeAt(0)), 102]));
    for (const result of results) expect(result.score).toBeCloseTo(expected[result.index] ?? Number.NaN, 6);
  });

  it('rejects bad input found mid-call only after the running batch is done, and the next call runs', async () => {
    const controls: FakeModelControls = { batches: [], disposed: false };
    const base = fakeLoader(controls, 64);
    let running = 0;
    let overlapped = false;
    const engine = new RerankEngine(async (request, progress) => {
      const model = await base(request, progress);
      return {
        ...model,
        batchLengths: [16, 32, 64],
        tokenize: (text: string) => {
          if (text.includes('BAD')) throw new Error('tokenizer blew up');
          return model.tokenize(text);
        },
        run: async (batch: BatchTensors) => {
          running += 1;
          if (running > 1) overlapped = true;
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
          return model.run(batch);
        },
      };
    });
    await engine.load({ model: 'fake', batchTokenBudget: 512 });
    const documents = Array.from({ length: 40 }, (_, i) => (i === 35 ? 'BAD text' : `doc ${String(i).padStart(4, '0')}`));
    await expect(engine.rerank(1, 'q?', documents)).rejects.toMatchObject({ code: 'invalid-input', details: { argument: 'documents', index: 35 } });
    expect(running).toBe(0);
    await expect(engine.rerank(2, 'q?', ['fine'])).resolves.toHaveLength(1);
    expect(overlapped).toBe(false);
  });
});
