/**
 * What a WASM session worker exposes over Comlink: one session of the model, loaded by `loader`, running
 * the batches the engine's worker sends it. Failures come back as `Outcome`s so their code survives.
 */
import type { BatchRunner } from '../runtime/session-pool.js';
import type { WasmSessionApi, WasmSessionLoad } from '../runtime/wasm-session-protocol.js';
import { RerankerError } from '../shared/errors.js';
import { holdLifeLock } from './life-lock.js';
import { settle } from './worker-api.js';

export function createWasmSessionApi(loader: (load: WasmSessionLoad) => Promise<BatchRunner>): WasmSessionApi {
  let runner: BatchRunner | undefined;
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
        return runner.run(batch);
      }),
    dispose: () =>
      settle(async () => {
        const held = runner;
        runner = undefined;
        await held?.dispose();
      }),
  };
}
