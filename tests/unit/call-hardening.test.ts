/**
 * Issue 17, the call path: the queue's depth limit, tokenizing that yields so an abort takes effect promptly,
 * aborts of finished calls that leave nothing behind, lastTimings on a dead worker, and a worker the browser
 * refuses to start. Over the MessageChannel harness (proxy + engine, as in the browser) and on the engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeLoader, type FakeModelControls } from './fake-model.js';
import { closeHarnesses, expectedScore, harness, inProcessWorker, MAX_LENGTH, until } from './proxy-harness.js';
import type { WorkerHandle } from '../../src/client/worker-handle.js';
import { WorkerReranker } from '../../src/client/worker-reranker.js';
import type { ModelLoader } from '../../src/engine/loaded-model.js';
import { RerankEngine } from '../../src/engine/rerank-engine.js';
import { RerankerError } from '../../src/shared/errors.js';
import { MAX_QUEUED_CALLS } from '../../src/shared/protocol.js';

afterEach(closeHarnesses);

/** Settles to the error's code, or 'resolved'. */
const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof RerankerError ? error.code : `not a RerankerError: ${String(error)}`),
  );

/** A promise that resolves to 'hung' after `ms` unless `promise` settles first (to its value or error code). */
const within = (promise: Promise<unknown>, ms: number): Promise<unknown> =>
  Promise.race([outcome(promise), new Promise((resolve) => setTimeout(() => resolve('hung'), ms))]);

async function loadedEngine(controls: FakeModelControls): Promise<RerankEngine> {
  const engine = new RerankEngine(fakeLoader(controls, MAX_LENGTH));
  await engine.load({ model: 'fake' });
  return engine;
}

describe('the call queue has a depth limit', () => {
  it(`the proxy refuses call ${MAX_QUEUED_CALLS + 1} with busy; the ${MAX_QUEUED_CALLS} before it all complete`, async () => {
    const h = await harness();
    h.setGate(true);
    const calls = Array.from({ length: MAX_QUEUED_CALLS }, (_, i) => h.reranker.score([[`q${i}`, `passage ${i}`]]));
    expect(h.reranker.pendingCalls).toBe(MAX_QUEUED_CALLS);
    const refused = h.reranker.rerank('one too many', ['x']);
    await expect(refused).rejects.toBeInstanceOf(RerankerError);
    await expect(refused).rejects.toMatchObject({ code: 'busy', details: { limit: 'maxQueuedCalls', limitValue: MAX_QUEUED_CALLS } });
    await expect(refused).rejects.toThrow(/Wait for earlier calls/);
    h.setGate(false);
    const scores = await Promise.all(calls);
    scores.forEach((score, i) => expect(score[0]).toBeCloseTo(expectedScore(`q${i}`, `passage ${i}`), 5));
    expect(h.reranker.pendingCalls).toBe(0);
    // Room again once they settled.
    expect((await h.reranker.score([['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
  });

  it('the engine refuses past the limit too; aborted calls free their place at once', async () => {
    const controls: FakeModelControls = { batches: [], disposed: false };
    const engine = await loadedEngine(controls);
    const waiting: (() => void)[] = [];
    controls.gate = () => new Promise<void>((resolve) => waiting.push(resolve));
    const calls = Array.from({ length: MAX_QUEUED_CALLS }, (_, i) => engine.score(i + 1, [[`q${i}`, 'p']]));
    await expect(engine.score(5000, [['a', 'b']])).rejects.toMatchObject({ code: 'busy' });
    engine.abort(2);
    const afterAbort = engine.score(5001, [['a', 'b']]);
    expect(engine.trackedCalls).toEqual({ active: MAX_QUEUED_CALLS + 1, aborted: 1 });
    controls.gate = undefined;
    for (const resolve of waiting.splice(0)) resolve();
    const outcomes = await Promise.all(calls.map(outcome));
    expect(outcomes.filter((o) => o === 'resolved')).toHaveLength(MAX_QUEUED_CALLS - 1);
    expect(outcomes[1]).toBe('aborted');
    expect((await afterAbort)[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
    expect(engine.trackedCalls).toEqual({ active: 0, aborted: 0 });
  });
});

describe('aborts of finished calls leave nothing behind', () => {
  it('the engine records no abort for a call that already finished or never came', async () => {
    const engine = await loadedEngine({ batches: [], disposed: false });
    for (let id = 1; id <= 500; id++) {
      await engine.score(id, [['q', `p${id}`]]);
      engine.abort(id); // arrives after the call finished, as an abort racing the result does
      engine.abort(100_000 + id); // an id the engine never saw
    }
    expect(engine.trackedCalls).toEqual({ active: 0, aborted: 0 });
    // Ids are never reused by the proxy, but an abort must not reach a later call with a stale id either.
    expect((await engine.score(1, [['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
  });

  it('through the proxy: 200 calls aborted at every stage leave no pending entries', async () => {
    const h = await harness();
    const calls: Promise<string>[] = [];
    for (let i = 0; i < 200; i++) {
      const controller = new AbortController();
      const call = h.reranker.score([['q', `p${i}`]], { signal: controller.signal });
      calls.push(outcome(call));
      // Abort some at once, some a little later (queued, running or finished in the worker by then).
      setTimeout(() => controller.abort(), i % 4 === 0 ? 0 : i % 7);
      if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((o) => o === 'resolved' || o === 'aborted')).toBe(true);
    expect(h.reranker.pendingCalls).toBe(0);
    expect((await h.reranker.score([['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
  });
});

describe('tokenizing yields, so an abort of a long call takes effect promptly', () => {
  /** A tokenizer that takes 0.5 ms a text (a real one takes about that for a passage), counting its calls. */
  const slowTokenizer = (counter: { texts: number }, fixedShapes: boolean) => (fake: ModelLoader): ModelLoader => async (request, onProgress) => {
    const model = await fake(request, onProgress);
    return {
      ...model,
      ...(fixedShapes ? { batchLengths: [32, 64] } : {}),
      tokenize: (text) => {
        counter.texts++;
        const end = performance.now() + 0.5;
        while (performance.now() < end) {
          // busy: tokenizing holds the thread
        }
        return model.tokenize(text);
      },
    };
  };

  for (const fixedShapes of [false, true]) {
    it(`a 4,000-passage call stops tokenizing soon after its abort (${fixedShapes ? 'streamed fixed-shape batches' : 'plan, then run'})`, async () => {
      const counter = { texts: 0 };
      const h = await harness({}, slowTokenizer(counter, fixedShapes));
      const controller = new AbortController();
      const documents = Array.from({ length: 4_000 }, (_, i) => `passage number ${i}`);
      const long = h.reranker.rerank('q', documents, { signal: controller.signal });
      const started = counter.texts;
      await until(() => counter.texts - started > 20);
      controller.abort();
      await expect(long).rejects.toMatchObject({ code: 'aborted' });
      // The next call runs once the worker has dropped the long one: it must not have tokenized all 4,000.
      expect((await h.reranker.score([['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
      const tokenized = counter.texts - started - 2;
      expect(tokenized, 'passages tokenized after the abort was sent').toBeLessThan(1_000);
    });
  }
});

describe('lastTimings on a dead worker', () => {
  it('rejects with worker-crashed instead of hanging when the worker dies before answering', async () => {
    const h = await harness();
    await h.reranker.score([['a', 'b']]);
    expect(await h.reranker.lastTimings()).toMatchObject({ pairs: 1, batches: 1 });
    const timings = h.reranker.lastTimings();
    h.crash('killed by test');
    expect(await within(timings, 1_000)).toBe('worker-crashed');
    // No worker now: undefined, until a call has finished in the next one.
    expect(await h.reranker.lastTimings()).toBeUndefined();
    await h.reranker.score([['a', 'b']]);
    expect(await h.reranker.lastTimings()).toMatchObject({ pairs: 1 });
  });
});

describe('a worker the browser refuses to start', () => {
  const opened: MessagePort[] = [];
  afterEach(() => {
    for (const port of opened.splice(0)) port.close();
  });
  const securityError = () => new DOMException("Failed to construct 'Worker': Script at 'https://cdn.example/worker.js' cannot be accessed from origin 'http://localhost'.", 'SecurityError');

  /** Starts in-process workers while `refuse` is false; throws as `new Worker` does otherwise. */
  function factory(state: { refuse: boolean; crash?: (reason: string) => void }) {
    return (): WorkerHandle => {
      if (state.refuse) throw securityError();
      return inProcessWorker(fakeLoader({ batches: [], disposed: false }, MAX_LENGTH), {
        onFailure: (listener) => {
          state.crash = listener;
        },
      });
    };
  }

  it('createReranker rejects with a typed worker-start-failed that says what to do', async () => {
    const created = WorkerReranker.create(factory({ refuse: true }), { model: 'fake' });
    await expect(created).rejects.toBeInstanceOf(RerankerError);
    await expect(created).rejects.toMatchObject({ code: 'worker-start-failed' });
    await expect(created).rejects.toThrow(/same origin/);
    const error: unknown = await created.then(() => undefined, (e: unknown) => e);
    expect((error as RerankerError).cause).toBeInstanceOf(DOMException);
  });

  it('a worker that fails before it ever answered (CSP worker-src, missing script) is worker-start-failed, not a crash', async () => {
    const created = WorkerReranker.create(() => {
      const channel = new MessageChannel(); // nobody answers on port2: the script never ran
      opened.push(channel.port1, channel.port2);
      return {
        endpoint: channel.port1,
        terminate: () => channel.port1.close(),
        onFailure: (listener) => setTimeout(() => listener('the worker script failed to load or threw an uncaught error'), 10),
      };
    }, { model: 'fake' });
    await expect(created).rejects.toMatchObject({ code: 'worker-start-failed' });
  });

  it('a call that needs a new worker rejects typed and leaves no pending entry; a later start works', async () => {
    const state: { refuse: boolean; crash?: (reason: string) => void } = { refuse: false };
    const reranker = await WorkerReranker.create(factory(state), { model: 'fake' });
    state.crash?.('killed by test');
    state.refuse = true;
    for (let i = 0; i < 3; i++) {
      await expect(reranker.score([['a', 'b']])).rejects.toMatchObject({ code: 'worker-start-failed' });
    }
    expect(reranker.pendingCalls).toBe(0);
    state.refuse = false;
    expect((await reranker.score([['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
    await reranker.dispose();
  });
});

describe('NaN scores', () => {
  /** The model answers NaN for every row that holds a '!' (id 1000 + 33). */
  const nanOnBang = (fake: ModelLoader): ModelLoader => async (request, onProgress) => {
    const model = await fake(request, onProgress);
    return {
      ...model,
      run: async (batch) => {
        const logits = await model.run(batch);
        for (let row = 0; row < batch.batchSize; row++) {
          const ids = Array.from(batch.inputIds.subarray(row * batch.length, (row + 1) * batch.length), Number);
          if (ids.includes(1033)) logits[row] = Number.NaN;
        }
        return logits;
      },
    };
  };

  it('rerank sorts NaN after every number, in input order, and marks them invalidScore', async () => {
    const h = await harness({}, nanOnBang);
    const documents = ['nan one!', 'zzz', 'nan two!', 'aaa', 'mmm', '!', 'zzzz'];
    const numeric = documents
      .map((document, index) => ({ index, score: expectedScore('q', document) }))
      .filter(({ index }) => !(documents[index] as string).includes('!'))
      .sort((a, b) => b.score - a.score);
    for (const normalize of [false, true]) {
      const results = await h.reranker.rerank('q', documents, { normalize });
      expect(results.map((r) => r.index)).toEqual([...numeric.map((r) => r.index), 0, 2, 5]);
      expect(results.slice(-3).every((r) => Number.isNaN(r.score) && r.invalidScore === true)).toBe(true);
      expect(results.slice(0, -3).every((r) => !Number.isNaN(r.score) && r.invalidScore === undefined)).toBe(true);
    }
    // topK keeps numbers first.
    expect((await h.reranker.rerank('q', documents, { topK: 2 })).map((r) => r.index)).toEqual(numeric.slice(0, 2).map((r) => r.index));
    // score() keeps input order; NaN stays where it was.
    const scores = await h.reranker.score(documents.map((d) => ['q', d] as [string, string]));
    expect(scores.map((s) => Number.isNaN(s))).toEqual(documents.map((d) => d.includes('!')));
  });

  it('with chunking, a NaN window loses to any numeric window; NaN only when all are', async () => {
    const h = await harness({ chunking: { maxChunksPerDoc: 8, chunkOverlap: 0 } }, nanOnBang);
    // MAX_LENGTH 64: a 150-character passage needs several windows; only the first holds the '!'.
    const firstWindowNaN = `!${'b'.repeat(149)}`;
    const allNaN = Array.from({ length: 150 }, (_, i) => (i % 20 === 0 ? '!' : 'c')).join('');
    const results = await h.reranker.rerank('q', [allNaN, firstWindowNaN, 'plain']);
    const byIndex = new Map(results.map((r) => [r.index, r]));
    expect(Number.isNaN(byIndex.get(1)?.score)).toBe(false);
    expect(byIndex.get(1)?.chunk?.index).toBeGreaterThan(0);
    expect(byIndex.get(0)?.invalidScore).toBe(true);
    expect(results.at(-1)?.index).toBe(0);
  });
});
