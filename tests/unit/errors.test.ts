import { describe, expect, it } from 'vitest';
import { RerankerError, fromWireError, isWireError, toWireError } from '../../src/shared/errors.js';

describe('errors across the worker boundary', () => {
  it('survive structuredClone with class, code, details and cause', () => {
    const original = new RerankerError('model-not-found', 'Model file not found: http://x/onnx/model.onnx.', {
      details: { url: 'http://x/onnx/model.onnx' },
      cause: new Error('404'),
    });
    const wire = structuredClone(toWireError(original));
    expect(isWireError(wire)).toBe(true);
    const back = fromWireError(wire);
    expect(back).toBeInstanceOf(RerankerError);
    expect(back).toBeInstanceOf(Error);
    expect(back.code).toBe('model-not-found');
    expect(back.message).toBe(original.message);
    expect(back.details).toEqual({ url: 'http://x/onnx/model.onnx' });
    expect(back.cause).toBe('404');
  });

  it('classify unexpected errors as inference-failed and keep their text', () => {
    const back = fromWireError(structuredClone(toWireError(new TypeError('boom'))));
    expect(back.code).toBe('inference-failed');
    expect(back.message).toContain('boom');
  });
});
