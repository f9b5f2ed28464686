/**
 * How a failed model load is reported (src/runtime/load-errors.ts): an operator the onnxruntime-web build has
 * no kernel for is named as such, not as a truncated file.
 */
import { describe, expect, it } from 'vitest';
import { loadStep, type FailureContext } from '../../src/runtime/load-errors.js';
import { RerankerError } from '../../src/shared/errors.js';

const context: FailureContext = {
  fileUrl: (file) => `https://models.example/m/${file}`,
  refusedDownload: () => undefined,
  isFileNotFound: (error): error is Error => false,
};

async function failure(message: string): Promise<RerankerError> {
  const caught: unknown = await loadStep(['onnx/model_q4.onnx'], context, () => Promise.reject(new Error(message))).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(caught instanceof RerankerError)) throw new Error(`expected a RerankerError, got ${String(caught)}`);
  return caught;
}

describe('loadStep errors', () => {
  it("names an operator onnxruntime-web cannot run (the browser WASM build's GatherBlockQuantized) and what to do", async () => {
    // The message onnxruntime-web gave in Chromium for a q4 file whose embedding table is GatherBlockQuantized.
    const error = await failure(
      "Can't create a session. ERROR_CODE: 9, ERROR_MESSAGE: Could not find an implementation for GatherBlockQuantized(1) node with name '/body/embed_tokens/Gather_Q4'",
    );
    expect(error.code).toBe('model-load-failed');
    expect(error.message).toContain('https://models.example/m/onnx/model_q4.onnx');
    expect(error.message).toContain('cannot run the graph\'s GatherBlockQuantized operator');
    expect(error.message).toMatch(/embedding table left in float/);
    expect(error.message).not.toMatch(/truncated/);
  });

  it('still calls a file that does not parse possibly truncated', async () => {
    const error = await failure("Can't create a session. ERROR_CODE: 7, ERROR_MESSAGE: Failed to load model because protobuf parsing failed.");
    expect(error.code).toBe('model-load-failed');
    expect(error.message).toMatch(/truncated/);
  });
});
