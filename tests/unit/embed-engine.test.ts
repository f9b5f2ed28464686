import { describe, expect, it } from 'vitest';
import type { BatchTensors } from '../../src/engine/batching.js';
import { EmbedEngine, encodeText } from '../../src/engine/embed-engine.js';
import type { LoadedEmbeddingModel } from '../../src/engine/embedding-model.js';
import { hiddenStates, poolRow } from '../../src/engine/pooling.js';
import { RerankerError } from '../../src/shared/errors.js';

describe('poolRow', () => {
  // Two rows of 3 tokens, 2 dimensions; row 1 has one padding token.
  const data = new Float32Array([1, 2, 3, 4, 5, 6, /* row 1 */ 2, 0, 4, 0, 100, 100]);
  const hidden = hiddenStates(data, 2, 3);

  it('takes the first token for cls and the mean of the real tokens for mean, padding left out', () => {
    expect(Array.from(poolRow(hidden, 0, 3, 'cls', false))).toEqual([1, 2]);
    expect(Array.from(poolRow(hidden, 0, 3, 'mean', false))).toEqual([3, 4]);
    expect(Array.from(poolRow(hidden, 1, 2, 'mean', false))).toEqual([3, 0]);
  });

  it('L2-normalizes when asked, and leaves an all-zero vector at zero', () => {
    const v = poolRow(hidden, 0, 3, 'mean', true);
    expect(v[0]).toBeCloseTo(0.6, 6);
    expect(v[1]).toBeCloseTo(0.8, 6);
    const zeros = hiddenStates(new Float32Array(4), 1, 2);
    expect(Array.from(poolRow(zeros, 0, 2, 'mean', true))).toEqual([0, 0]);
  });

  it('refuses an output that is not rows x tokens x dimensions', () => {
    expect(() => hiddenStates(new Float32Array(7), 2, 3)).toThrow(/7 values for 2 x 3 tokens/);
  });
});

/** A fake model: token id t has the vector [t, 1]; tokenize maps each character to its code. */
function fakeModel(overrides: Partial<LoadedEmbeddingModel> = {}, log: BatchTensors[] = []): LoadedEmbeddingModel {
  return {
    device: 'wasm',
    dtype: 'fp32',
    maxLength: 8,
    padTokenId: 0,
    maxBatchRows: 64,
    setup: { pooling: 'mean', pooledInGraph: false, normalize: false, queryPrefix: 'Q', documentPrefix: 'D', dimensions: 2, source: 'test' },
    lead: [1],
    tail: [2],
    tokenize: (text) => Array.from(text, (c) => c.charCodeAt(0)),
    run: async (batch) => {
      log.push(batch);
      const out = new Float32Array(batch.batchSize * batch.length * 2);
      batch.inputIds.forEach((id, i) => {
        out[i * 2] = Number(id);
        out[i * 2 + 1] = 1;
      });
      return out;
    },
    dispose: async () => undefined,
    ...overrides,
  };
}

async function loaded(model: LoadedEmbeddingModel, budget?: number): Promise<EmbedEngine> {
  const engine = new EmbedEngine(async () => model);
  await engine.load({ model: 'fake', ...(budget === undefined ? {} : { batchTokenBudget: budget }) });
  return engine;
}

describe('EmbedEngine', () => {
  it('wraps the prefixed text in the template and truncates it to maxLength', () => {
    const model = fakeModel();
    expect(encodeText(model, 'Dab')).toEqual([1, 68, 97, 98, 2]);
    expect(encodeText(model, 'Dabcdefghij')).toHaveLength(8);
    expect(encodeText(model, 'Dabcdefghij').at(-1)).toBe(2);
  });

  it('applies the query or document prefix and pools each text, in input order', async () => {
    const engine = await loaded(fakeModel());
    const [doc] = await engine.embed(1, ['a']);
    // tokens [1, 'D'=68, 'a'=97, 2]: mean of first coordinates = 168 / 4
    expect(Array.from(doc ?? [])).toEqual([42, 1]);
    const [query] = await engine.embed(2, ['a'], 'query');
    expect(Array.from(query ?? [])).toEqual([(1 + 81 + 97 + 2) / 4, 1]);
    const several = await engine.embed(3, ['aaaa', 'a', 'aa']);
    const expected = [(1 + 68 + 4 * 97 + 2) / 7, 42, (1 + 68 + 2 * 97 + 2) / 5];
    several.forEach((v, i) => expect(v[0]).toBeCloseTo(expected[i] ?? Number.NaN, 4));
  });

  it('sorts by length into batches within the token budget, q8 graphs one row per batch', async () => {
    const log: BatchTensors[] = [];
    const engine = await loaded(fakeModel({ maxLength: 512 }, log), 512);
    log.length = 0;
    const texts = Array.from({ length: 40 }, (_, i) => 'x'.repeat(i % 2 === 0 ? 4 : 200));
    await engine.embed(1, texts);
    expect(log.every((batch) => batch.batchSize * batch.length <= 512)).toBe(true);
    expect(log.map((batch) => batch.length)).toEqual([...log.map((batch) => batch.length)].sort((a, b) => a - b));
    const q8Log: BatchTensors[] = [];
    const q8 = await loaded(fakeModel({ maxBatchRows: 1 }, q8Log));
    q8Log.length = 0;
    await q8.embed(1, ['a', 'b', 'c']);
    expect(q8Log.map((batch) => batch.batchSize)).toEqual([1, 1, 1]);
  });

  it('refuses bad input with invalid-input naming the position', async () => {
    const engine = await loaded(fakeModel());
    await expect(engine.embed(1, ['a', 5 as unknown as string])).rejects.toMatchObject({ code: 'invalid-input', details: { index: 1 } });
    await expect(engine.embed(2, 'abc' as unknown as string[])).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(engine.embed(3, ['a'], 'passage' as unknown as 'query')).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('aborts a queued call by id and keeps serving the others', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const base = fakeModel();
    let gated = false;
    const engine = await loaded({ ...base, run: async (batch) => (gated && (await gate), base.run(batch)) });
    gated = true;
    const first = engine.embed(1, ['a']);
    const second = engine.embed(2, ['b']);
    engine.abort(2);
    release();
    await expect(first).resolves.toHaveLength(1);
    await expect(second).rejects.toMatchObject({ code: 'aborted' });
    await expect(engine.embed(3, ['c'])).resolves.toHaveLength(1);
  });

  it('refuses at load a graph whose vectors do not match the pooling config', async () => {
    const engine = new EmbedEngine(async () => fakeModel({ setup: { pooling: 'cls', pooledInGraph: false, normalize: true, queryPrefix: '', documentPrefix: '', dimensions: 384, source: 't' } }));
    const error = await engine.load({ model: 'fake' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RerankerError);
    expect(error).toMatchObject({ code: 'unsupported-model', details: { file: '1_Pooling/config.json' } });
  });

  it('rejects calls after dispose', async () => {
    const engine = await loaded(fakeModel());
    await engine.dispose();
    await expect(engine.embed(1, ['a'])).rejects.toMatchObject({ code: 'disposed' });
  });

  it('reports the sessions side by side in info.wasmSessions, 1 on WebGPU', async () => {
    expect((await new EmbedEngine(async () => fakeModel({ parallelRuns: 3 })).load({ model: 'fake' })).wasmSessions).toBe(3);
    expect((await new EmbedEngine(async () => fakeModel()).load({ model: 'fake' })).wasmSessions).toBe(1);
    expect((await new EmbedEngine(async () => fakeModel({ device: 'webgpu', parallelRuns: 3 })).load({ model: 'fake' })).wasmSessions).toBe(1);
  });

  it('keeps parallelRuns batches in flight (sessions side by side), each vector at its text, the same as one by one', async () => {
    const texts = Array.from({ length: 9 }, (_, i) => 'abcdefg'.slice(0, 1 + (i % 5)) + String(i));
    const one = await loaded(fakeModel({ maxBatchRows: 1 }));
    const expected = await one.embed(1, texts);
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const base = fakeModel({ maxBatchRows: 1 });
    const side = await loaded({
      ...base,
      parallelRuns: 3,
      // Batches finish out of order: a later one sooner.
      run: async (batch) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, calls % 2 === 0 ? 1 : 8));
        inFlight -= 1;
        return base.run(batch);
      },
    });
    most = 0;
    const vectors = await side.embed(2, texts);
    expect(most).toBe(3);
    expect(vectors.map((v) => Array.from(v))).toEqual(expected.map((v) => Array.from(v)));
    // A batch that fails fails the call; the other lanes stop taking batches.
    let ran = 0;
    const failing = await loaded({
      ...base,
      parallelRuns: 2,
      run: async (batch) => {
        ran += 1;
        if (ran === 3) throw new Error('session lost');
        return base.run(batch);
      },
    });
    ran = 1;
    await expect(failing.embed(3, texts)).rejects.toMatchObject({ code: 'inference-failed' });
    expect(ran).toBeLessThan(texts.length + 1);
  });
});
