/** The page-side Embedder over a real MessageChannel with Comlink and the worker-side engine, on a fake model. */
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerEmbedder } from '../../src/client/worker-embedder.js';
import type { WorkerHandle } from '../../src/client/worker-handle.js';
import type { LoadedEmbeddingModel } from '../../src/engine/embedding-model.js';
import type { LoadProgress } from '../../src/shared/types.js';
import { createEmbedderWorkerApi } from '../../src/worker-api/embedder-api.js';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

interface Rig {
  embedder: WorkerEmbedder;
  started: number;
  crash(reason: string): void;
  gate(on: boolean): void;
  progress: LoadProgress[];
}

async function rig(options: { loadMs?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Rig> {
  let gated = false;
  const waiting: (() => void)[] = [];
  const model: LoadedEmbeddingModel = {
    device: 'wasm',
    dtype: 'fp32',
    maxLength: 16,
    padTokenId: 0,
    maxBatchRows: 64,
    setup: { pooling: 'cls', pooledInGraph: false, normalize: false, queryPrefix: 'q', documentPrefix: '', dimensions: 1, source: 'test' },
    lead: [],
    tail: [],
    tokenize: (text) => Array.from(text, (c) => c.charCodeAt(0)),
    run: async (batch) => {
      if (gated) await new Promise<void>((resolve) => waiting.push(resolve));
      // One dimension: the first token's id.
      return Float32Array.from(batch.inputIds, (id) => Number(id));
    },
    dispose: async () => undefined,
  };
  const state = { started: 0, listener: undefined as ((reason: string) => void) | undefined };
  const start = (): WorkerHandle => {
    state.started += 1;
    const channel = new MessageChannel();
    ports.push(channel.port1, channel.port2);
    expose(
      createEmbedderWorkerApi(async () => {
        if (options.loadMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.loadMs));
        return model;
      }),
      channel.port2,
    );
    return {
      endpoint: channel.port1,
      terminate: () => {
        channel.port1.close();
        channel.port2.close();
      },
      onFailure: (listener) => {
        state.listener = listener;
      },
    };
  };
  const progress: LoadProgress[] = [];
  const embedder = await WorkerEmbedder.create(start, { model: 'fake', onProgress: (p) => progress.push(p), ...options });
  return {
    embedder,
    get started() {
      return state.started;
    },
    crash: (reason) => state.listener?.(reason),
    gate: (on) => {
      gated = on;
      if (!on) for (const resolve of waiting.splice(0)) resolve();
    },
    progress,
  };
}

describe('WorkerEmbedder', () => {
  it('loads, reports info and warm-up, and embeds each side in order', async () => {
    const { embedder, progress } = await rig();
    expect(embedder.info).toMatchObject({ model: 'fake', revision: 'main', dimensions: 1, pooling: 'cls', queryPrefix: 'q' });
    expect(progress.map((p) => p.stage)).toContain('warmup');
    const docs = await embedder.embed(['b', 'a']);
    expect(docs.map((v) => v[0])).toEqual([98, 97]);
    expect(docs[0]).toBeInstanceOf(Float32Array);
    const [query] = await embedder.embed(['b'], { kind: 'query' });
    expect(query?.[0]).toBe(113); // 'q' prefix first
  });

  it('refuses bad input on the page without a round trip', async () => {
    const { embedder } = await rig();
    await expect(embedder.embed(null as unknown as string[])).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('aborts and times out a running call, and later calls still work', async () => {
    const r = await rig();
    r.gate(true);
    const controller = new AbortController();
    const aborted = r.embedder.embed(['a'], { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    await expect(r.embedder.embed(['a'], { timeoutMs: 20 })).rejects.toMatchObject({ code: 'timeout' });
    r.gate(false);
    await expect(r.embedder.embed(['c'])).resolves.toHaveLength(1);
  });

  it('rejects pending calls with worker-crashed when the worker dies, and the next call starts a new worker', async () => {
    const r = await rig();
    r.gate(true);
    const pending = r.embedder.embed(['a']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    r.crash('killed for the test');
    await expect(pending).rejects.toMatchObject({ code: 'worker-crashed' });
    r.gate(false);
    const [after] = await r.embedder.embed(['z']);
    expect(after?.[0]).toBe(122);
    expect(r.started).toBe(2);
  });

  it('bounds the load with timeoutMs and aborts it with its signal', async () => {
    await expect(rig({ loadMs: 200, timeoutMs: 20 })).rejects.toMatchObject({ code: 'timeout' });
    const controller = new AbortController();
    const loading = rig({ loadMs: 200, signal: controller.signal });
    controller.abort();
    await expect(loading).rejects.toMatchObject({ code: 'aborted' });
  });

  it('rejects calls after dispose and after Symbol.asyncDispose', async () => {
    const r = await rig();
    await r.embedder[Symbol.asyncDispose]();
    await expect(r.embedder.embed(['a'])).rejects.toMatchObject({ code: 'disposed' });
  });
});
