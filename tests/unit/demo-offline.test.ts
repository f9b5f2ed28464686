import { describe, expect, it } from 'vitest';
import { cachedModels, modelRoot } from '../../src/demo/offline.js';

const PAGE = 'http://localhost:4173/?model=x';
const ORIGIN = 'http://localhost:4173';

describe('demo offline: which models the cache can load', () => {
  it('puts model files where the library fetches them', () => {
    expect(modelRoot('Xenova/bge-reranker-base', undefined, PAGE)).toBe('https://huggingface.co/Xenova/bge-reranker-base/resolve/main/');
    expect(modelRoot('tiny', '/fixtures/models/', PAGE)).toBe('http://localhost:4173/fixtures/models/tiny/');
    expect(modelRoot('a/b', 'https://cdn.example/m', PAGE)).toBe('https://cdn.example/m/a/b/');
  });

  it('lists a model only when its config, tokenizer files and an onnx file are all cached', () => {
    const hub = 'https://huggingface.co/Xenova/ms-marco-MiniLM-L-6-v2/resolve/main/';
    const local = `${ORIGIN}/fixtures/models/tiny/`;
    const partial = `${ORIGIN}/models/partial/`;
    const noOnnx = `${ORIGIN}/models/no-onnx/`;
    const urls = [
      ...['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx', 'onnx/model.onnx'].map((f) => hub + f),
      ...['tokenizer_config.json', 'config.json', 'tokenizer.json', 'onnx/model_q4f16.onnx'].map((f) => local + f),
      ...['config.json', 'onnx/model.onnx'].map((f) => partial + f),
      ...['config.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => noOnnx + f),
    ];
    expect(cachedModels(urls, ORIGIN)).toEqual([
      { root: hub, label: 'Xenova/ms-marco-MiniLM-L-6-v2', dtypes: ['fp32', 'q8'] },
      { root: local, label: '/fixtures/models/tiny/', dtypes: ['q4f16'] },
    ]);
  });

  it('labels another origin\'s folder by its full URL', () => {
    const root = 'https://cdn.example/m/tiny/';
    const urls = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_fp16.onnx'].map((f) => root + f);
    expect(cachedModels(urls, ORIGIN)).toEqual([{ root, label: root, dtypes: ['fp16'] }]);
  });
});
