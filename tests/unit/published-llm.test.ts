/**
 * Published causal-LM graphs under `preset` (docs/published-llm.md): the manifest the preset implies, built
 * with the published fixture's own tokenizer, gives the reference's scoring ids and prompt ids; the feeds of a
 * batch (empty past of the config's shape, positions), the gather at each row's last real position, the
 * logits bound on rows per batch; and the refusals at load (no preset, another family, a graph without the
 * inputs and outputs, a config without the past shape, a tokenizer without "yes"/"no", an unknown preset).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchTensors } from '../../src/engine/batching.js';
import { scoringSetup } from '../../src/engine/manifest-prompt.js';
import { planRows } from '../../src/engine/pair-rows.js';
import { publishedManifest, withScoringTokens } from '../../src/engine/published-llm.js';
import { RerankerError } from '../../src/shared/errors.js';
import type { LoadRequest } from '../../src/shared/protocol.js';
import { validateCreateOptions } from '../../src/shared/validate.js';
import type { MemoryPlan } from '../../src/runtime/memory-plan.js';
import { checkPublishedGraph, chunkRanges, gatherLastLogits, halfToFloat, logitsRowsAt, pastInputNames, pastShape, presentOutputNames, publishedFeeds, publishedRunner } from '../../src/runtime/published-graph.js';
import { boundByLogits, completeManifest, publishedPlan, resolveManifest } from '../../src/runtime/published-load.js';
import { tokenizerTools, vocabularyLookup } from '../../src/runtime/tokenizer-tools.js';

const MODEL = 'tiny-qwen3-reranker-published';
const fixture = (path: string) => new URL(`../../fixtures/${path}`, import.meta.url);
const config = JSON.parse(readFileSync(fixture(`models/${MODEL}/config.json`), 'utf8')) as Record<string, unknown>;
const reference = JSON.parse(readFileSync(fixture(`reference/${MODEL}.json`), 'utf8')) as {
  maxLength: number;
  scoringTokenIds: number[];
  padTokenId: number;
  cases: { id: string; options: { instruction?: string }; pairs: { query: string; passage: string; inputIds: number[]; truncated: boolean }[] }[];
};
const request = (extra: Partial<LoadRequest> = {}): LoadRequest => ({ model: MODEL, ...extra });

function refusal(action: () => unknown): RerankerError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(RerankerError);
    return error as RerankerError;
  }
  throw new Error('expected a refusal');
}

function batchOf(rows: number[][], length: number): BatchTensors {
  const ids = new BigInt64Array(rows.length * length);
  const mask = new BigInt64Array(rows.length * length);
  rows.forEach((row, r) => row.forEach((id, i) => {
    ids[r * length + i] = BigInt(id);
    mask[r * length + i] = 1n;
  }));
  return { batchSize: rows.length, length, inputIds: ids, attentionMask: mask, tokenTypeIds: new BigInt64Array(rows.length * length) };
}

describe('the preset on the published fixture, with its own tokenizer', () => {
  let tokenizer: PreTrainedTokenizer;
  beforeAll(async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = fileURLToPath(fixture('models/'));
    tokenizer = await AutoTokenizer.from_pretrained(MODEL);
  });

  it('scores "yes" and "no" by their vocabulary ids, pads with the tokenizer pad id', () => {
    const resolved = resolveManifest(config, request({ preset: 'qwen3-reranker' }));
    expect(resolved.published).toBe(true);
    const manifest = completeManifest(resolved, vocabularyLookup(tokenizer), MODEL, tokenizer.pad_token_id);
    expect(manifest?.scoring_token_ids).toEqual(reference.scoringTokenIds);
    expect(manifest?.pad_token_id).toBe(reference.padTokenId);
  });

  for (const testCase of reference.cases) {
    it(`${testCase.id}: prompt ids equal the card's (Python) on every pair, truncated ones included`, () => {
      const resolved = resolveManifest(config, request({ preset: 'qwen3-reranker', ...testCase.options }));
      const manifest = completeManifest(resolved, vocabularyLookup(tokenizer), MODEL, tokenizer.pad_token_id);
      const tools = tokenizerTools(tokenizer);
      const setup = scoringSetup(manifest, testCase.options, tools, MODEL);
      const planned = planRows(testCase.pairs.map((p) => [p.query, p.passage] as const), { prompt: setup.prompt, maxLength: reference.maxLength, tokenize: tools.tokenize }, false);
      testCase.pairs.forEach((pair, index) => {
        expect(planned.rows[index]?.inputIds).toEqual(pair.inputIds);
        expect(planned.rows[index]?.truncated).toBe(pair.truncated);
      });
    });
  }

  it('refuses a tokenizer without the scoring tokens, naming tokenizer.json', () => {
    const manifest = publishedManifest('qwen3-reranker', config, MODEL);
    const error = refusal(() => withScoringTokens(manifest, (token) => (token === 'yes' ? 5 : undefined), MODEL, 0));
    expect(error.code).toBe('unsupported-model');
    expect(error.details).toMatchObject({ file: 'tokenizer.json', missing: 'no' });
  });
});

describe('which path a model takes at load', () => {
  it('a Qwen3 causal LM without preset is refused, saying to pass it', () => {
    const error = refusal(() => resolveManifest(config, request()));
    expect(error.code).toBe('unsupported-model');
    expect(error.message).toContain("pass preset: 'qwen3-reranker'");
  });

  it('the preset on another family is refused, naming what it is', () => {
    const bert = { model_type: 'bert', architectures: ['BertForSequenceClassification'] };
    const error = refusal(() => resolveManifest(bert, request({ preset: 'qwen3-reranker' })));
    expect(error.code).toBe('unsupported-model');
    expect(error.message).toContain('bert, BertForSequenceClassification');
  });

  it('takes instruction, refuses prompt and cutoffLayer by name', () => {
    expect(resolveManifest(config, request({ preset: 'qwen3-reranker', instruction: 'Find facts.' })).manifest?.supports).toEqual(['instruction']);
    expect(refusal(() => resolveManifest(config, request({ preset: 'qwen3-reranker', prompt: 'Rate it.' }))).details['argument']).toBe('prompt');
  });

  it('an exported model keeps its manifest; a preset that disagrees with it is refused', () => {
    const exported = JSON.parse(readFileSync(fixture('models/tiny-qwen3-reranker/config.json'), 'utf8')) as Record<string, unknown>;
    expect(resolveManifest(exported, request({ preset: 'qwen3-reranker' }))).toMatchObject({ published: false, manifest: { output: 'scores' } });
    const mxbai = JSON.parse(readFileSync(fixture('models/tiny-mxbai-reranker/config.json'), 'utf8')) as Record<string, unknown>;
    expect(refusal(() => resolveManifest(mxbai, request({ preset: 'qwen3-reranker' }))).code).toBe('invalid-input');
  });

  it('an unknown preset is refused before anything loads', () => {
    expect(() => validateCreateOptions({ model: MODEL, preset: 'qwen2-reranker' })).toThrow(/preset must be one of qwen3-reranker/);
  });
});

describe('the graph and its feeds', () => {
  const shape = pastShape(config, MODEL);
  const io = { inputNames: ['input_ids', 'attention_mask', 'position_ids', ...pastInputNames(2)], outputNames: ['logits', 'present.0.key'] };

  it('reads the past shape from config.json, and refuses a config without it', () => {
    expect(shape).toEqual({ layers: 2, kvHeads: 2, headDim: 8 });
    expect(pastShape({ num_hidden_layers: 28, num_attention_heads: 16, hidden_size: 1024 }, 'm')).toEqual({ layers: 28, kvHeads: 16, headDim: 64 });
    const error = refusal(() => pastShape({ num_attention_heads: 4 }, 'm'));
    expect(error.details).toMatchObject({ file: 'config.json' });
    expect(error.message).toMatch(/num_hidden_layers.*head_dim/);
  });

  it('refuses a graph without the past inputs or logits, naming the file and what is missing', () => {
    expect(() => checkPublishedGraph(io, shape, 'onnx/model.onnx', MODEL)).not.toThrow();
    const trimmed = refusal(() => checkPublishedGraph({ inputNames: ['input_ids', 'attention_mask'], outputNames: ['scores'] }, shape, 'onnx/model_q4.onnx', MODEL));
    expect(trimmed.code).toBe('unsupported-model');
    expect(trimmed.message).toContain("onnx/model_q4.onnx lacks the inputs past_key_values.0.key, past_key_values.0.value, past_key_values.1.key, past_key_values.1.value and the output logits");
    const extra = refusal(() => checkPublishedGraph({ ...io, inputNames: [...io.inputNames, 'num_logits_to_keep'] }, shape, 'onnx/model.onnx', MODEL));
    expect(extra.message).toContain('inputs this library does not feed (num_logits_to_keep)');
  });

  it('feeds positions 0..length-1 and an empty past of [rows, kv heads, 0, head dim]', () => {
    const feeds = publishedFeeds(batchOf([[7, 8, 9], [4]], 3), shape);
    expect([...feeds.position_ids.data]).toEqual([0n, 1n, 2n, 0n, 1n, 2n]);
    expect(feeds.pastDims).toEqual([2, 2, 0, 8]);
  });

  it('gathers each row at its last real position', () => {
    const vocab = 5;
    const batch = batchOf([[1, 2, 3], [1]], 3);
    const logits = Float32Array.from({ length: 2 * 3 * vocab }, (_, i) => i);
    // Row 0 reads position 2, row 1 position 0; tokens 4 then 1.
    expect([...gatherLastLogits(logits, batch, vocab, [4, 1])]).toEqual([14, 11, 19, 16]);
  });

  it('runs through the session with the published feeds and fetches only logits', async () => {
    const vocab = 6;
    const seen: { feeds: Record<string, { type: string; dims: readonly number[]; size: number }>; fetches: readonly string[] }[] = [];
    const run = publishedRunner({
      session: {
        inputNames: io.inputNames,
        run: (feeds, fetches) => {
          seen.push({ feeds: feeds as (typeof seen)[number]['feeds'], fetches });
          return Promise.resolve({ logits: { type: 'float32', dims: [1, 2, vocab], data: Float32Array.from({ length: 2 * vocab }, (_, i) => i / 10) } });
        },
      },
      shape,
      pastType: 'float16',
      tokenIds: [3, 2],
      tensor: (type, data, dims) => ({ type, dims, size: data.length }),
    });
    const out = await run(batchOf([[5, 6]], 2));
    expect([...out].map((v) => Number(v.toFixed(4)))).toEqual([0.9, 0.8]);
    expect(seen[0]?.fetches).toEqual(['logits']);
    expect(Object.keys(seen[0]?.feeds ?? {}).sort()).toEqual([...io.inputNames].sort());
    expect(seen[0]?.feeds['past_key_values.1.value']).toEqual({ type: 'float16', dims: [1, 2, 0, 8], size: 0 });
    expect(seen[0]?.feeds['position_ids']).toEqual({ type: 'int64', dims: [1, 2], size: 2 });
  });

  it('splits a row into runs of at most chunk tokens', () => {
    expect(chunkRanges(5, 2)).toEqual([[0, 2], [2, 4], [4, 5]]);
    expect(chunkRanges(4, 16)).toEqual([[0, 4]]);
    expect(chunkRanges(32, 16)).toEqual([[0, 16], [16, 32]]);
  });

  it('in short runs (GQA on WebGPU): each row alone, unpadded, the presents fed back as the past, read at its last token', async () => {
    const vocab = 4;
    const seen: Record<string, { type: string; dims: readonly number[]; data: ArrayLike<number | bigint> }>[] = [];
    let call = 0;
    const run = publishedRunner({
      session: {
        inputNames: io.inputNames,
        run: (feeds, fetches) => {
          seen.push(feeds as (typeof seen)[number]);
          expect(fetches).toEqual(['logits', ...presentOutputNames(2)]);
          const width = (feeds['input_ids'] as { dims: number[] }).dims[1] as number;
          const total = (feeds['attention_mask'] as { dims: number[] }).dims[1] as number;
          call += 1;
          // Logit v at position p of call c is c * 100 + p * 10 + v; presents [1, 2, total, 8] tagged with the call.
          const logits = { type: 'float32', dims: [1, width, vocab], data: Float32Array.from({ length: width * vocab }, (_, i) => call * 100 + Math.floor(i / vocab) * 10 + (i % vocab)) };
          const present = { type: 'float32', dims: [1, 2, total, 8], data: new Float32Array(2 * total * 8).fill(call) };
          return Promise.resolve({ logits, ...Object.fromEntries(presentOutputNames(2).map((name) => [name, present])) });
        },
      },
      shape,
      pastType: 'float32',
      tokenIds: [3, 1],
      tensor: (type, data, dims) => ({ type, dims, data }),
      chunkTokens: 2,
    });
    // Row 0: 5 real tokens (runs of 2, 2, 1); row 1: 2 real tokens and 3 of padding (one run).
    const out = await run(batchOf([[11, 12, 13, 14, 15], [21, 22]], 5));
    expect(seen).toHaveLength(4);
    const ids = seen.map((feeds) => [...(feeds['input_ids']?.data as BigInt64Array)].map(Number));
    expect(ids).toEqual([[11, 12], [13, 14], [15], [21, 22]]);
    expect(seen.map((feeds) => [...(feeds['position_ids']?.data as BigInt64Array)].map(Number))).toEqual([[0, 1], [2, 3], [4], [0, 1]]);
    expect(seen.map((feeds) => feeds['attention_mask']?.dims)).toEqual([[1, 2], [1, 4], [1, 5], [1, 2]]);
    expect(seen.every((feeds) => [...(feeds['attention_mask']?.data as BigInt64Array)].every((v) => v === 1n))).toBe(true);
    // The past: empty at each row's first run, then the previous run's present (tagged with its call).
    expect(seen.map((feeds) => feeds['past_key_values.1.value']?.dims)).toEqual([[1, 2, 0, 8], [1, 2, 2, 8], [1, 2, 4, 8], [1, 2, 0, 8]]);
    expect(seen.map((feeds) => feeds['past_key_values.0.key']?.data[0])).toEqual([undefined, 1, 2, undefined]);
    // Row 0 reads call 3's only position (300 + v); row 1 call 4's second position (410 + v).
    expect([...out]).toEqual([303, 301, 413, 411]);
  });

  it('in short runs, refuses a run without logits or presents', async () => {
    const runWith = (result: Record<string, { type: string; dims: readonly number[]; data: unknown }>) =>
      publishedRunner({ session: { inputNames: io.inputNames, run: () => Promise.resolve(result) }, shape, pastType: 'float32', tokenIds: [0], tensor: () => ({}), chunkTokens: 2 })(batchOf([[1, 2, 3]], 3));
    await expect(runWith({})).rejects.toMatchObject({ code: 'inference-failed' });
    await expect(runWith({ logits: { type: 'float32', dims: [1, 2, 4], data: new Float32Array(8) } })).rejects.toThrow(/present\.0\.key/);
  });

  it('a GQA graph on WebGPU (chunkTokens): refused without present outputs (the model freed), else the reason says so', async () => {
    const manifest = publishedManifest('qwen3-reranker', config, MODEL);
    let disposed = 0;
    const plan = (outputNames: string[], chunkTokens: number | undefined) =>
      publishedPlan({
        request: request(),
        config,
        dtype: 'fp32',
        file: 'onnx/model.onnx',
        session: { inputNames: io.inputNames, outputNames, run: () => Promise.reject(new Error('not run')) },
        manifest,
        tensor: () => ({}),
        built: { dispose: () => Promise.resolve(disposed += 1) },
        chunkTokens,
      });
    const error = await plan(['logits', 'present.0.key', 'present.0.value'], 16).catch((e: unknown) => e as RerankerError);
    expect(error).toMatchObject({ code: 'unsupported-model', details: { file: 'onnx/model.onnx', missing: 'present.1.key,present.1.value' } });
    expect((error as RerankerError).message).toMatch(/GroupQueryAttention.*lacks the outputs present\.1\.key, present\.1\.value; load it with device: 'wasm'/);
    expect(disposed).toBe(1);
    // Without chunkTokens the presents are not needed.
    await expect(plan(['logits'], undefined)).resolves.toBeDefined();
    const memory: MemoryPlan = { maxLength: 256, rowsAt: () => 8, info: { rowsAtMaxLength: 8, reason: 'Attention fits.' } };
    const chunked = await plan(['logits', ...presentOutputNames(2)], 16);
    expect(chunked.bound(memory).info.reason).toMatch(/GroupQueryAttention.*each row runs alone, 16 tokens a run/);
    expect((await plan(['logits'], undefined)).bound(memory).info.reason).not.toMatch(/GroupQueryAttention/);
  });

  it('refuses logits of the wrong shape, and decodes float16 logits', async () => {
    const run = (dims: number[], type = 'float32', data: unknown = new Float32Array(12)) =>
      publishedRunner({
        session: { inputNames: io.inputNames, run: () => Promise.resolve({ logits: { type, dims, data } }) },
        shape,
        pastType: 'float32',
        tokenIds: [0],
        tensor: () => ({}),
      })(batchOf([[1, 2]], 2));
    await expect(run([1, 6])).rejects.toMatchObject({ code: 'inference-failed' });
    // 0x3c00 = 1.0, 0xc000 = -2.0 in IEEE half.
    const half = await run([1, 2, 2], 'float16', Uint16Array.from([0, 0, 0x3c00, 0xc000]));
    expect([...half]).toEqual([1]);
    expect(halfToFloat(0xc000)).toBe(-2);
  });
});

describe('rows per batch bounded by the logits', () => {
  it('keeps [rows, length, vocabulary] float32 logits within 256 MiB, at least one row', () => {
    const qwen3Vocab = 151_669;
    expect(logitsRowsAt(128, qwen3Vocab)).toBe(3);
    expect(logitsRowsAt(64, qwen3Vocab)).toBe(6);
    expect(logitsRowsAt(512, qwen3Vocab)).toBe(1);
    expect(logitsRowsAt(4096, qwen3Vocab)).toBe(1);
    for (const length of [16, 100, 333]) expect(logitsRowsAt(length, qwen3Vocab) * length * qwen3Vocab * 4).toBeLessThanOrEqual(256 * 1024 * 1024);
  });

  it('takes the lower of the attention plan and the logits bound, and says why in info.memory', () => {
    const memory: MemoryPlan = { maxLength: 1024, rowsAt: (length) => (length <= 64 ? 64 : 2), info: { rowsAtMaxLength: 2, reason: 'At 1024 tokens a batch holds at most 2 rows (attention).' } };
    const bound = boundByLogits(memory, 151_669);
    expect(bound.rowsAt(32)).toBe(13);
    expect(bound.rowsAt(128)).toBe(2);
    expect(bound.info.rowsAtMaxLength).toBe(1);
    expect(bound.info.reason).toMatch(/logits for every position and the whole vocabulary \(151669 entries\)/);
    expect(boundByLogits(memory, 1587).rowsAt(32)).toBe(64);
  });
});
