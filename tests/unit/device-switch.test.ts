/**
 * A lost WebGPU device mid-run. onnxruntime-web cannot run even a WASM session in that worker afterwards,
 * so under device 'auto' the proxy starts a new worker on WASM, sends every pending call there, and `info`
 * reports the switch; under device 'webgpu' the call fails. The fake "WebGPU" model below fails every run
 * with the runtime's device-lost error once its device is lost. The browser side (a device really
 * destroyed) runs in e2e/specs/device-lost.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeHarnesses, expectedScore, harness, until } from './proxy-harness.js';
import type { LoadedModel, ModelLoader } from '../../src/engine/loaded-model.js';
import { deviceLostError } from '../../src/shared/errors.js';

afterEach(closeHarnesses);

interface Gpu {
  lost: boolean;
  loads: string[];
}

/** Loads the fake model "on WebGPU" unless the request asks for WASM. */
function onLosableGpu(gpu: Gpu): (fake: ModelLoader) => ModelLoader {
  return (fake) => async (request, onProgress) => {
    const wasm = await fake(request, onProgress);
    gpu.loads.push(`${request.device ?? 'auto'}/${request.dtype ?? 'auto'}`);
    if (request.device === 'wasm') return { ...wasm, dtype: request.dtype === 'fp32' ? 'fp32' : 'q8' };
    const onGpu: LoadedModel = {
      ...wasm,
      device: 'webgpu',
      dtype: 'fp32',
      run: async (batch) => {
        if (gpu.lost) throw deviceLostError('test: device destroyed');
        return wasm.run(batch);
      },
    };
    return onGpu;
  };
}

describe('a lost WebGPU device', () => {
  it("device 'auto': a new worker on WASM takes every pending call, and info says so", async () => {
    const gpu: Gpu = { lost: false, loads: [] };
    const h = await harness({ batchTokenBudget: 512 }, onLosableGpu(gpu));
    expect(h.reranker.info).toMatchObject({ device: 'webgpu', dtype: 'fp32' });

    // A call of 4 batches and two more queued behind it; the device goes during the first call.
    h.setGate(true);
    const documents = Array.from({ length: 40 }, (_, i) => `${'y'.repeat(40)} ${i}`);
    const running = h.reranker.rerank('q', documents);
    const queued = [h.reranker.score([['a', 'b']]), h.reranker.rerank('c', ['d', 'e'])];
    await until(() => h.controls.batches.length === 2); // warm-up + the first batch
    gpu.lost = true;
    h.setGate(false);
    const results = await running;
    expect(results).toHaveLength(40);
    for (const result of results) expect(result.score).toBeCloseTo(expectedScore('q', documents[result.index] ?? ''), 5);
    expect((await queued[0]) as number[]).toEqual([expect.closeTo(expectedScore('a', 'b'), 5)]);
    expect(((await queued[1]) as { index: number }[]).map((r) => r.index).sort()).toEqual([0, 1]);
    expect(h.workersStarted).toBe(2);
    expect(gpu.loads).toEqual(['auto/auto', 'wasm/fp32']);
    expect(h.reranker.info).toMatchObject({ device: 'wasm', dtype: 'fp32', fallbackReason: expect.stringMatching(/WebGPU device was lost \(test/) as string });
    // Later calls run on WASM.
    expect((await h.reranker.score([['f', 'g']]))[0]).toBeCloseTo(expectedScore('f', 'g'), 5);
    expect(h.workersStarted).toBe(2);
  });

  it("device 'webgpu': the call fails with inference-failed (deviceLost), nothing moves", async () => {
    const gpu: Gpu = { lost: false, loads: [] };
    const h = await harness({ device: 'webgpu' }, onLosableGpu(gpu));
    gpu.lost = true;
    await expect(h.reranker.score([['a', 'b']])).rejects.toMatchObject({ code: 'inference-failed', details: { deviceLost: true } });
    expect(h.reranker.info.device).toBe('webgpu');
    expect(h.workersStarted).toBe(1);
  });
});
