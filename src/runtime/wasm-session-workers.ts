/**
 * Starts WASM session workers (workers/wasm-session.worker.ts) from the reranker's worker and hands each
 * back as a `BatchRunner` for the session pool. A worker that dies, with an error event or silently (closed,
 * terminated: its life lock is released), rejects its running batch at once (the pool then runs it
 * locally) instead of leaving the call waiting on a reply that never comes.
 */
import { wrap, type Remote } from 'comlink';
import { lifeLockName, watchLifeLock } from '../shared/life-lock.js';
import type { BatchTensors } from '../engine/batching.js';
import { fromWireError } from '../shared/errors.js';
import type { Outcome } from '../shared/protocol.js';
import type { BatchRunner } from './session-pool.js';
import type { WasmSessionApi, WasmSessionLoad } from './wasm-session-protocol.js';

export async function startWasmSessionWorker(load: WasmSessionLoad, index: number): Promise<BatchRunner> {
  const worker = new Worker(new URL('../../workers/wasm-session.worker.js', import.meta.url), {
    type: 'module',
    name: `webgpu-reranker-wasm-session-${index}`,
  });
  let failure: Error | undefined;
  let reject: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, rejectFailed) => {
    reject = rejectFailed;
  });
  const fail = (reason: string): void => {
    failure ??= new Error(`WASM session worker ${index} stopped: ${reason}`);
    reject(failure);
  };
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    fail(event.message || 'its script failed to load or threw an uncaught error');
  });
  worker.addEventListener('messageerror', () => fail('a message from it could not be read'));
  let stopWatching = (): void => undefined;
  // Nobody may be waiting when it fails; the rejection is read by the next call instead.
  failed.catch(() => undefined);
  const api: Remote<WasmSessionApi> = wrap<WasmSessionApi>(worker);
  const call = async <T>(work: () => Promise<Outcome<T>>): Promise<T> => {
    if (failure !== undefined) throw failure;
    const outcome = await Promise.race([work(), failed]);
    if (!outcome.ok) throw fromWireError(outcome.error);
    return outcome.value;
  };
  try {
    // The life lock first, so a worker that ends while it loads the model is noticed too.
    const lockName = lifeLockName();
    if (await Promise.race([api.holdLifeLock(lockName), failed])) {
      stopWatching = watchLifeLock(lockName, () => fail('it ended without an error event (closed, terminated, or out of memory)'));
    }
    await call(() => api.load(load));
  } catch (error) {
    stopWatching();
    worker.terminate();
    throw error;
  }
  return {
    run: (batch: BatchTensors) => call(() => api.run(batch)),
    dispose: async () => {
      try {
        if (failure === undefined) await Promise.race([api.dispose(), failed]);
      } finally {
        stopWatching();
        worker.terminate();
      }
    },
  };
}

/**
 * One more WASM session in a worker of its own. It runs one short row before it joins the pool, so no call
 * pays its first run; one that fails to load or to run that row is left out rather than failing a model
 * that runs. It joins once ready instead of holding up the load: the reranker is ready with its first
 * session, and the first results come as soon (docs/design.md, WASM).
 */
export async function startWarmWasmSession(load: WasmSessionLoad, index: number, padTokenId: number): Promise<BatchRunner> {
  const runner = await startWasmSessionWorker(load, index);
  try {
    await runner.run(warmupBatch(padTokenId));
    return runner;
  } catch (error) {
    await runner.dispose().catch(() => undefined);
    throw error;
  }
}

/** Eight pad tokens, attended: a row any of the served graphs takes. */
function warmupBatch(padTokenId: number): BatchTensors {
  const length = 8;
  return {
    batchSize: 1,
    length,
    inputIds: new BigInt64Array(length).fill(BigInt(padTokenId)),
    attentionMask: new BigInt64Array(length).fill(1n),
    tokenTypeIds: new BigInt64Array(length),
  };
}
