/**
 * The pure stage of a load (src/runtime/load-plan.ts): what it decides from the request, the model's config
 * and manifest, before any session is built.
 */
import { describe, expect, it } from 'vitest';
import type { RerankerManifest } from '../../src/engine/reranker-manifest.js';
import { availableDtype, checkHead, resolveMaxLength, runPlanFor, webgpuRefusal, type ModelConfig } from '../../src/runtime/load-plan.js';
import type { LoadRequest } from '../../src/shared/protocol.js';

const BERT: ModelConfig = { model_type: 'bert', architectures: ['BertForSequenceClassification'], num_labels: 1, max_position_embeddings: 512 };
const request = (extra: Partial<LoadRequest> = {}): LoadRequest => ({ model: 'org/model', ...extra });
const manifest = (extra: Partial<RerankerManifest> = {}): RerankerManifest =>
  ({ max_length: 1024, max_positions: 2048, dtypes: ['fp32', 'q4'], ...extra }) as unknown as RerankerManifest;

describe('load plan', () => {
  it('takes a cross-encoder pair length from the tokenizer and the position embeddings', () => {
    expect(resolveMaxLength(request(), 512, BERT, undefined, 0)).toBe(512);
    expect(resolveMaxLength(request(), 256, BERT, undefined, 0)).toBe(256);
    // transformers' "no limit" sentinel, and XLM-R's two reserved positions.
    expect(resolveMaxLength(request(), 1e30, { ...BERT, model_type: 'xlm-roberta', max_position_embeddings: 514 }, undefined, 0)).toBe(512);
    expect(resolveMaxLength(request({ maxLength: 128 }), 512, BERT, undefined, 0)).toBe(128);
    expect(() => resolveMaxLength(request({ maxLength: 600 }), 512, BERT, undefined, 0)).toThrow(/exceeds what org\/model supports \(512 tokens\)/);
  });

  it("takes an exported reranker's default from its manifest, within its positions less the prompt after the budget", () => {
    expect(resolveMaxLength(request(), undefined, {}, manifest(), 40)).toBe(1024);
    expect(resolveMaxLength(request(), undefined, {}, manifest({ max_positions: 1000 }), 40)).toBe(960);
  });

  it('refuses a plain model that is not a one-logit sequence classifier', () => {
    expect(() => checkHead(BERT, 'm')).not.toThrow();
    expect(() => checkHead({ ...BERT, architectures: ['BertForMaskedLM'] }, 'm')).toThrow(/not a sequence-classification/);
    expect(() => checkHead({ ...BERT, id2label: { 0: 'a', 1: 'b' } }, 'm')).toThrow(/2 labels/);
  });

  it("keeps to an export's dtypes: 'auto' falls back to fp32, an explicit dtype that was not exported is refused", () => {
    expect(availableDtype(undefined, request(), 'q8')).toBe('q8');
    expect(availableDtype(manifest(), request(), 'q4')).toBe('q4');
    expect(availableDtype(manifest(), request(), 'q8')).toBe('fp32');
    expect(() => availableDtype(manifest(), request({ dtype: 'q8' }), 'q8')).toThrow(/without q8 weights; it has fp32, q4/);
  });

  it('runs q8 one row per batch and captures graphs only where the policy allows', () => {
    const base = { request: request(), config: BERT, maxLength: 512, outputWidth: 1 };
    const q8 = runPlanFor({ ...base, device: 'wasm', dtype: 'q8' });
    expect(q8.maxBatchRows).toBe(1);
    expect(q8.capture.enabled).toBe(false);
    const gpu = runPlanFor({ ...base, config: { ...BERT, vocab_size: 30522, hidden_size: 384, num_hidden_layers: 6, intermediate_size: 1536 }, device: 'webgpu', dtype: 'fp32' });
    expect(gpu.maxBatchRows).toBe(64);
    expect(gpu.capture.enabled).toBe(true);
    // A MiniLM-sized fp32 model: weights x (shapes + 1) stays under 1 GiB with the finer buckets too.
    expect(gpu.capture.shapes.map((shape) => shape.length)).toEqual([32, 64, 96, 128, 192, 256, 320, 384, 512]);
    const off = runPlanFor({ ...base, request: request({ webgpuGraphCapture: false }), device: 'webgpu', dtype: 'fp32' });
    expect(off.capture.enabled).toBe(false);
  });
});

describe("webgpuRefusal: which models device 'auto' keeps off WebGPU", () => {
  it('refuses ModernBERT exports unless the cross-encoder preset recorded masks WebGPU computes right', () => {
    expect(webgpuRefusal({ model_type: 'modernbert' })).toMatch(/ModernBERT.*cross-encoder preset.*device: 'webgpu'/);
    expect(webgpuRefusal({ model_type: 'modernbert', webgpu_reranker_export: {} })).toBeDefined();
    expect(webgpuRefusal({ model_type: 'modernbert', webgpu_reranker_export: { masks: 'bool' } })).toBeDefined();
    expect(webgpuRefusal({ model_type: 'modernbert', webgpu_reranker_export: { masks: 'float-expanded' } })).toBeUndefined();
  });

  it('lets other architectures through', () => {
    expect(webgpuRefusal({ model_type: 'bert' })).toBeUndefined();
    expect(webgpuRefusal({ model_type: 'xlm-roberta', webgpu_reranker_export: { masks: 'float-expanded' } })).toBeUndefined();
  });
});
