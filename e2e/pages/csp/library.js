// The library under a strict Content-Security-Policy (e2e/specs/csp.spec.ts serves it with the policy as
// a header, beside a standalone build at ../standalone/ and the fixtures at ../fixtures/models/).
import { createReranker } from '../standalone/webgpu-reranker.js';

const status = document.getElementById('status');
const device = new URLSearchParams(location.search).get('device') ?? 'wasm';
try {
  const reranker = await createReranker({ model: 'tiny-bert-reranker', modelBaseUrl: '../fixtures/models', device, dtype: 'fp32' });
  const results = await reranker.rerank('what does the giant panda eat?', [
    'Giant pandas eat bamboo almost exclusively.',
    'The stock market closed higher today.',
    'Pandas live in the mountains of central China.',
  ]);
  for (const { index, score } of results) {
    const item = document.createElement('li');
    item.dataset.index = String(index);
    item.textContent = score.toFixed(6);
    document.getElementById('results').append(item);
  }
  status.textContent = `done on ${reranker.info.device}`;
} catch (error) {
  status.textContent = `failed: ${error?.code ?? ''} ${error?.message ?? String(error)}`;
}
