/**
 * The demo's presets that load with more than a model id (src/demo/model-presets.ts): each is an option of
 * `#model` in index.html, names a preset the library takes, and stands its dtype in for `auto` only. The demo
 * loading the published Qwen3-Reranker preset end to end: e2e/specs/published-llm-demo.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRESET_LOADS, presetLoad } from '../../src/demo/model-presets.js';
import { PUBLISHED_PRESET_NAMES } from '../../src/shared/validate.js';
import { settingsKey, type LoadSettings } from '../../src/demo/settings.js';

const QWEN3 = 'onnx-community/Qwen3-Reranker-0.6B-ONNX';

/** The values of index.html's `#model` options. */
function modelOptions(): string[] {
  const html = readFileSync(new URL('../../index.html', import.meta.url), 'utf8');
  const select = /<select id="model"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
  return [...select.matchAll(/<option value="([^"]*)"/g)].map((match) => match[1] as string);
}

describe('demo presets that need load options', () => {
  it('the published Qwen3-Reranker is a preset of the page, loaded with preset qwen3-reranker in q4', () => {
    expect(modelOptions()).toContain(QWEN3);
    expect(PRESET_LOADS[QWEN3]).toEqual({ preset: 'qwen3-reranker', dtype: 'q4' });
  });

  it('every entry is an option of #model and names a preset the library takes', () => {
    const options = modelOptions();
    for (const [model, load] of Object.entries(PRESET_LOADS)) {
      expect(options, model).toContain(model);
      expect(PUBLISHED_PRESET_NAMES, model).toContain(load.preset);
    }
  });

  it("the table's dtype stands in for auto only; other models get no preset and keep the form's dtype", () => {
    expect(presetLoad(QWEN3, 'auto')).toEqual({ preset: 'qwen3-reranker', dtype: 'q4' });
    expect(presetLoad(QWEN3, 'q8')).toEqual({ preset: 'qwen3-reranker', dtype: 'q8' });
    expect(presetLoad('Xenova/ms-marco-MiniLM-L-6-v2', 'auto')).toEqual({ dtype: 'auto' });
    expect(presetLoad('constructor', 'fp32')).toEqual({ dtype: 'fp32' });
  });

  it('a preset is part of what tells two loads apart', () => {
    const plain: LoadSettings = { model: QWEN3, modelBaseUrl: undefined, device: 'wasm', dtype: 'q4', scoring: {} };
    expect(settingsKey({ ...plain, preset: 'qwen3-reranker' })).not.toBe(settingsKey(plain));
  });
});
