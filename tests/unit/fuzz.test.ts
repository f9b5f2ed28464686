/**
 * Seeded fuzzing of rerank/score with hostile input (tests/fuzz/hostile-inputs.ts), through the proxy and
 * the engine over a MessageChannel with the fake model, and against the engine alone. Every case must end
 * in the exact typed error its fault calls for, or in a result equal to an independent oracle, within a
 * deadline; the reranker must keep working after every case.
 *
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> npx vitest run tests/unit/fuzz.test.ts
 */
import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { afterEach, describe, expect, it } from 'vitest';
import { BERT_LIKE_TEMPLATE, charIds, fakeLoader, fakeLogit, type FakeModelControls } from './fake-model.js';
import { MAX_LENGTH, closeHarnesses, expectedScore, harness } from './proxy-harness.js';
import {
  HOSTILE_CHAT_TEMPLATES,
  HOSTILE_MODEL_MAX_LENGTHS,
  generateCases,
  hostileManifest,
  hostileText,
  type FuzzCase,
} from '../fuzz/hostile-inputs.js';
import { random } from '../../scripts/shared/seeded-random.js';
import { scoringSetup, type TokenizerTools } from '../../src/engine/manifest-prompt.js';
import { pairLengthLimit } from '../../src/engine/max-length.js';
import { readManifest } from '../../src/engine/reranker-manifest.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import { RerankerError } from '../../src/shared/errors.js';
import type { RerankResult } from '../../src/shared/types.js';

afterEach(closeHarnesses);

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_240_611);
const CASES = Number(process.env['FUZZ_CASES'] ?? 400);

// ---- The oracle: what the fake model must answer, computed from the documented rules alone ----

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** FlagEmbedding pair: [CLS] query (cut at 3/4 maxLength) [SEP] passage (cut to fit) [SEP]. */
function pairIds(query: number[], passage: number[]): number[] {
  const q = query.slice(0, Math.floor((MAX_LENGTH * 3) / 4));
  return [101, ...q, 102, ...passage.slice(0, Math.max(0, MAX_LENGTH - q.length - 3)), 102];
}

interface Oracle {
  score: number;
  truncated: boolean;
  window?: { index: number; count: number; total: number; tokenStart: number; tokenEnd: number };
}

function oracle(query: string, passage: string, chunking: unknown): Oracle {
  const q = charIds(query);
  const p = charIds(passage);
  const queryCut = q.length > Math.floor((MAX_LENGTH * 3) / 4);
  if (chunking === undefined || chunking === false) {
    const room = Math.max(0, MAX_LENGTH - Math.min(q.length, 48) - 3);
    return { score: fakeLogit(pairIds(q, p)), truncated: queryCut || p.length > room };
  }
  const settings = chunking === true ? {} : (chunking as { maxChunksPerDoc?: number; chunkOverlap?: number });
  const maxChunks = settings.maxChunksPerDoc ?? 8;
  const room = Math.max(0, MAX_LENGTH - Math.min(q.length, 48) - 3);
  const starts: number[] = [0];
  let total = 1;
  if (room > 0 && p.length > room) {
    const stride = room - Math.min(settings.chunkOverlap ?? 32, Math.floor(room / 2));
    for (let start = stride; start + room < p.length; start += stride) starts.push(start);
    starts.push(p.length - room);
    total = starts.length;
  }
  const scored = starts.slice(0, maxChunks);
  const width = room > 0 ? Math.min(room, p.length) : 0;
  const scores = scored.map((start) => fakeLogit(pairIds(q, p.slice(start, start + width))));
  const best = scores.indexOf(Math.max(...scores));
  return {
    score: scores[best] as number,
    truncated: queryCut || scored.length < total || width < p.length && total === 1,
    window: { index: best, count: scored.length, total, tokenStart: scored[best] as number, tokenEnd: (scored[best] as number) + width },
  };
}

const close = (got: number | undefined, want: number) => Math.abs((got ?? Number.NaN) - want) <= 1e-5 + Math.abs(want) * 2e-7;

// ---- Running one case ----

interface Target {
  rerank(query: string, documents: readonly string[], options?: object): Promise<RerankResult[]>;
  score(pairs: readonly (readonly [string, string])[], options?: object): Promise<number[]>;
}

async function withDeadline<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function runCase(target: Target, fuzz: FuzzCase): Promise<void> {
  const call =
    fuzz.method === 'rerank'
      ? target.rerank(fuzz.query as string, fuzz.items as string[], fuzz.options as object)
      : target.score(fuzz.items as [string, string][], fuzz.options as object);
  const outcome = await withDeadline(
    call.then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error }),
    ),
    fuzz.big ? 60_000 : 5_000,
    fuzz.name,
  );
  const { expected } = fuzz;
  if (!expected.ok) {
    expect(outcome.error, `${fuzz.name}: expected a typed error`).toBeInstanceOf(RerankerError);
    const error = outcome.error as RerankerError;
    expect({ code: error.code, argument: error.details['argument'] }, fuzz.name).toEqual({ code: expected.code, argument: expected.argument });
    if (expected.index !== undefined) expect(error.details['index'], `${fuzz.name}: ${error.message}`).toBe(expected.index);
    if (expected.limit !== undefined) expect(error.details['limit'], fuzz.name).toBe(expected.limit);
    return;
  }
  expect(outcome.error, `${fuzz.name}: ${String(outcome.error)}`).toBeUndefined();
  const options = (fuzz.options ?? {}) as { normalize?: boolean; chunking?: unknown; topK?: number; returnDocuments?: boolean };
  const finish = (score: number) => (options.normalize === true ? sigmoid(score) : score);
  if (fuzz.method === 'score') {
    const pairs = fuzz.items as [string, string][];
    const scores = outcome.value as number[];
    expect(scores, fuzz.name).toHaveLength(pairs.length);
    pairs.forEach(([q, p], i) => expect(close(scores[i], finish(oracle(q, p, options.chunking).score)), `${fuzz.name} pair ${i}`).toBe(true));
    return;
  }
  const documents = fuzz.items as string[];
  const results = outcome.value as RerankResult[];
  expect(results, fuzz.name).toHaveLength(Math.min(options.topK ?? documents.length, documents.length));
  expect(new Set(results.map((r) => r.index)).size, `${fuzz.name}: indices unique`).toBe(results.length);
  results.forEach((result, rank) => {
    const next = results[rank + 1];
    if (next !== undefined) expect(result.score > next.score || (result.score === next.score && result.index < next.index), `${fuzz.name}: sorted`).toBe(true);
    const want = oracle(fuzz.query as string, documents[result.index] as string, options.chunking);
    expect(close(result.score, finish(want.score)), `${fuzz.name} document ${result.index}`).toBe(true);
    expect(result.truncated, `${fuzz.name} document ${result.index} truncated`).toBe(want.truncated);
    expect(result.document, fuzz.name).toBe(options.returnDocuments === true ? documents[result.index] : undefined);
    if (want.window === undefined) expect(result.chunk, fuzz.name).toBeUndefined();
    else expect(result.chunk, `${fuzz.name} document ${result.index}`).toMatchObject(want.window);
  });
  // Equal texts score equally, whatever their position.
  const byText = new Map<string, number>();
  for (const result of results) {
    const text = documents[result.index] as string;
    const seen = byText.get(text);
    if (seen === undefined) byText.set(text, result.score);
    else expect(result.score, `${fuzz.name}: duplicates`).toBe(seen);
  }
}

describe(`fuzzing with seed ${SEED}`, () => {
  it(`${CASES} hostile cases through the proxy: each a correct result or the exact typed error, and the reranker keeps working`, async () => {
    const h = await harness();
    const cases = generateCases(SEED, CASES, { big: true });
    const kinds = new Set(cases.map((c) => c.name.split(' ')[1]));
    expect(kinds.size, 'every kind of case was drawn').toBe(14);
    for (const fuzz of cases) {
      await runCase(h.reranker, fuzz);
      expect((await h.reranker.score([['still', 'works']]))[0], `after ${fuzz.name}`).toBeCloseTo(expectedScore('still', 'works'), 5);
    }
    expect(h.workersStarted).toBe(1);
  }, 300_000);

  it('the engine alone (no proxy checks in front) gives the same answers', async () => {
    const controls: FakeModelControls = { batches: [], disposed: false };
    const engine = new RerankEngine(fakeLoader(controls, MAX_LENGTH));
    await engine.load({ model: 'fake' });
    let callId = 0;
    const target: Target = {
      rerank: (query, documents, options) => engine.rerank(++callId, query, documents, options),
      score: (pairs, options) => engine.score(++callId, pairs, options),
    };
    for (const fuzz of generateCases(SEED + 1, 150, { big: false })) {
      const before = controls.batches.length;
      await runCase(target, fuzz);
      // Nothing is partially scored: a refused call ran no batch.
      if (!fuzz.expected.ok) expect(controls.batches.length, fuzz.name).toBe(before);
    }
  }, 120_000);

  it('scores a 1 MB hostile document when the limits allow it, with and without chunking', async () => {
    const h = await harness({ limits: { maxDocumentChars: 2_000_000, maxTotalChars: 20_000_000 } });
    expect(h.reranker.info.limits).toEqual({ maxDocuments: 10_000, maxDocumentChars: 2_000_000, maxQueryChars: 10_000, maxTotalChars: 20_000_000 });
    const rng = random(SEED);
    const unit = hostileText(rng, 200) || 'z';
    const big = unit.repeat(Math.ceil(2 ** 20 / unit.length)).slice(0, 2 ** 20);
    for (const chunking of [false, true] as const) {
      const [result] = await withDeadline(h.reranker.rerank('query', [big], { chunking }), 30_000, '1 MB');
      const want = oracle('query', big, chunking);
      expect(close(result?.score, want.score)).toBe(true);
      expect(result?.truncated).toBe(true);
      if (chunking) expect(result?.chunk).toMatchObject({ count: 8 });
    }
  }, 120_000);
});

describe('limits', () => {
  it('refuse each exceeded limit with invalid-input naming it, and accept a call right at it', async () => {
    const h = await harness({ limits: { maxDocuments: 3, maxDocumentChars: 10, maxQueryChars: 5, maxTotalChars: 25 } });
    const error = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: RerankerError) => ({ code: e.code, ...e.details, message: e.message }),
      );
    expect(await error(h.reranker.rerank('q', ['a', 'b', 'c', 'd']))).toMatchObject({
      code: 'invalid-input',
      limit: 'maxDocuments',
      limitValue: 3,
      actual: 4,
      message: expect.stringContaining('maxDocuments') as string,
    });
    expect(await error(h.reranker.rerank('q', ['a', 'x'.repeat(11)]))).toMatchObject({ limit: 'maxDocumentChars', index: 1, limitValue: 10 });
    expect(await error(h.reranker.rerank('qqqqqq', []))).toMatchObject({ limit: 'maxQueryChars', argument: 'query' });
    expect(await error(h.reranker.rerank('q', ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(10)]))).toMatchObject({ limit: 'maxTotalChars', actual: 31 });
    expect(await error(h.reranker.score([['q', 'a'], ['qqqqqq', 'b']]))).toMatchObject({ limit: 'maxQueryChars', argument: 'pairs', index: 1 });
    expect(h.controls.batches).toHaveLength(1); // warm-up only
    expect(await h.reranker.rerank('qqqqq', ['x'.repeat(10), 'x'.repeat(10)])).toHaveLength(2); // 25 characters: allowed
  });

  it('refuse bad limit options', async () => {
    const { validateCreateOptions } = await import('../../src/shared/validate.js');
    for (const limits of [{ maxDocuments: 0 }, { maxQueryChars: 1.5 }, { maxTotalChars: '9' }, { maxDocumentChars: Infinity }, 'big']) {
      expect(() => validateCreateOptions({ model: 'm', limits }), JSON.stringify(limits)).toThrow(RerankerError);
    }
  });

  it('documents the defaults in info', async () => {
    const h = await harness();
    expect(h.reranker.info.limits).toEqual({ maxDocuments: 10_000, maxDocumentChars: 100_000, maxQueryChars: 10_000, maxTotalChars: 10_000_000 });
  });
});

// ---- Model files: manifests and tokenizer_config.json ----

describe('fuzzing model files', () => {
  const fixtureManifests = ['tiny-gemma-reranker', 'tiny-qwen2-lb-reranker', 'tiny-layerwise-reranker', 'tiny-minicpm-reranker'].map(
    (name) => (JSON.parse(readFileSync(new URL(`../../fixtures/models/${name}/config.json`, import.meta.url), 'utf8')) as { webgpu_reranker: Record<string, unknown> }).webgpu_reranker,
  );
  /** Tools of a tokenizer that encodes by characters and renders chat templates with @huggingface/jinja, as transformers.js does. */
  const tools = (template: unknown): TokenizerTools => ({
    tokenize: charIds,
    pairTemplate: () => BERT_LIKE_TEMPLATE,
    chatTemplate: () => template,
    renderChat: (messages, addGenerationPrompt) => {
      const text = Array.isArray(template) ? (template[0] as { template: string }).template : (template as string);
      return new Template(text).render({ messages, add_generation_prompt: addGenerationPrompt, raise_exception: (m: string) => { throw new Error(m); } });
    },
  });
  const GOOD_TEMPLATE = HOSTILE_CHAT_TEMPLATES[0];

  it(`manifests: ${CASES} mutated manifests give a typed error naming a field, or finite lengths and a working head`, () => {
    const rng = random(SEED + 1);
    for (let i = 0; i < CASES; i++) {
      const manifest = hostileManifest(rng, rng.pick(fixtureManifests));
      const label = `seed ${SEED + 1} case ${i}: ${JSON.stringify(manifest).slice(0, 300)}`;
      const started = Date.now();
      try {
        const read = readManifest({ webgpu_reranker: manifest }, 'm');
        if (read === undefined) throw new Error('no manifest');
        const setup = scoringSetup(read, {}, tools(GOOD_TEMPLATE), 'm');
        const tail = setup.prompt.kind === 'segments' ? setup.prompt.tail.length : 0;
        const limit = pairLengthLimit({ cap: 8192, modelMaxLength: 1e30, maxPositionEmbeddings: undefined, positionOffset: 0, maxPositions: read.max_positions, tailLength: tail }, 'm');
        const maxLength = Math.min(read.max_length, limit);
        expect(Number.isInteger(maxLength) && maxLength >= 8, label).toBe(true);
        expect(Number.isInteger(read.pad_token_id) && read.pad_token_id >= 0, label).toBe(true);
        const width = read.scoring_token_ids?.length ?? 1;
        const scores = setup.head.scores(new Float32Array(width * 2).fill(0.25), 2);
        expect(scores.every(Number.isFinite), label).toBe(true);
        expect(scores.map((score) => setup.head.normalize(score)).every(Number.isFinite), label).toBe(true);
        if (setup.prompt.kind === 'segments') expect(setup.prompt.template.prefix.every((id) => Number.isInteger(id) && id >= 0), label).toBe(true);
      } catch (error) {
        expect(error, label).toBeInstanceOf(RerankerError);
        const typed = error as RerankerError;
        expect(typed.code, label).toBe('unsupported-model');
        expect(typeof typed.details['field'], label).toBe('string');
        expect(typed.message, label).toContain(String(typed.details['field']));
        expect(typed.message, label).toMatch(/re-export/i);
      }
      expect(Date.now() - started, label).toBeLessThan(2_000);
    }
  });

  it('tokenizer configs: hostile chat templates and model_max_length give a typed error or a correct prompt, never a hang', () => {
    const lb = fixtureManifests[1] as Record<string, unknown>;
    const read = readManifest({ webgpu_reranker: lb }, 'm');
    for (const template of HOSTILE_CHAT_TEMPLATES) {
      const label = `template ${JSON.stringify(template)?.slice(0, 80)}`;
      const started = Date.now();
      try {
        const setup = scoringSetup(read, {}, tools(template), 'm');
        if (setup.prompt.kind !== 'chat') throw new Error('not a chat prompt');
        const text = setup.prompt.render('the query', 'the passage');
        expect(text, label).toContain('the query');
        expect(text, label).toContain('the passage');
      } catch (error) {
        expect(error, label).toBeInstanceOf(RerankerError);
        expect((error as RerankerError).code, label).toBe('unsupported-model');
        expect((error as RerankerError).details['field'], label).toBe('chat_template');
      }
      expect(Date.now() - started, label).toBeLessThan(3_000);
    }
    for (const modelMaxLength of HOSTILE_MODEL_MAX_LENGTHS) {
      const label = `model_max_length ${String(modelMaxLength)}`;
      try {
        const limit = pairLengthLimit({ cap: 512, modelMaxLength, maxPositionEmbeddings: 512, positionOffset: 0, tailLength: 0 }, 'm');
        expect(Number.isInteger(limit) && limit >= 8 && limit <= 512, label).toBe(true);
        if (typeof modelMaxLength === 'number' && modelMaxLength >= 8 && modelMaxLength < 512) expect(limit, label).toBe(Math.floor(modelMaxLength));
      } catch (error) {
        expect((error as RerankerError).code, label).toBe('unsupported-model');
        expect((error as RerankerError).details['field'], label).toBe('model_max_length');
        expect(typeof modelMaxLength === 'number' && modelMaxLength > 0 && modelMaxLength < 8, label).toBe(true);
      }
    }
  });
});
