import { describe, expect, it } from 'vitest';
import { MAX_EMBED_TEXTS, validateEmbedCall, validateEmbedderOptions } from '../../src/shared/embedder-validate.js';
import { singleTemplate } from '../../src/runtime/tokenizer-tools.js';

function codeAndArgument(work: () => void): { code?: string; argument?: unknown } {
  try {
    work();
    return {};
  } catch (error) {
    const e = error as { code?: string; details?: Record<string, unknown> };
    return { code: e.code, argument: e.details?.['argument'] };
  }
}

describe('createEmbedder options', () => {
  it('accepts the shared options and its own', () => {
    expect(() => validateEmbedderOptions({ model: 'Xenova/all-MiniLM-L6-v2', device: 'wasm', dtype: 'q8', pooling: 'mean', normalize: true, queryPrefix: 'q: ', documentPrefix: '' })).not.toThrow();
  });

  it.each([
    [{ model: 'a/b', pooling: 'max' }, 'pooling'],
    [{ model: 'a/b', normalize: 'yes' }, 'normalize'],
    [{ model: 'a/b', queryPrefix: 3 }, 'queryPrefix'],
    [{ model: 'a/b', documentPrefix: 'x'.repeat(1001) }, 'documentPrefix'],
    [{ model: 'a/b', chunking: true }, 'chunking'],
    [{ model: 'a/b', device: 'gpu' }, 'device'],
    [{ model: 'https://evil.example/m' }, 'model'],
    [{ model: 'a/b', timeoutMs: -1 }, 'timeoutMs'],
  ])('refuses %j, naming %s', (options, argument) => {
    expect(codeAndArgument(() => validateEmbedderOptions(options))).toEqual({ code: 'invalid-input', argument });
  });
});

describe('embed calls', () => {
  it('refuses non-arrays, holes, too many texts and too long texts', () => {
    expect(codeAndArgument(() => validateEmbedCall('text', undefined))).toEqual({ code: 'invalid-input', argument: 'texts' });
    // eslint-disable-next-line no-sparse-arrays
    expect(codeAndArgument(() => validateEmbedCall(['a', , 'b'], undefined))).toEqual({ code: 'invalid-input', argument: 'texts' });
    expect(codeAndArgument(() => validateEmbedCall(new Array<string>(MAX_EMBED_TEXTS + 1).fill('a'), undefined)).code).toBe('invalid-input');
    expect(codeAndArgument(() => validateEmbedCall(['x'.repeat(100_001)], undefined)).code).toBe('invalid-input');
    expect(codeAndArgument(() => validateEmbedCall(['a'], { signal: 'stop' as unknown as AbortSignal })).argument).toBe('signal');
    expect(() => validateEmbedCall([], { kind: 'query' })).not.toThrow();
  });
});

describe('singleTemplate', () => {
  it('reads the special tokens around one text', () => {
    const tokenizer = { encode: (text: string, o: { add_special_tokens: boolean }) => (o.add_special_tokens ? [101, 7, 102] : [7]) };
    expect(singleTemplate(tokenizer)).toEqual({ lead: [101], tail: [102] });
    const xlmr = { encode: (text: string, o: { add_special_tokens: boolean }) => (o.add_special_tokens ? [0, 9, 2] : [9]) };
    expect(singleTemplate(xlmr)).toEqual({ lead: [0], tail: [2] });
  });
});
