/**
 * `instruction` per call (`rerank`/`score`/`encode`): the rows of a call-level instruction are the rows of a
 * reranker loaded with it (and the Python ids of the fixtures' instruction cases), for the three families
 * with an instruction slot; models without one refuse it by name; the token cache never hands a call ids
 * built under another instruction; concurrent calls with different instructions do not mix; and
 * `info.scoring.instruction` keeps the reranker's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeLogit } from './fake-model.js';
import { closeHarnesses, expectedScore, harness } from './proxy-harness.js';
import type { LoadedModel, ModelLoader } from '../../src/engine/loaded-model.js';
import { checkScoringOptions, scoringSetup, type ScoringOptions } from '../../src/engine/manifest-prompt.js';
import { planRows } from '../../src/engine/pair-rows.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import { readManifest } from '../../src/engine/reranker-manifest.js';
import { RerankerError } from '../../src/shared/errors.js';
import { tokenizerTools } from '../../src/runtime/tokenizer-tools.js';

afterEach(closeHarnesses);

interface Reference {
  maxLength: number;
  cases: { id: string; options: ScoringOptions; pairs: { id: string; query: string; passage: string; inputIds: number[] }[] }[];
}

const fixture = (path: string) => new URL(`../../fixtures/${path}`, import.meta.url);
const tokenizers = new Map<string, PreTrainedTokenizer>();

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = fileURLToPath(fixture('models/'));
  for (const model of ['tiny-minicpm-reranker', 'tiny-qwen3-reranker', 'tiny-mxbai-reranker', 'tiny-gemma-reranker', 'tiny-qwen2-lb-reranker', 'tiny-layerwise-reranker', 'tiny-bert-reranker']) {
    tokenizers.set(model, await AutoTokenizer.from_pretrained(model));
  }
});

const tools = (model: string) => tokenizerTools(tokenizers.get(model) as PreTrainedTokenizer);
const manifestOf = (model: string) => readManifest(JSON.parse(readFileSync(fixture(`models/${model}/config.json`), 'utf8')), model);
const referenceOf = (model: string) => JSON.parse(readFileSync(fixture(`reference/${model}.json`), 'utf8')) as Reference;

function setupOf(model: string, options: ScoringOptions) {
  const manifest = manifestOf(model);
  checkScoringOptions(manifest, options, model);
  return scoringSetup(manifest, options, tools(model), model);
}

function rowIds(model: string, prompt: ReturnType<typeof setupOf>['prompt'], pairs: readonly (readonly [string, string])[], maxLength: number) {
  const planned = planRows(pairs, { prompt, maxLength, tokenize: tools(model).tokenize }, false);
  return planned.rows.map((row) => row.inputIds);
}

const OTHER = 'Find the passage a child would understand.';

for (const model of ['tiny-minicpm-reranker', 'tiny-qwen3-reranker', 'tiny-mxbai-reranker']) {
  describe(`${model}: a call's instruction`, () => {
    const reference = referenceOf(model);
    const instructed = reference.cases.find((c) => c.options.instruction !== undefined);
    const plain = reference.cases.find((c) => c.options.instruction === undefined);
    if (instructed === undefined || plain === undefined) throw new Error(`${model}: the reference lacks its instruction cases`);
    const instruction = instructed.options.instruction as string;

    it('builds the Python ids of the instruction case on a reranker loaded without one', () => {
      const loaded = setupOf(model, {});
      const pairs = instructed.pairs.map((pair) => [pair.query, pair.passage] as const);
      expect(rowIds(model, loaded.promptFor(instruction), pairs, reference.maxLength)).toEqual(instructed.pairs.map((pair) => pair.inputIds));
      // The load-time prompt and what info reports are left as they were.
      expect(rowIds(model, loaded.prompt, pairs, reference.maxLength)).not.toEqual(instructed.pairs.map((pair) => pair.inputIds));
      const spec = manifestOf(model)?.prompt;
      expect(loaded.info.instruction).toBe(spec?.style === 'wrapped' ? spec.default_instruction : undefined);
    });

    it('gives the rows of a reranker loaded with it, on every fixture pair (truncated ones too), whatever the load-time one', () => {
      const pairs = [...plain.pairs, ...instructed.pairs].map((pair) => [pair.query, pair.passage] as const);
      for (const wanted of [instruction, OTHER]) {
        const expected = rowIds(model, setupOf(model, { instruction: wanted }).prompt, pairs, reference.maxLength);
        expect(rowIds(model, setupOf(model, {}).promptFor(wanted), pairs, reference.maxLength), wanted).toEqual(expected);
        const otherLoad = setupOf(model, { instruction: wanted === OTHER ? instruction : OTHER });
        expect(rowIds(model, otherLoad.promptFor(wanted), pairs, reference.maxLength), wanted).toEqual(expected);
      }
    });
  });
}

describe('a model without an instruction slot', () => {
  it('refuses a call instruction by name, with the model and what it does take', () => {
    const cases: [string, RegExp][] = [
      ['tiny-gemma-reranker', /This model takes: prompt\./],
      ['tiny-layerwise-reranker', /This model takes: prompt, cutoffLayer\./],
      ['tiny-qwen2-lb-reranker', /This model takes none of these options\./],
      ['tiny-bert-reranker', /This model takes none of these options\./],
    ];
    for (const [model, takes] of cases) {
      const setup = scoringSetup(manifestOf(model), {}, tools(model), model);
      let caught: unknown;
      try {
        setup.promptFor('x');
      } catch (error) {
        caught = error;
      }
      expect(caught, model).toBeInstanceOf(RerankerError);
      const error = caught as RerankerError;
      expect(error.code).toBe('invalid-input');
      expect(error.details['argument']).toBe('instruction');
      expect(error.message).toContain(`instruction is not an option of ${model}`);
      expect(error.message).toContain('MiniCPM-Reranker, Qwen3-Reranker and mxbai-rerank v2');
      expect(error.message).toMatch(takes);
    }
  });
});

/**
 * An engine over a fixture's real tokenizer and prompt; the "model" scores a row as the fake model does (a
 * known function of its ids), and counts the texts it is asked to tokenize.
 */
function fixtureLoader(model: string, runs: { rows: number }, tokenized: string[]): ModelLoader {
  return async (request) => {
    const setup = setupOf(model, request.instruction === undefined ? {} : { instruction: request.instruction });
    const loaded: LoadedModel = {
      device: 'wasm',
      dtype: 'fp32',
      maxLength: referenceOf(model).maxLength,
      wasmThreads: 1,
      prompt: setup.prompt,
      promptFor: (instruction) => setup.promptFor(instruction),
      head: setup.head,
      scoring: setup.info,
      padTokenId: 0,
      maxBatchRows: 64,
      graphCapture: { enabled: false, reason: 'test' },
      tokenize: (text) => (tokenized.push(text), tools(model).tokenize(text)),
      run: async (batch) => {
        runs.rows += batch.batchSize;
        const width = manifestOf(model)?.scoring_token_ids?.length ?? 1;
        const logits = new Float32Array(batch.batchSize * width);
        for (let row = 0; row < batch.batchSize; row++) {
          const ids: number[] = [];
          for (let position = 0; position < batch.length; position++) {
            const index = row * batch.length + position;
            if (batch.attentionMask[index] === 1n) ids.push(Number(batch.inputIds[index]));
          }
          logits[row * width] = fakeLogit(ids);
        }
        return logits;
      },
      dispose: async () => undefined,
    };
    return loaded;
  };
}

async function engineFor(model: string, instruction?: string) {
  const runs = { rows: 0 };
  const tokenized: string[] = [];
  const engine = new RerankEngine(fixtureLoader(model, runs, tokenized));
  await engine.load({ model, ...(instruction === undefined ? {} : { instruction }) });
  return { engine, runs, tokenized };
}

const PAIRS: [string, string][] = [
  ['what do pandas eat?', 'Giant pandas eat bamboo almost exclusively.'],
  ['what do pandas eat?', 'The stock market fell on Tuesday.'],
  ['how tall is a giraffe?', 'Adult giraffes stand up to 5.7 metres tall.'],
];

for (const model of ['tiny-qwen3-reranker', 'tiny-minicpm-reranker']) {
  describe(`${model}: call instructions in the engine`, () => {
    it('never serves a passage tokenized under another instruction from the token cache', async () => {
      const { engine, tokenized } = await engineFor(model);
      const loadedWith = async (instruction: string | undefined) => (await engineFor(model, instruction)).engine.encode(1, PAIRS);
      let callId = 1;
      for (const instruction of [undefined, 'First task.', OTHER, undefined, 'First task.']) {
        const rows = await engine.encode(callId++, PAIRS, instruction === undefined ? {} : { instruction });
        expect(rows, String(instruction)).toEqual(await loadedWith(instruction));
      }
      // The cache was in use: the repeated instructions tokenized nothing new.
      const before = tokenized.length;
      await engine.encode(callId++, PAIRS, { instruction: OTHER });
      expect(tokenized.length).toBe(before);
      expect(engine.info.scoring.instruction).toBe((await engineFor(model)).engine.info.scoring.instruction);
    });

    it('keeps concurrent calls with different instructions apart, and info keeps the load-time instruction', async () => {
      const { engine } = await engineFor(model, 'Loaded task.');
      const instructions = ['First task.', undefined, OTHER, 'First task.', undefined, OTHER];
      const calls = instructions.map((instruction, index) =>
        engine.score(index + 1, PAIRS, instruction === undefined ? {} : { instruction }),
      );
      const ranked = engine.rerank(100, PAIRS[0]?.[0] as string, PAIRS.map(([, passage]) => passage), { instruction: OTHER });
      const results = await Promise.all(calls);
      for (const [index, instruction] of instructions.entries()) {
        const alone = await engineFor(model, instruction ?? 'Loaded task.');
        expect(results[index], String(instruction)).toEqual(await alone.engine.score(1, PAIRS));
      }
      const expected = await (await engineFor(model, OTHER)).engine.score(1, PAIRS.map(([, passage]) => [PAIRS[0]?.[0] as string, passage]));
      for (const result of await ranked) expect(result.score).toBe(expected[result.index]);
      expect(new Set(results.map((scores) => scores.join())).size).toBe(3);
      expect(engine.info.scoring.instruction).toBe('Loaded task.');
    });
  });
}

describe('a call instruction a model cannot take', () => {
  it('is refused before anything runs, naming the model; the next call runs', async () => {
    const { engine, runs } = await engineFor('tiny-gemma-reranker');
    const afterWarmUp = runs.rows;
    for (const call of [
      engine.rerank(1, 'q', ['p'], { instruction: 'x' }),
      engine.rerank(2, 'q', [], { instruction: 'x' }),
      engine.score(3, [['q', 'p']], { instruction: 'x' }),
      engine.encode(4, [['q', 'p']], { instruction: 'x' }),
    ]) {
      await expect(call).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('instruction is not an option of tiny-gemma-reranker') });
    }
    expect(runs.rows).toBe(afterWarmUp);
    await expect(engine.score(5, [['q', 'p']])).resolves.toHaveLength(1);
  });
});

describe('a call instruction through the proxy', () => {
  it('crosses to the worker for rerank, score and encode', async () => {
    const h = await harness();
    expect(await h.reranker.score([['q', 'p']], { instruction: 'I' })).toEqual([expect.closeTo(expectedScore('I: q', 'p'), 6)]);
    expect(await h.reranker.score([['q', 'p']])).toEqual([expect.closeTo(expectedScore('q', 'p'), 6)]);
    const [result] = await h.reranker.rerank('q', ['p'], { instruction: 'I' });
    expect(result?.score).toBeCloseTo(expectedScore('I: q', 'p'), 6);
    const [row] = await h.reranker.encode([['q', 'p']], { instruction: 'I' });
    expect(row?.inputIds).toEqual([101, ...Array.from('I: q', (c) => 1000 + (c.codePointAt(0) ?? 0)), 102, 1112, 102]);
  });

  it('is checked on the page: a non-empty string within maxQueryChars', async () => {
    const h = await harness({ limits: { maxQueryChars: 20 } });
    const refused = async (call: Promise<unknown>, pattern: RegExp) => {
      await expect(call).rejects.toMatchObject({ code: 'invalid-input', details: { argument: 'instruction' }, message: expect.stringMatching(pattern) });
    };
    await refused(h.reranker.score([['q', 'p']], { instruction: '' }), /non-empty string, got an empty string/);
    await refused(h.reranker.rerank('q', ['p'], { instruction: 7 as unknown as string }), /non-empty string, got number/);
    await refused(h.reranker.encode([['q', 'p']], { instruction: '  ' }), /non-empty string/);
    await refused(h.reranker.rerank('q', ['p'], { instruction: 'i'.repeat(21) }), /maxQueryChars/);
    expect(h.controls.batches).toHaveLength(1); // the warm-up only
  });
});
