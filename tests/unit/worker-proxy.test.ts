/**
 * The main-thread proxy and the worker-side engine talking over a real MessageChannel with Comlink,
 * as they do in the browser, with a fake model whose scores are known.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BERT_LIKE_TEMPLATE, charIds } from './fake-model.js';
import { MAX_LENGTH, closeHarnesses, expectedScore, harness, inProcessWorker, until } from './proxy-harness.js';
import { WorkerReranker } from '../../src/client/worker-reranker.js';
import type { ModelLoader } from '../../src/engine/loaded-model.js';
import type { LoadProgress } from '../../src/shared/types.js';
import { encodePair } from '../../src/engine/pair-encoding.js';
import { RerankerError } from '../../src/shared/errors.js';

afterEach(closeHarnesses);

describe('WorkerReranker over a MessageChannel', () => {
  it('loads with progress, then scores pairs in input order', async () => {
    const h = await harness();
    expect(h.reranker.info).toMatchObject({ model: 'fake', device: 'wasm', dtype: 'q8', maxLength: MAX_LENGTH });
    expect(h.progress.map((p) => p.stage)).toEqual(['download', 'warmup', 'ready']);
    const pairs: [string, string][] = [
      ['panda', 'bamboo is what pandas eat'],
      ['panda', ''],
      ['zebra', 'x'.repeat(200)],
      ['panda', 'short'],
    ];
    const scores = await h.reranker.score(pairs);
    pairs.forEach(([q, p], i) => expect(scores[i]).toBeCloseTo(expectedScore(q, p), 5));
  });

  it('reranks best first with topK, returnDocuments and normalize', async () => {
    const h = await harness();
    const documents = ['aaa', 'zzz', 'mmm', 'zzzz', 'b'];
    const all = await h.reranker.rerank('q', documents);
    const expected = documents
      .map((d, index) => ({ index, score: expectedScore('q', d) }))
      .sort((a, b) => b.score - a.score);
    expect(all.map((r) => r.index)).toEqual(expected.map((r) => r.index));
    expect(all.every((r) => r.document === undefined)).toBe(true);

    const top = await h.reranker.rerank('q', documents, { topK: 2, returnDocuments: true, normalize: true });
    expect(top).toHaveLength(2);
    expect(top[0]?.document).toBe(documents[expected[0]?.index ?? -1]);
    expect(top[0]?.score).toBeCloseTo(1 / (1 + Math.exp(-(expected[0]?.score ?? 0))), 6);
    expect(await h.reranker.rerank('q', [])).toEqual([]);
  });

  it('encodes pairs into the rows score feeds the model, without running it', async () => {
    const h = await harness();
    const pairs: [string, string][] = [
      ['panda', 'bamboo'],
      ['zebra', 'x'.repeat(200)],
    ];
    const batchesBefore = h.controls.batches.length;
    const rows = await h.reranker.encode(pairs);
    expect(h.controls.batches.length).toBe(batchesBefore);
    pairs.forEach(([q, p], i) => {
      const expected = encodePair(charIds(q), charIds(p), BERT_LIKE_TEMPLATE, MAX_LENGTH);
      expect(rows[i]).toEqual({ inputIds: expected.inputIds, truncated: expected.truncated });
    });
    expect(rows[1]?.truncated).toBe(true);
    expect(rows[1]?.inputIds).toHaveLength(MAX_LENGTH);
    await expect(h.reranker.encode([['q', 3 as unknown as string]])).rejects.toMatchObject({ code: 'invalid-input' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(h.reranker.encode(pairs, { signal: aborted.signal })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('keeps 20 concurrent calls apart', async () => {
    const h = await harness({ batchTokenBudget: 512 });
    const calls = Array.from({ length: 20 }, (_, i) => {
      const query = `query number ${i}`;
      const documents = Array.from({ length: 1 + (i % 5) }, (_, j) => `doc ${j} for ${i} ${'x'.repeat(i * j)}`);
      return { query, documents, promise: h.reranker.score(documents.map((d) => [query, d] as [string, string])) };
    });
    for (const call of calls) {
      const scores = await call.promise;
      expect(scores).toHaveLength(call.documents.length);
      call.documents.forEach((d, j) => expect(scores[j]).toBeCloseTo(expectedScore(call.query, d), 5));
    }
  });

  it('aborts a queued call without running it or disturbing the others', async () => {
    const h = await harness();
    h.setGate(true);
    const first = h.reranker.score([['first', 'one']]);
    await until(() => h.controls.batches.length === 2); // warm-up + first call's batch
    const controller = new AbortController();
    const second = h.reranker.score([['second', 'two']], { signal: controller.signal });
    const third = h.reranker.score([['third', 'three']]);
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'aborted' });
    h.release();
    expect((await first)[0]).toBeCloseTo(expectedScore('first', 'one'), 5);
    await until(() => h.controls.batches.length === 3);
    h.release();
    expect((await third)[0]).toBeCloseTo(expectedScore('third', 'three'), 5);
    // The aborted call never reached the model.
    const secondIds = encodePair(charIds('second'), charIds('two'), BERT_LIKE_TEMPLATE, MAX_LENGTH).inputIds;
    const ran = h.controls.batches.map((b) => Array.from(b.inputIds, Number).join(','));
    expect(ran).not.toContain(secondIds.join(','));
  });

  it('stops a running call at the next batch when aborted', async () => {
    const h = await harness({ batchTokenBudget: 512 });
    h.setGate(true);
    const controller = new AbortController();
    // 40 pairs of ~48 tokens under a 512-token budget: 4 batches.
    const documents = Array.from({ length: 40 }, (_, i) => `${'y'.repeat(40)} ${i}`);
    const running = h.reranker.rerank('q', documents, { signal: controller.signal });
    await until(() => h.controls.batches.length === 2);
    controller.abort();
    // The caller hears at once, while the worker is still inside the batch.
    await expect(running).rejects.toBeInstanceOf(RerankerError);
    await expect(running).rejects.toMatchObject({ code: 'aborted' });
    // Let the abort message cross the channel, then let the model run freely.
    await new Promise((resolve) => setTimeout(resolve, 50));
    h.setGate(false);
    expect((await h.reranker.score([['still', 'works']]))[0]).toBeCloseTo(expectedScore('still', 'works'), 5);
    // warm-up + the one batch that was running + the new call: the other 3 batches never ran.
    expect(h.controls.batches).toHaveLength(3);
  });

  it('rejects bad input with invalid-input naming the position, and keeps working', async () => {
    const h = await harness();
    const bad = (promise: Promise<unknown>) => promise.then(
      () => { throw new Error('expected a rejection'); },
      (error: unknown) => error as RerankerError,
    );
    const notString = await bad(h.reranker.rerank(42 as unknown as string, ['a']));
    expect(notString).toMatchObject({ code: 'invalid-input', details: { argument: 'query' } });
    const hole = await bad(h.reranker.rerank('q', ['a', 'b', null as unknown as string]));
    expect(hole).toMatchObject({ code: 'invalid-input', details: { index: 2 } });
    expect(hole.message).toContain('documents[2]');
    const sparse = new Array<string>(3);
    sparse[0] = 'a';
    expect(await bad(h.reranker.rerank('q', sparse))).toMatchObject({ details: { index: 1 } });
    expect(await bad(h.reranker.rerank('q', 'abc' as unknown as string[]))).toMatchObject({ code: 'invalid-input' });
    expect(await bad(h.reranker.rerank('q', ['a'], { topK: 0 }))).toMatchObject({ details: { argument: 'topK' } });
    expect(await bad(h.reranker.rerank('q', ['a'], { topK: 1.5 }))).toMatchObject({ details: { argument: 'topK' } });
    expect(await bad(h.reranker.score([['a', 'b'], ['a'] as unknown as [string, string]]))).toMatchObject({ details: { index: 1 } });
    expect(h.controls.batches).toHaveLength(1); // warm-up only: nothing was partially scored
    expect(await h.reranker.rerank('q', ['', '   ', 'text'])).toHaveLength(3);
  });

  it('turns a session failure into inference-failed and serves the next call', async () => {
    const h = await harness();
    h.controls.failNextRun = new Error('out of memory');
    await expect(h.reranker.score([['a', 'b']])).rejects.toMatchObject({ code: 'inference-failed' });
    expect((await h.reranker.score([['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
  });

  it('rejects pending calls with worker-crashed, then starts a new worker', async () => {
    const h = await harness();
    h.setGate(true);
    const pending = [h.reranker.score([['a', 'b']]), h.reranker.rerank('q', ['c'])];
    await until(() => h.controls.batches.length === 2);
    h.crash('killed by test');
    for (const call of pending) await expect(call).rejects.toMatchObject({ code: 'worker-crashed' });
    h.setGate(false);
    expect((await h.reranker.score([['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
    expect(h.workersStarted).toBe(2);
  });

  it('dispose frees the model and later calls reject with disposed', async () => {
    const h = await harness();
    await h.reranker.dispose();
    expect(h.controls.disposed).toBe(true);
    await expect(h.reranker.score([['a', 'b']])).rejects.toMatchObject({ code: 'disposed' });
  });
});

describe('a worker that dies while it loads the model', () => {
  // What a 0.6B LLM on WASM can do: the session build runs out of WebAssembly memory and the worker ends
  // without answering. createReranker must reject, saying what happened and what to do, never wait on.
  it('rejects createReranker with worker-crashed instead of waiting for a load that never answers', async () => {
    let crash: ((reason: string) => void) | undefined;
    const progress: LoadProgress[] = [];
    const neverLoads: ModelLoader = (_request, onProgress) => {
      onProgress({ stage: 'session', device: 'wasm', dtype: 'q4' });
      return new Promise(() => undefined);
    };
    const created = WorkerReranker.create(
      () => inProcessWorker(neverLoads, { onFailure: (listener) => (crash = listener) }),
      { model: 'fake', onProgress: (p) => progress.push(p) },
    );
    // The session build has begun, and the worker's answer to its first message (the life lock, sent before
    // the load) has had time to arrive: the client knows the worker started (one that never started fails
    // with another code).
    await until(() => progress.length > 0 && crash !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    crash?.('it ended without an error event: terminated, closed, or out of memory');
    const error: unknown = await created.then(() => undefined, (rejected: unknown) => rejected);
    expect(error).toBeInstanceOf(RerankerError);
    expect(error).toMatchObject({ code: 'worker-crashed' });
    expect((error as Error).message).toMatch(/out of memory/);
    expect((error as Error).message).toMatch(/next call starts a new worker/);
  });
});
