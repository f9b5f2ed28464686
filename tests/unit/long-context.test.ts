/**
 * Long context (docs/long-context.md): cross-encoders' maxLength from their own files past 512, configs
 * without model_type (jina-reranker-v2), and the memory plan that lowers rows per batch at long lengths and
 * refuses or lowers a maxLength whose one pair cannot fit (src/runtime/memory-plan.ts).
 */
import { describe, expect, it } from 'vitest';
import { planBatches } from '../../src/engine/batching.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import { captureShapes, estimateWeightBytes } from '../../src/runtime/capture-policy.js';
import { isRobertaFamily, loadsAsPlainSession, resolveMaxLength, runPlanFor, type ModelConfig } from '../../src/runtime/load-plan.js';
import {
  WASM_MEMORY_BYTES,
  WASM_RESERVE_BYTES,
  WEBGPU_ACTIVATION_BYTES,
  largestTensorBytes,
  planMemory,
  rowPeakBytes,
  type MemoryPlanInput,
} from '../../src/runtime/memory-plan.js';
import { RerankerError } from '../../src/shared/errors.js';
import type { LoadRequest } from '../../src/shared/protocol.js';
import { validateCreateOptions } from '../../src/shared/validate.js';
import { fakeLoader, fakeLogit, type FakeModelControls } from './fake-model.js';

const request = (extra: Partial<LoadRequest> = {}): LoadRequest => ({ model: 'org/model', ...extra });
/** BAAI/bge-reranker-v2-m3's config.json (XLM-R large). */
const BGE_M3: ModelConfig = {
  model_type: 'xlm-roberta',
  architectures: ['XLMRobertaForSequenceClassification'],
  num_labels: 1,
  max_position_embeddings: 8194,
  vocab_size: 250002,
  hidden_size: 1024,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  intermediate_size: 4096,
};
/** jinaai/jina-reranker-v2-base-multilingual's config.json: no model_type, classes named through auto_map. */
const JINA_V2: ModelConfig = {
  architectures: ['XLMRobertaForSequenceClassification'],
  num_labels: 1,
  max_position_embeddings: 1026,
  vocab_size: 250002,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
};
/** Alibaba-NLP/gte-reranker-modernbert-base's config.json (ModernBERT base: GLU feed-forward, 8,192 positions). */
const GTE_MODERNBERT: ModelConfig = {
  model_type: 'modernbert',
  architectures: ['ModernBertForSequenceClassification'],
  num_labels: 1,
  max_position_embeddings: 8192,
  vocab_size: 50368,
  hidden_size: 768,
  num_hidden_layers: 22,
  num_attention_heads: 12,
  intermediate_size: 1152,
};
const MODERNBERT: ModelConfig = { model_type: 'modernbert', architectures: ['ModernBertForSequenceClassification'], max_position_embeddings: 8192 };
const MINILM: ModelConfig = { model_type: 'bert', max_position_embeddings: 512, vocab_size: 30522, hidden_size: 384, num_hidden_layers: 6, num_attention_heads: 12, intermediate_size: 1536 };

const plan = (extra: Partial<MemoryPlanInput> & Pick<MemoryPlanInput, 'config'>): ReturnType<typeof planMemory> =>
  planMemory({ device: 'wasm', dtype: 'fp32', weightBytes: 0, maxLength: 512, maxLengthAsked: false, gpuLimits: undefined, model: 'org/model', ...extra });
const shapeOf = (config: ModelConfig, bytes = 4) => ({
  heads: config.num_attention_heads ?? 0,
  hidden: config.hidden_size ?? 0,
  inner: config.intermediate_size ?? 0,
  bytes,
});

describe('maxLength past 512', () => {
  it("defaults to the model's own limit: 8,192 for bge-reranker-v2-m3 and ModernBERT, 1,024 for jina-reranker-v2", () => {
    expect(resolveMaxLength(request(), 8192, BGE_M3, undefined, 0)).toBe(8192);
    // A tokenizer without a limit (transformers' 1e30 sentinel): the positions less RoBERTa's two decide.
    expect(resolveMaxLength(request(), 1e30, BGE_M3, undefined, 0)).toBe(8192);
    expect(resolveMaxLength(request(), 8192, MODERNBERT, undefined, 0)).toBe(8192);
    expect(resolveMaxLength(request(), 1024, JINA_V2, undefined, 0)).toBe(1024);
    // No model_type: the architecture still says RoBERTa, so 1,026 positions give 1,024 tokens, not 1,026.
    expect(resolveMaxLength(request(), 1e30, JINA_V2, undefined, 0)).toBe(1024);
    expect(resolveMaxLength(request({ maxLength: 2048 }), 8192, BGE_M3, undefined, 0)).toBe(2048);
  });

  it('refuses a larger maxLength than the model has positions for, and any past 8,192 before loading', () => {
    expect(() => resolveMaxLength(request({ maxLength: 1025 }), 1024, JINA_V2, undefined, 0)).toThrow(/maxLength 1025 exceeds what org\/model supports \(1024 tokens\); use at most 1024/);
    expect(() => validateCreateOptions({ model: 'org/model', maxLength: 8193 })).toThrow(/maxLength must be an integer from 8 to 8192; got 8193/);
  });

  it('tells RoBERTa-family configs by model_type or, lacking one, by architecture; such configs load as plain sessions', () => {
    expect(isRobertaFamily(BGE_M3)).toBe(true);
    expect(isRobertaFamily(JINA_V2)).toBe(true);
    expect(isRobertaFamily({ architectures: ['BertForSequenceClassification'] })).toBe(false);
    expect(isRobertaFamily(MODERNBERT)).toBe(false);
    expect(loadsAsPlainSession(JINA_V2, undefined)).toBe(true);
    // transformers.js's AutoConfig reads a missing model_type as null.
    const read = { ...JINA_V2, model_type: null } as unknown as ModelConfig;
    expect(loadsAsPlainSession(read, undefined)).toBe(true);
    expect(isRobertaFamily(read)).toBe(true);
    expect(loadsAsPlainSession(BGE_M3, undefined)).toBe(false);
  });
});

describe('memory plan', () => {
  it('gives fewer rows at longer lengths, and a MiniLM-class model its full batches at 512', () => {
    const m3 = plan({ config: BGE_M3, device: 'webgpu', maxLength: 4096, gpuLimits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 } });
    const rows = [512, 1024, 2048, 4096].map((length) => m3.rowsAt(length));
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeLessThan(rows[i - 1] as number);
    expect(m3.rowsAt(4096)).toBeGreaterThanOrEqual(1);
    expect(plan({ config: MINILM }).rowsAt(512)).toBeGreaterThanOrEqual(64);
  });

  it('keeps the largest tensor of a WebGPU batch within the smaller buffer limit, and the batch within its total', () => {
    const gpuLimits = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 28 };
    const p = plan({ config: JINA_V2, device: 'webgpu', maxLength: 1024, gpuLimits });
    const shape = shapeOf(JINA_V2);
    for (const length of [128, 512, 1024]) {
      const rows = p.rowsAt(length);
      expect(rows * largestTensorBytes(shape, length)).toBeLessThanOrEqual(2 ** 28);
      expect(rows * rowPeakBytes(shape, length)).toBeLessThanOrEqual(WEBGPU_ACTIVATION_BYTES);
      expect((rows + 1) * largestTensorBytes(shape, length) > 2 ** 28 || (rows + 1) * rowPeakBytes(shape, length) > WEBGPU_ACTIVATION_BYTES).toBe(true);
    }
    expect(p.info.rowsAtMaxLength).toBe(p.rowsAt(1024));
  });

  it("lowers a default maxLength whose one pair would not fit in WASM's 4 GiB next to the weights, and says so", () => {
    const weightBytes = 2_270_000_000; // bge-reranker-v2-m3 in fp32
    const p = plan({ config: BGE_M3, maxLength: 8192, weightBytes });
    const shape = shapeOf(BGE_M3);
    const room = WASM_MEMORY_BYTES - WASM_RESERVE_BYTES - weightBytes;
    expect(rowPeakBytes(shape, 8192)).toBeGreaterThan(room);
    expect(p.maxLength).toBeLessThan(8192);
    expect(p.maxLength % 64).toBe(0);
    expect(rowPeakBytes(shape, p.maxLength)).toBeLessThanOrEqual(room);
    expect(rowPeakBytes(shape, p.maxLength + 64)).toBeGreaterThan(room);
    expect(p.info.rowsAtMaxLength).toBe(1);
    expect(p.info.reason).toMatch(new RegExp(`maxLength lowered from 8192 \\(the model's own limit\\) to ${p.maxLength}`));
    // Past the lowered maxLength no length is asked for, but rowsAt never answers 0.
    expect(p.rowsAt(8192)).toBe(1);
  });

  it('refuses at load a maxLength the caller passed whose one pair cannot fit, naming the longest that can', () => {
    const gpuLimits = { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 };
    let caught: unknown;
    try {
      plan({ config: BGE_M3, device: 'webgpu', maxLength: 8192, maxLengthAsked: true, gpuLimits });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RerankerError);
    const error = caught as RerankerError;
    expect(error.code).toBe('invalid-input');
    const fits = (error.details as { limit: number }).limit;
    // 16 heads x 8,192^2 x 4 bytes = 4 GiB of scores: over a 2 GiB binding; the named length fits one row.
    expect(fits).toBeGreaterThan(512);
    expect(fits).toBeLessThan(8192);
    expect(largestTensorBytes(shapeOf(BGE_M3), fits)).toBeLessThanOrEqual(2 ** 31);
    expect(error.message).toMatch(new RegExp(`Pass maxLength ${fits} or less, or device: 'wasm'`));
    // The same length as a default is lowered instead.
    expect(plan({ config: BGE_M3, device: 'webgpu', maxLength: 8192, gpuLimits }).maxLength).toBe(fits);
  });

  it("lowers gte-reranker-modernbert-base's 8,192 to the longest length one row fits, on WASM next to its weights and on WebGPU", () => {
    const shape = shapeOf(GTE_MODERNBERT);
    const weightBytes = estimateWeightBytes(GTE_MODERNBERT, 'fp32');
    expect(weightBytes).toBeGreaterThan(0);
    const room = WASM_MEMORY_BYTES - WASM_RESERVE_BYTES - (weightBytes as number);
    const wasm = plan({ config: GTE_MODERNBERT, maxLength: 8192, weightBytes });
    expect(wasm.maxLength).toBeLessThan(8192);
    expect(wasm.maxLength % 64).toBe(0);
    expect(rowPeakBytes(shape, wasm.maxLength)).toBeLessThanOrEqual(room);
    expect(rowPeakBytes(shape, wasm.maxLength + 64)).toBeGreaterThan(room);
    const gpuLimits = { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 };
    const fp32 = plan({ config: GTE_MODERNBERT, device: 'webgpu', maxLength: 8192, gpuLimits });
    expect(rowPeakBytes(shape, fp32.maxLength)).toBeLessThanOrEqual(WEBGPU_ACTIVATION_BYTES);
    expect(rowPeakBytes(shape, fp32.maxLength + 64)).toBeGreaterThan(WEBGPU_ACTIVATION_BYTES);
    // fp16 activations on WebGPU halve the bytes: a longer row fits.
    expect(plan({ config: GTE_MODERNBERT, device: 'webgpu', dtype: 'fp16', maxLength: 8192, gpuLimits }).maxLength).toBeGreaterThan(fp32.maxLength);
    for (const p of [wasm, fp32]) {
      expect(p.info.rowsAtMaxLength).toBe(1);
      expect(p.rowsAt(512)).toBeGreaterThan(p.rowsAt(1024));
    }
  });

  it('leaves rows unlimited when the config does not give the shape', () => {
    const p = plan({ config: { num_hidden_layers: 2 }, maxLength: 8192 });
    expect(p.maxLength).toBe(8192);
    expect(p.info.rowsAtMaxLength).toBeUndefined();
  });
});

describe('batches and captured shapes under the memory plan', () => {
  it('plans batches with rows per length from the plan', () => {
    const lengths = [100, 100, 100, 100, 3000, 3000, 3000];
    const batches = planBatches(lengths, 1_000_000, (length) => (length > 1000 ? 2 : 64));
    expect(batches.map((batch) => batch.members.length)).toEqual([4, 2, 1]);
    expect(batches.map((batch) => batch.length)).toEqual([100, 3000, 3000]);
  });

  it('captures buckets past 512 up to maxLength, each within what memory allows', () => {
    const rowsAt = (length: number): number => Math.max(1, Math.floor(2 ** 24 / (length * length)));
    const shapes = captureShapes(8192, 65536, 64, rowsAt);
    expect(shapes.map((shape) => shape.length)).toEqual([32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]);
    for (const shape of shapes) expect(shape.rows).toBe(Math.min(64, Math.floor(65536 / shape.length), rowsAt(shape.length)));
    const gpu = runPlanFor({
      request: request({ webgpuGraphCapture: true }),
      config: { ...JINA_V2, vocab_size: 2000, hidden_size: 32, num_hidden_layers: 2, intermediate_size: 64 },
      device: 'webgpu',
      dtype: 'fp32',
      maxLength: 1024,
      outputWidth: 1,
      rowsAt: () => 1,
    });
    // A tiny model: the copies of the finer buckets (96, 192, 320, 384) fit too.
    expect(gpu.capture.shapes.map((shape) => [shape.length, shape.rows])).toEqual(
      [32, 64, 96, 128, 192, 256, 320, 384, 512, 1024].map((length) => [length, 1]),
    );
  });
});

describe('the engine under a memory plan', () => {
  /** The fake model (one token per character) with at most 2 rows per batch past 32 tokens. */
  const rowsAt = (length: number): number => (length > 32 ? 2 : 64);
  const documents = ['a', 'b', 'c', 'x'.repeat(60), 'y'.repeat(70), 'z'.repeat(80), 'w'.repeat(90), 'v'.repeat(100)];

  for (const streamed of [false, true]) {
    it(`keeps every batch within the rows memory allows at its length, scores unchanged (${streamed ? 'streamed, bucketed' : 'sorted'} path)`, async () => {
      const controls: FakeModelControls = { batches: [], disposed: false };
      const base = fakeLoader(controls, 128);
      const engine = new RerankEngine(async (request, progress) => ({
        ...(await base(request, progress)),
        maxRowsAt: rowsAt,
        memory: { rowsAtMaxLength: 2, reason: 'test' },
        ...(streamed ? { batchLengths: [16, 32, 64, 128] } : {}),
      }));
      const info = await engine.load({ model: 'fake', batchTokenBudget: 100_000 });
      expect(info.memory).toEqual({ rowsAtMaxLength: 2, reason: 'test' });
      controls.batches.length = 0;
      const results = await engine.rerank(1, 'q?', documents);
      for (const batch of controls.batches) expect(batch.batchSize).toBeLessThanOrEqual(rowsAt(batch.length));
      // The five long passages need at least three batches of two; the three short ones share one.
      expect(controls.batches.filter((batch) => batch.length > 32).length).toBeGreaterThanOrEqual(3);
      for (const result of results) {
        const text = documents[result.index] ?? '';
        const ids = [101, ...Array.from('q?', (c) => 1000 + c.charCodeAt(0)), 102, ...Array.from(text, (c) => 1000 + c.charCodeAt(0)), 102];
        expect(result.score).toBeCloseTo(fakeLogit(ids), 6);
      }
    });
  }
});
