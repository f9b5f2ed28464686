import { describe, expect, it } from 'vitest';
import type { BatchTensors } from '../../src/engine/batching.js';
import { EmbedEngine } from '../../src/engine/embed-engine.js';
import { embeddingSetup, manifestSetup, type EmbeddingSetup } from '../../src/engine/embedding-config.js';
import { manifestDtype, manifestQueryPrefix, readEmbedderManifest, type EmbedderManifest } from '../../src/engine/embedding-manifest.js';
import type { LoadedEmbeddingModel } from '../../src/engine/embedding-model.js';
import { pooledRow } from '../../src/engine/pooling.js';
import { hiddenStateOutput } from '../../src/runtime/embedding-plan.js';
import { RerankerError } from '../../src/shared/errors.js';
import { validateEmbedderOptions } from '../../src/shared/embedder-validate.js';

/** The manifest scripts/export/export_embedding.py writes for the minicpm-embedding preset (full size). */
const MINICPM = {
  format: 1,
  preset: 'minicpm-embedding',
  card: 'openbmb/MiniCPM-Embedding',
  output: 'sentence_embedding',
  pooling: 'weightedmean',
  pooled_in_graph: true,
  normalized_in_graph: true,
  dimensions: 2304,
  query_prefix: 'Query: ',
  instruction_query_prefix: 'Instruction: {instruction} Query: ',
  document_prefix: '',
  supports: ['instruction'],
  max_length: 512,
  max_positions: 512,
  attention: 'bidirectional',
  pad_token_id: 0,
  dtypes: ['fp32', 'fp16', 'q4', 'q4f16'],
};

function refusal(work: () => unknown): RerankerError {
  try {
    work();
  } catch (error) {
    if (error instanceof RerankerError) return error;
    throw error;
  }
  throw new Error('expected a RerankerError');
}

const manifest = (extra: Record<string, unknown> = {}): EmbedderManifest => {
  const read = readEmbedderManifest({ model_type: 'custom', webgpu_embedder: { ...MINICPM, ...extra } }, 'm');
  if (read === undefined) throw new Error('no manifest');
  return read;
};

describe('exported embedder manifest (config.json webgpu_embedder)', () => {
  it('is absent for Hub sentence-transformers models, which keep their own files', () => {
    expect(readEmbedderManifest({ model_type: 'bert' }, 'm')).toBeUndefined();
    expect(readEmbedderManifest(undefined, 'm')).toBeUndefined();
  });

  it('refuses a manifest it cannot honour, naming config.json and what is wrong', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ format: 2 }, /format 2/],
      [{ pooled_in_graph: false }, /pooled_in_graph/],
      [{ pooling: 'max' }, /pooling max/],
      [{ dimensions: 0 }, /no dimensions/],
      [{ instruction_query_prefix: 'Instruction: Query: ' }, /without an \{instruction\} slot/],
      [{ supports: ['prompt'] }, /supports options/],
      [{ dtypes: ['int4'] }, /dtypes/],
    ];
    for (const [extra, message] of cases) {
      const error = refusal(() => manifest(extra));
      expect(error.code).toBe('unsupported-model');
      expect(error.message).toMatch(/config\.json's webgpu_embedder manifest/);
      expect(error.message).toMatch(message);
      expect(error.details?.['file']).toBe('config.json');
    }
  });

  it("builds the card's query prompts: `Query: ` bare, `Instruction: {instruction} Query: ` with an instruction", () => {
    const m = manifest();
    expect(manifestQueryPrefix(m, 'm', undefined)).toBe('Query: ');
    expect(manifestQueryPrefix(m, 'm', 'Given a claim, retrieve documents that support it.')).toBe(
      'Instruction: Given a claim, retrieve documents that support it. Query: ',
    );
    // `{instruction}` in the instruction itself is text, not a slot.
    expect(manifestQueryPrefix(m, 'm', 'say {instruction}')).toBe('Instruction: say {instruction} Query: ');
    const none = manifest({ supports: [], instruction_query_prefix: undefined });
    expect(refusal(() => manifestQueryPrefix(none, 'm', 'x')).code).toBe('invalid-input');
  });

  it('sets up pooling in the graph, documents bare, the manifest max length; prefix options win', () => {
    const setup = manifestSetup('m', manifest(), {});
    expect(setup).toMatchObject({
      pooling: 'weightedmean',
      pooledInGraph: true,
      graphOutput: 'sentence_embedding',
      normalize: true,
      queryPrefix: 'Query: ',
      documentPrefix: '',
      dimensions: 2304,
      maxSeqLength: 512,
    });
    expect(setup.source).toMatch(/pooling: graph \(config\.json minicpm-embedding\)/);
    expect(manifestSetup('m', manifest(), { instruction: 'Find answers.' }).queryPrefix).toBe('Instruction: Find answers. Query: ');
    expect(manifestSetup('m', manifest(), { instruction: 'Find answers.', queryPrefix: 'Mine: ' }).queryPrefix).toBe('Mine: ');
    expect(manifestSetup('m', manifest(), { documentPrefix: 'Doc: ' }).documentPrefix).toBe('Doc: ');
  });

  it('refuses pooling and normalize: false (the graph does both) and an instruction for a model without the slot', () => {
    expect(refusal(() => manifestSetup('m', manifest(), { pooling: 'mean' })).details?.['argument']).toBe('pooling');
    expect(refusal(() => manifestSetup('m', manifest(), { normalize: false })).details?.['argument']).toBe('normalize');
    expect(manifestSetup('m', manifest(), { normalize: true }).normalize).toBe(true);
    const plain = { modules: undefined, pooling: { pooling_mode_mean_tokens: true } };
    const error = refusal(() => embeddingSetup('sentence-transformers/all-MiniLM-L6-v2', plain, { instruction: 'x' }));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(/takes no instruction/);
  });

  it('picks an exported dtype under auto and refuses an explicit one that was not exported, naming the file', () => {
    const m = manifest();
    expect(manifestDtype(m, 'm', 'auto', 'fp32')).toBe('fp32');
    expect(manifestDtype(m, 'm', undefined, 'q8')).toBe('q4'); // WASM's default q8 was not exported
    expect(manifestDtype(m, 'm', 'q4f16', 'q4f16')).toBe('q4f16');
    const error = refusal(() => manifestDtype(m, 'm', 'q8', 'q8'));
    expect(error.code).toBe('model-not-found');
    expect(error.message).toMatch(/no onnx\/model_quantized\.onnx.*fp32, fp16, q4, q4f16/);
    expect(manifestDtype(undefined, 'm', 'q8', 'q8')).toBe('q8');
  });

  it('reads the pooled output the manifest names, and refuses a graph without it', () => {
    const setup = manifestSetup('m', manifest(), {});
    expect(hiddenStateOutput('m', 'onnx/model_q4.onnx', ['sentence_embedding'], setup)).toBe('sentence_embedding');
    const error = refusal(() => hiddenStateOutput('m', 'onnx/model_q4.onnx', ['last_hidden_state'], setup));
    expect(error.code).toBe('unsupported-model');
    expect(error.message).toMatch(/onnx\/model_q4\.onnx has outputs last_hidden_state, not the "sentence_embedding" output/);
  });
});

describe('createEmbedder options for exported embedders', () => {
  it('takes an instruction string and refuses an empty or non-string one', () => {
    expect(() => validateEmbedderOptions({ model: 'm', instruction: 'Find answers.' })).not.toThrow();
    for (const instruction of ['', '  ', 42, 'x'.repeat(1001)]) {
      expect(refusal(() => validateEmbedderOptions({ model: 'm', instruction })).details?.['argument']).toBe('instruction');
    }
  });
});

describe('pooledRow', () => {
  it('takes the row of a [rows, dimensions] output and re-normalizes it in float64', () => {
    const data = new Float32Array([3, 4, /* row 1 */ 0.6, 0.8]);
    expect(Array.from(pooledRow(data, 2, 0, false))).toEqual([3, 4]);
    const v = pooledRow(data, 2, 0, true);
    expect(v[0]).toBeCloseTo(0.6, 7);
    expect(v[1]).toBeCloseTo(0.8, 7);
    expect(Array.from(pooledRow(new Float32Array(2), 1, 0, true))).toEqual([0, 0]);
    expect(() => pooledRow(new Float32Array(5), 2, 0, true)).toThrow(/5 values for 2 rows/);
  });
});

describe('EmbedEngine on a graph that pools', () => {
  /** Token id t -> its row's vector is [sum of ids, number of ids]: shows which tokens reached the graph. */
  function pooledModel(log: BatchTensors[], setup: EmbeddingSetup = manifestSetup('m', manifest({ dimensions: 2 }), { instruction: 'I' })): LoadedEmbeddingModel {
    return {
      device: 'wasm',
      dtype: 'q4',
      maxLength: 12,
      padTokenId: 0,
      maxBatchRows: 64,
      setup,
      lead: [1],
      tail: [],
      tokenize: (text) => Array.from(text, (c) => c.charCodeAt(0)),
      run: async (batch) => {
        log.push(batch);
        const out = new Float32Array(batch.batchSize * 2);
        for (let row = 0; row < batch.batchSize; row += 1) {
          let sum = 0;
          let count = 0;
          for (let t = 0; t < batch.length; t += 1) {
            if (Number(batch.attentionMask[row * batch.length + t]) === 1) {
              sum += Number(batch.inputIds[row * batch.length + t]);
              count += 1;
            }
          }
          out[row * 2] = sum;
          out[row * 2 + 1] = count;
        }
        return out;
      },
      dispose: async () => undefined,
    };
  }

  it('feeds queries with the instruction prompt and documents bare, one normalized vector per text', async () => {
    const log: BatchTensors[] = [];
    const engine = new EmbedEngine(async () => pooledModel(log));
    const info = await engine.load({ model: 'm' });
    expect(info).toMatchObject({ pooling: 'weightedmean', dimensions: 2, queryPrefix: 'Instruction: I Query: ', documentPrefix: '' });
    log.length = 0;
    const [query] = await engine.embed(1, ['ab'], 'query');
    const [document, longer] = await engine.embed(2, ['ab', 'abc'], 'document');
    const codes = (text: string): number => Array.from(text).reduce((sum, c) => sum + c.charCodeAt(0), 0);
    // maxLength 12 with one lead token: the prompted query is cut to its first 11 tokens, as any long text is.
    const queryText = 'Instruction: I Query: ab'.slice(0, 11);
    const expectQuery = [1 + codes(queryText), 12];
    const norm = (v: number[]): number[] => v.map((x) => x / Math.hypot(...v));
    expect(Array.from(query ?? [])).toEqual(norm(expectQuery).map((x) => Math.fround(x)));
    expect(Array.from(document ?? [])).toEqual(norm([1 + codes('ab'), 3]).map((x) => Math.fround(x)));
    expect(Array.from(longer ?? [])).toEqual(norm([1 + codes('abc'), 4]).map((x) => Math.fround(x)));
  });

  /** What reached the graph for each row, as text (the lead token dropped). */
  function rowTexts(batch: BatchTensors): string[] {
    return Array.from({ length: batch.batchSize }, (_, row) => {
      const ids: number[] = [];
      for (let t = 1; t < batch.length; t += 1) {
        if (Number(batch.attentionMask[row * batch.length + t]) === 1) ids.push(Number(batch.inputIds[row * batch.length + t]));
      }
      return String.fromCharCode(...ids);
    });
  }

  it("puts a call's instruction in the slot for that call only; documents and later calls keep the embedder's prompts", async () => {
    const log: BatchTensors[] = [];
    const engine = new EmbedEngine(async () => ({ ...pooledModel(log), maxLength: 64 }));
    await engine.load({ model: 'm' });
    log.length = 0;
    await engine.embed(1, ['ab'], 'query', 'J');
    await engine.embed(2, ['ab'], 'query');
    const texts = log.flatMap(rowTexts);
    expect(texts).toEqual(['Instruction: J Query: ab', 'Instruction: I Query: ab']);
    // Without createEmbedder's instruction the plain prompt is `Query: `; a call's instruction still fills the slot.
    const bare: BatchTensors[] = [];
    const plain = new EmbedEngine(async () => ({ ...pooledModel(bare, manifestSetup('m', manifest({ dimensions: 2 }), {})), maxLength: 64 }));
    await plain.load({ model: 'm' });
    bare.length = 0;
    await plain.embed(1, ['ab'], 'query');
    await plain.embed(2, ['ab'], 'query', 'Find {instruction} x');
    expect(bare.flatMap(rowTexts)).toEqual(['Query: ab', 'Instruction: Find {instruction} x Query: ab']);
  });

  it("refuses a call's instruction for documents, for a model without the slot and when queryPrefix replaced the prompt", async () => {
    const reason = async (engine: EmbedEngine, kind: 'query' | 'document', instruction: unknown): Promise<RerankerError> => {
      const error: unknown = await engine.embed(1, ['ab'], kind, instruction as string).then(() => undefined, (e: unknown) => e);
      if (!(error instanceof RerankerError)) throw new Error('expected a RerankerError');
      return error;
    };
    const exported = new EmbedEngine(async () => pooledModel([]));
    await exported.load({ model: 'm' });
    const onDocument = await reason(exported, 'document', 'J');
    expect([onDocument.code, onDocument.details?.['argument']]).toEqual(['invalid-input', 'instruction']);
    expect(onDocument.message).toMatch(/kind: 'query'/);
    for (const empty of ['', ' ', 7]) expect((await reason(exported, 'query', empty)).details?.['argument']).toBe('instruction');
    const prefixed = new EmbedEngine(async () => pooledModel([], manifestSetup('m', manifest({ dimensions: 2 }), { queryPrefix: 'Mine: ' })));
    await prefixed.load({ model: 'm' });
    expect((await reason(prefixed, 'query', 'J')).message).toMatch(/no per-call instruction.*queryPrefix/);
    const sentenceTransformers = embeddingSetup('minilm', { modules: undefined, pooling: { pooling_mode_mean_tokens: true } }, {});
    const plain = new EmbedEngine(async () => pooledModel([], { ...sentenceTransformers, pooledInGraph: true, dimensions: 2 }));
    await plain.load({ model: 'minilm' });
    const error = await reason(plain, 'query', 'J');
    expect([error.code, error.message]).toEqual(['invalid-input', expect.stringMatching(/^minilm takes no per-call instruction/)]);
  });
});
