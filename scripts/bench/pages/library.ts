/** The library as a user calls it: createReranker (model in a Web Worker), then rerank. */
import { createReranker, type Reranker } from '../../../src/index.js';
import type { BenchPage, PageLoadOptions } from './contract.js';

let reranker: Reranker | undefined;

const page: BenchPage = {
  async load(options: PageLoadOptions) {
    const started = performance.now();
    reranker = await createReranker({
      model: options.model,
      modelBaseUrl: options.modelBaseUrl,
      device: options.device,
      ...(options.dtype === undefined ? {} : { dtype: options.dtype }),
      ...(options.batchTokenBudget === undefined ? {} : { batchTokenBudget: options.batchTokenBudget }),
      ...(options.wasmSessions === undefined ? {} : { wasmSessions: options.wasmSessions }),
      ...(options.webgpuGraphCapture === undefined ? {} : { webgpuGraphCapture: options.webgpuGraphCapture }),
    });
    const ms = performance.now() - started;
    const { info } = reranker;
    return { ms, dtype: info.dtype, device: info.device, threads: info.wasmThreads, sessions: info.wasmSessions };
  },
  async rerank(query, passages) {
    if (reranker === undefined) throw new Error('load first');
    const started = performance.now();
    const ranked = await reranker.rerank(query, passages);
    const ms = performance.now() - started;
    const timings = await reranker.lastTimings();
    const scores = new Array<number>(passages.length).fill(Number.NaN);
    for (const row of ranked) scores[row.index] = row.score;
    return {
      ms,
      scores,
      ...(timings === undefined ? {} : { tokenizeMs: timings.tokenizeMs, inferenceMs: timings.inferenceMs, batches: timings.batches }),
    };
  },
  async dispose() {
    await reranker?.dispose();
    reranker = undefined;
  },
};

window.bench = page;
