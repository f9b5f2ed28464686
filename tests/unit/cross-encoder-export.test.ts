/**
 * The `cross-encoder` export preset's files (scripts/export/cross_encoder.py, fixtures made by
 * scripts/fixtures/make_xenc_fixtures.py) run on onnxruntime-web's WASM backend in Node: fp32 within 1e-4 of
 * PyTorch on every fixture pair alone and inside one right-padded batch; q8 within 1e-3 and fp16 / q4f16 within
 * 5e-3 of native onnxruntime's score of the same file (float16 arithmetic rounds differently in WASM and in
 * x86 onnxruntime: 1.4e-3 and 2.2e-3 seen on XLM-R); their distance to fp32 is the quantization's own, recorded
 * in the reference and in docs/export.md. BERT and XLM-R graphs carry the fused ops.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';

interface Pair {
  id: string;
  inputIds: number[];
  tokenTypeIds?: number[];
  truncated: boolean;
  scoreTorch: number;
  scoreOrtFp32: number;
  scoreOrtFp16: number;
  scoreOrtQ4f16: number;
  scoreOrtQ8: number;
}
interface Reference {
  model: string;
  export: { fused: boolean; inputs: string[]; ops: Record<string, number> };
  pairs: Pair[];
}

const MODELS = ['tiny-bert-reranker-xenc', 'tiny-xlmr-reranker-xenc', 'tiny-modernbert-reranker-xenc'] as const;
const FILES = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q4f16: 'model_q4f16.onnx', q8: 'model_quantized.onnx' } as const;
const NATIVE = { fp16: 'scoreOrtFp16', q4f16: 'scoreOrtQ4f16', q8: 'scoreOrtQ8' } as const;
const TOLERANCE = { fp16: 5e-3, q4f16: 5e-3, q8: 1e-3 } as const;

ort.env.wasm.numThreads = 1;
/** The first session also compiles onnxruntime's WASM: seconds on a loaded 2-core machine. */
const SESSION_TIMEOUT_MS = 60_000;

const fixture = (path: string): URL => new URL(`../../fixtures/${path}`, import.meta.url);
const reference = (model: string): Reference => JSON.parse(readFileSync(fixture(`reference/${model}.json`), 'utf8')) as Reference;
const session = (model: string, file: string): Promise<ort.InferenceSession> =>
  ort.InferenceSession.create(readFileSync(fixture(`models/${model}/onnx/${file}`)), { executionProviders: ['wasm'] });

/** Right-padded int64 feeds for `rows` (pad id: any token; the mask hides it). */
function feeds(rows: Pair[], inputs: string[]): Record<string, ort.Tensor> {
  const width = Math.max(...rows.map((row) => row.inputIds.length));
  const tensor = (pick: (row: Pair, i: number) => number): ort.Tensor => {
    const data = new BigInt64Array(rows.length * width);
    rows.forEach((row, r) => {
      for (let i = 0; i < row.inputIds.length; i += 1) data[r * width + i] = BigInt(pick(row, i));
    });
    return new ort.Tensor('int64', data, [rows.length, width]);
  };
  const all: Record<string, ort.Tensor> = {
    input_ids: tensor((row, i) => row.inputIds[i] ?? 0),
    attention_mask: tensor(() => 1),
    token_type_ids: tensor((row, i) => row.tokenTypeIds?.[i] ?? 0),
  };
  return Object.fromEntries(inputs.map((name) => [name, all[name] as ort.Tensor]));
}

async function scores(run: ort.InferenceSession, rows: Pair[], inputs: string[]): Promise<number[]> {
  const out = await run.run(feeds(rows, inputs));
  return Array.from(out['logits']?.data as Float32Array).filter((_, i) => i % ((out['logits']?.dims[1] as number) ?? 1) === 0);
}

describe.each(MODELS)('cross-encoder preset export %s on WASM', (model) => {
  const ref = reference(model);
  const inputs = ref.export.inputs;

  it('fp32 matches PyTorch within 1e-4 on every pair, alone and in one padded batch', async () => {
    expect(ref.pairs.some((pair) => pair.truncated)).toBe(true);
    const run = await session(model, FILES.fp32);
    const alone: number[] = [];
    for (const pair of ref.pairs) alone.push((await scores(run, [pair], inputs))[0] ?? Number.NaN);
    const batched = await scores(run, ref.pairs, inputs);
    const worst = Math.max(...ref.pairs.map((pair, i) => Math.abs((alone[i] ?? Number.NaN) - pair.scoreTorch)));
    const worstBatched = Math.max(...ref.pairs.map((pair, i) => Math.abs((batched[i] ?? Number.NaN) - pair.scoreTorch)));
    console.log(`[xenc] ${model} fp32 on wasm: max |score - PyTorch| ${worst.toExponential(2)} alone, ${worstBatched.toExponential(2)} batched`);
    expect(worst).toBeLessThan(1e-4);
    expect(worstBatched).toBeLessThan(1e-4);
    await run.release();
  }, SESSION_TIMEOUT_MS);

  it.each(Object.keys(NATIVE) as (keyof typeof NATIVE)[])('%s runs on WASM as on native onnxruntime', async (dtype) => {
    const run = await session(model, FILES[dtype]);
    const got: number[] = [];
    for (const pair of ref.pairs) got.push((await scores(run, [pair], inputs))[0] ?? Number.NaN);
    const worst = Math.max(...ref.pairs.map((pair, i) => Math.abs((got[i] ?? Number.NaN) - pair[NATIVE[dtype]])));
    const toFp32 = Math.max(...ref.pairs.map((pair) => Math.abs(pair[NATIVE[dtype]] - pair.scoreOrtFp32)));
    console.log(`[xenc] ${model} ${dtype} on wasm: max |score - native| ${worst.toExponential(2)}; native ${dtype} vs fp32 ${toFp32.toExponential(2)}`);
    expect(worst).toBeLessThan(TOLERANCE[dtype]);
    await run.release();
  }, SESSION_TIMEOUT_MS);

  it('carries the fused ops where the preset fuses (BERT, XLM-R) and none where it does not (ModernBERT)', () => {
    const fused = model !== 'tiny-modernbert-reranker-xenc';
    expect(ref.export.fused).toBe(fused);
    const config = JSON.parse(readFileSync(fixture(`models/${model}/config.json`), 'utf8')) as { webgpu_reranker_export?: { ops: Record<string, number> } };
    expect(config.webgpu_reranker_export?.ops).toEqual(ref.export.ops);
    if (fused) {
      expect(ref.export.ops['SkipLayerNormalization']).toBeGreaterThan(0);
      expect(ref.export.ops['BiasGelu']).toBeGreaterThan(0);
    } else {
      expect(ref.export.ops['SkipLayerNormalization']).toBeUndefined();
    }
  });
});
