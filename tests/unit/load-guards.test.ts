/**
 * Stopping a load and bounding what it downloads: `signal` and `timeoutMs` on createReranker end the worker
 * with `aborted` / `timeout`; per-call `timeoutMs`; `maxModelBytes` over Content-Length and over a stream
 * without one; model ids and the new options are validated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeLoader, type FakeModelControls } from './fake-model.js';
import { MAX_LENGTH, closeHarnesses, expectedScore, harness, inProcessWorker } from './proxy-harness.js';
import type { WorkerHandle } from '../../src/client/worker-handle.js';
import { WorkerReranker } from '../../src/client/worker-reranker.js';
import type { ModelLoader } from '../../src/engine/loaded-model.js';
import { sizeLimitedFetch, type Fetch } from '../../src/runtime/size-limited-fetch.js';
import { RerankerError } from '../../src/shared/errors.js';
import type { RerankerOptions } from '../../src/shared/reranker-options.js';
import { validateCreateOptions, validateScoreOptions } from '../../src/shared/validate.js';

afterEach(closeHarnesses);

/** A worker whose model load waits until `release()` (a server that never answers, until it does). */
function stalledWorkers() {
  const state = { started: 0, terminated: 0, loadsStarted: 0 };
  let release: (() => void) | undefined;
  const controls: FakeModelControls = { batches: [], disposed: false };
  const stalled: ModelLoader = async (request, onProgress) => {
    state.loadsStarted++;
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return fakeLoader(controls, MAX_LENGTH)(request, onProgress);
  };
  const start = (): WorkerHandle => {
    state.started++;
    return inProcessWorker(stalled, { onTerminate: () => state.terminated++ });
  };
  return { state, start, release: () => release?.() };
}

async function rejection(promise: Promise<unknown>): Promise<RerankerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RerankerError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('stopping a load', () => {
  it('timeoutMs ends a stalled load with timeout and ends its worker', async () => {
    const workers = stalledWorkers();
    const started = Date.now();
    const error = await rejection(WorkerReranker.create(workers.start, { model: 'fake', timeoutMs: 150 }));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/timeoutMs \(150 ms\)/);
    expect(error.details).toMatchObject({ argument: 'timeoutMs', limitValue: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(workers.state).toMatchObject({ started: 1, terminated: 1, loadsStarted: 1 });
  });

  it('an AbortSignal stops a load midway with aborted and ends its worker', async () => {
    const workers = stalledWorkers();
    const controller = new AbortController();
    const loading = WorkerReranker.create(workers.start, { model: 'fake', signal: controller.signal });
    for (let i = 0; i < 100 && workers.state.loadsStarted === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(workers.state.loadsStarted).toBe(1);
    controller.abort();
    const error = await rejection(loading);
    expect(error.code).toBe('aborted');
    expect(error.message).toMatch(/createReranker/);
    expect(workers.state.terminated).toBe(1);
  });

  it('an already aborted signal starts no worker', async () => {
    const workers = stalledWorkers();
    const error = await rejection(WorkerReranker.create(workers.start, { model: 'fake', signal: AbortSignal.abort() }));
    expect(error.code).toBe('aborted');
    expect(workers.state.started).toBe(0);
  });

  it('a load that finishes in time is not disturbed by its timeout or signal, and they are not posted', async () => {
    const controller = new AbortController();
    const h = await harness({ timeoutMs: 5_000, signal: controller.signal });
    controller.abort(); // after the load: nothing happens
    expect(await h.reranker.score([['q', 'p']])).toEqual([expect.closeTo(expectedScore('q', 'p'), 5)]);
  });
});

describe('per-call timeoutMs', () => {
  it('rejects a call that runs too long with timeout, and the next call runs', async () => {
    const h = await harness();
    h.setGate(true);
    const error = await rejection(h.reranker.score([['q', 'slow']], { timeoutMs: 50 }));
    expect(error.code).toBe('timeout');
    expect(error.details).toMatchObject({ argument: 'timeoutMs', limitValue: 50 });
    h.setGate(false);
    expect(await h.reranker.score([['q', 'fast']], { timeoutMs: 5_000 })).toEqual([expect.closeTo(expectedScore('q', 'fast'), 5)]);
  });

  it('is validated', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100', 2 ** 31]) {
      expect(() => validateScoreOptions({ timeoutMs: bad as number }), String(bad)).toThrow(expect.objectContaining({ code: 'invalid-input', details: { argument: 'timeoutMs' } }));
    }
    expect(() => validateScoreOptions({ timeoutMs: 1.5 })).not.toThrow();
  });
});

describe('maxModelBytes', () => {
  const url = 'https://models.example/m/onnx/model.onnx';
  const bytes = (n: number) => new Uint8Array(n).fill(7);
  /** A body in chunks, without Content-Length; counts the chunks pulled. */
  function streamed(chunks: number, size: number): { fetch: Fetch; pulled: () => number } {
    let pulled = 0;
    const fetch: Fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (pulled === chunks) return controller.close();
            pulled++;
            controller.enqueue(bytes(size));
          },
        }),
        { status: 200 },
      );
    return { fetch, pulled: () => pulled };
  }

  it('refuses a Content-Length over the limit before reading the body', async () => {
    let read = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          read = true;
          controller.enqueue(bytes(10));
        },
      },
      { highWaterMark: 0 }, // pulled only when someone reads
    );
    const refused: RerankerError[] = [];
    const limited = sizeLimitedFetch(async () => new Response(body, { headers: { 'Content-Length': '5000000000' } }), 4 * 1024 ** 3, (e) => refused.push(e));
    const error = await rejection(limited(url));
    expect(error).toMatchObject({ code: 'model-load-failed', details: { url, limit: 'maxModelBytes', limitValue: 4 * 1024 ** 3, actual: 5_000_000_000 } });
    expect(error.message).toMatch(/maxModelBytes/);
    expect(refused).toEqual([error]);
    expect(read).toBe(false);
  });

  it('stops a body without Content-Length at the first chunk past the limit', async () => {
    const source = streamed(1_000, 1_000);
    const refused: RerankerError[] = [];
    const response = await sizeLimitedFetch(source.fetch, 10_500, (e) => refused.push(e))(url);
    const error = await rejection(response.arrayBuffer());
    expect(error).toMatchObject({ code: 'model-load-failed', details: { url, limit: 'maxModelBytes', limitValue: 10_500, actual: 11_000 } });
    expect(refused).toEqual([error]);
    expect(source.pulled()).toBeLessThan(20);
  });

  it('passes files within the limit through unchanged, headers and status included', async () => {
    const source = streamed(10, 1_000);
    const response = await sizeLimitedFetch(source.fetch, 10_000)(url);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes(10_000));
    const exact = await sizeLimitedFetch(async () => new Response(bytes(64), { headers: { 'Content-Length': '64' } }), 64)(url);
    expect(exact.headers.get('content-length')).toBe('64');
    expect((await exact.arrayBuffer()).byteLength).toBe(64);
    const missing = await sizeLimitedFetch(async () => new Response('not found', { status: 404 }), 1)(url);
    expect(missing.status).toBe(404);
  });

  it('is validated', () => {
    for (const bad of [0, -5, 1.5, '1e9', Number.NaN]) {
      expect(() => validateCreateOptions({ model: 'm', maxModelBytes: bad }), String(bad)).toThrow(expect.objectContaining({ details: { argument: 'maxModelBytes' } }));
    }
    expect(() => validateCreateOptions({ model: 'm', maxModelBytes: 1 })).not.toThrow();
  });
});

describe('model ids, revision, signal and timeoutMs of createReranker', () => {
  const ok = (options: Omit<Partial<RerankerOptions>, 'model'> & { model: unknown }) => () => validateCreateOptions(options as RerankerOptions);
  it('keeps Hub ids and plain folder names', () => {
    for (const model of ['Xenova/ms-marco-MiniLM-L-6-v2', 'BAAI/bge-reranker-v2-m3', 'onnx-community/bge-reranker-v2-m3-ONNX', 'tiny-bert-reranker', 'bge-reranker-v2-gemma', 'a.b_c-d/e.f', 'nested/folder/model']) {
      expect(ok({ model }), model).not.toThrow();
    }
    // A picked folder's name only names the model: spaces and "#" are fine there.
    expect(ok({ model: 'My models #2', modelFiles: {} })).not.toThrow();
  });

  it('refuses what is not a model id, naming the argument', () => {
    for (const model of [
      '',
      '   ',
      '..',
      '../secrets',
      'org/../other',
      'org/./name',
      'org//name',
      'org/name/',
      '/absolute/path',
      'https://huggingface.co/Xenova/ms-marco-MiniLM-L-6-v2',
      '//evil.example/model',
      'javascript:alert(1)',
      'data:text/plain,x',
      'org\\name',
      'name\u0000',
      'na\nme',
      'name\u007f',
      ' padded',
      'name?x=1',
      'name#frag',
      'has space',
      'x'.repeat(300),
      42,
      null,
    ]) {
      expect(ok({ model }), JSON.stringify(model)).toThrow(expect.objectContaining({ code: 'invalid-input', details: { argument: 'model' } }));
    }
    expect(ok({ model: '../x', modelFiles: {} })).toThrow(expect.objectContaining({ details: { argument: 'model' } }));
  });

  it('checks revision, signal and timeoutMs', () => {
    for (const revision of ['main', 'v1.0', 'refs/pr/1', '0123456789abcdef0123456789abcdef01234567']) expect(ok({ model: 'm', revision }), revision).not.toThrow();
    for (const revision of ['', ' ', '..', 'a b', 'x?y', 'a//b', 7]) {
      expect(ok({ model: 'm', revision: revision as string }), String(revision)).toThrow(expect.objectContaining({ details: { argument: 'revision' } }));
    }
    expect(ok({ model: 'm', signal: {} as AbortSignal })).toThrow(expect.objectContaining({ details: { argument: 'signal' } }));
    expect(ok({ model: 'm', signal: new AbortController().signal })).not.toThrow();
    expect(ok({ model: 'm', timeoutMs: 0 })).toThrow(expect.objectContaining({ details: { argument: 'timeoutMs' } }));
  });
});
