import { describe, expect, it } from 'vitest';
import { scoresFromLogits, sigmoid } from '../../src/engine/heads/sequence-classification.js';
import { chooseDevice } from '../../src/runtime/device-choice.js';
import { RerankerError } from '../../src/shared/errors.js';

describe('sequence-classification head', () => {
  it('returns the raw logits, one per row', () => {
    expect(scoresFromLogits(new Float32Array([1.5, -2.25]), 2)).toEqual([1.5, -2.25]);
    expect(() => scoresFromLogits(new Float32Array([1, 2, 3, 4]), 2)).toThrow(/one label per pair/);
  });

  it('sigmoid matches 1 / (1 + e^-x) and does not overflow', () => {
    for (const x of [-5, -0.3, 0, 0.7, 9]) expect(sigmoid(x)).toBeCloseTo(1 / (1 + Math.exp(-x)), 12);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });
});

describe('chooseDevice', () => {
  const gpu = { available: true as const, shaderF16: false };
  const noGpu = { available: false as const, reason: 'no adapter' };

  it('auto picks WebGPU with fp32, and WASM with q8', () => {
    expect(chooseDevice('auto', 'auto', gpu)).toEqual({ device: 'webgpu', dtype: 'fp32' });
    expect(chooseDevice('wasm', 'auto', gpu)).toEqual({ device: 'wasm', dtype: 'q8' });
  });

  it('auto falls back to WASM and says why', () => {
    const choice = chooseDevice('auto', 'auto', noGpu);
    expect(choice.device).toBe('wasm');
    expect(choice.fallbackReason).toMatch(/no adapter/);
  });

  it('explicit webgpu without an adapter is an error, never a silent fallback', () => {
    expect(() => chooseDevice('webgpu', 'auto', noGpu)).toThrow(expect.objectContaining({ code: 'webgpu-unavailable' }) as RerankerError);
  });

  it('fp16 needs shader-f16', () => {
    expect(() => chooseDevice('webgpu', 'fp16', gpu)).toThrow(/shader-f16/);
    expect(chooseDevice('auto', 'fp16', gpu).device).toBe('wasm');
    expect(chooseDevice('webgpu', 'fp16', { available: true, shaderF16: true })).toEqual({ device: 'webgpu', dtype: 'fp16' });
  });

  it('auto does not put a q8 graph on WebGPU', () => {
    expect(chooseDevice('auto', 'q8', gpu).device).toBe('wasm');
  });
});
