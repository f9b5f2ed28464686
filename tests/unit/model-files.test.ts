/** Picked model folders: paths as the Hub layout has them, and bad entries refused as invalid-input. */
import { describe, expect, it } from 'vitest';
import { normalizeModelFiles } from '../../src/shared/model-files.js';
import { pickedFilesCache, PICKED_FILES_HOST } from '../../src/runtime/picked-files-cache.js';

/** A File as `<input webkitdirectory>` gives it: `webkitRelativePath` starts with the picked folder. */
function picked(path: string, text: string): File {
  const file = new File([text], path.split('/').at(-1) ?? path);
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

describe('normalizeModelFiles', () => {
  it('drops the picked folder’s name from each path', () => {
    const files = normalizeModelFiles([picked('my-model/config.json', '{}'), picked('my-model/onnx/model.onnx', 'x')]);
    expect(Object.keys(files).sort()).toEqual(['config.json', 'onnx/model.onnx']);
  });

  it('keeps the names of files picked one by one, and takes a path -> Blob object as it is', () => {
    expect(Object.keys(normalizeModelFiles([new File(['{}'], 'config.json')]))).toEqual(['config.json']);
    const blob = new Blob(['x']);
    expect(normalizeModelFiles({ '/onnx/model.onnx': blob })).toEqual({ 'onnx/model.onnx': blob });
  });

  it('refuses anything else with invalid-input', () => {
    for (const bad of [null, 'config.json', [42], { 'config.json': '{}' }]) {
      expect(() => normalizeModelFiles(bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'invalid-input' }) as Error);
    }
  });
});

describe('pickedFilesCache', () => {
  it('answers transformers.js’s lookups from the picked files only', async () => {
    const cache = pickedFilesCache('my-model', { 'config.json': new Blob(['{"a":1}']), 'onnx/model.onnx': new Blob(['12345']) });
    const config = await cache.match(`${PICKED_FILES_HOST}my-model/config.json`);
    expect(await config?.text()).toBe('{"a":1}');
    expect(config?.headers.get('content-length')).toBe('7');
    expect(await (await cache.match(`${PICKED_FILES_HOST}my-model/onnx/model.onnx`))?.text()).toBe('12345');
    expect(await cache.match(`${PICKED_FILES_HOST}my-model/tokenizer.json`)).toBeUndefined();
    expect(await cache.match('/models/my-model/config.json')).toBeUndefined();
    expect(await cache.match(`${PICKED_FILES_HOST}other/config.json`)).toBeUndefined();
  });
});
