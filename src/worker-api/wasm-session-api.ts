/**
 * What a WASM session worker exposes over Comlink: one session of the model, loaded by `loader`, running
 * the batches the engine's worker sends it. Failures come back as `Outcome`s so their code survives.
 */
import type { BatchRunner } from '../runtime/session-pool.js';
import type { WasmSessionApi, WasmSessionLoad } from '../runtime/wasm-session-protocol.js';
import { RerankerError } from '../shared/errors.js';
import { holdLifeLock } from '../shared/life-lock.js';
import { settle } from './worker-api.js';

/**
 * A User Timing mark this worker sets once its first batch (the warm-up row it runs before joining the pool)
 * has run: in DevTools' Performance panel it shows when the extra session started to work.
 */
export const FIRST_RUN_MARK = 'webgpu-reranker:wasm-session-first-run';

export function createWasmSessionApi(loader: (load: WasmSessionLoad) => Promise<BatchRunner>): WasmSessionApi {
  let runner: BatchRunner | undefined;
  let ran = false;
  return {
    holdLifeLock,
    load: (load) =>
      settle(async () => {
        if (runner !== undefined) throw new RerankerError('invalid-input', 'This session worker already holds a session.');
        runner = await loader(load);
      }),
    run: (batch) =>
      settle(async () => {
        if (runner === undefined) throw new RerankerError('invalid-input', 'No session is loaded in this worker yet.');
        const scores = await runner.run(batch);
        if (!ran) globalThis.performance?.mark?.(FIRST_RUN_MARK);
        ran = true;
        return scores;
      }),
    dispose: () =>
      settle(async () => {
        const held = runner;
        runner = undefined;
        await held?.dispose();
      }),
  };
}
