/**
 * The pattern users write today with transformers.js: tokenizer and model on the main thread, every
 * pair tokenized with `padding: true, truncation: true`, one model call, default settings. Only what
 * an offline page must set is set: where the model files and onnxruntime's .wasm are served from.
 */
import {
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import type { BenchPage, PageLoadOptions } from './contract.js';

let tokenizer: PreTrainedTokenizer | undefined;
let model: PreTrainedModel | undefined;

/** transformers.js's default .wasm files (the asyncify build), from this server instead of a CDN. */
const ORT_DIST = '/node_modules/onnxruntime-web/dist/';

const page: BenchPage = {
  async load(options: PageLoadOptions) {
    env.remoteHost = new URL(`${options.modelBaseUrl.replace(/\/+$/, '')}/`, location.href).href;
    env.remotePathTemplate = '{model}/';
    const wasm = env.backends.onnx.wasm;
    if (wasm !== undefined) {
      wasm.wasmPaths = {
        mjs: new URL(`${ORT_DIST}ort-wasm-simd-threaded.asyncify.mjs`, location.href).href,
        wasm: new URL(`${ORT_DIST}ort-wasm-simd-threaded.asyncify.wasm`, location.href).href,
      };
    }
    const started = performance.now();
    tokenizer = await AutoTokenizer.from_pretrained(options.model);
    model = await AutoModelForSequenceClassification.from_pretrained(options.model, {
      ...(options.device === 'webgpu' ? { device: 'webgpu' as const } : {}),
      ...(options.dtype === undefined ? {} : { dtype: options.dtype }),
    });
    const ms = performance.now() - started;
    const threads = env.backends.onnx.wasm?.numThreads;
    return {
      ms,
      dtype: options.dtype ?? 'default',
      device: options.device,
      threads: typeof threads === 'number' ? threads : Number.NaN,
    };
  },
  async rerank(query, passages) {
    if (tokenizer === undefined || model === undefined) throw new Error('load first');
    const started = performance.now();
    const inputs = tokenizer(
      passages.map(() => query),
      { text_pair: [...passages], padding: true, truncation: true },
    ) as unknown as Record<string, Tensor>;
    const tokenized = performance.now();
    const { logits } = (await (model as unknown as (inputs: Record<string, Tensor>) => Promise<{ logits: Tensor }>)(inputs));
    const data = logits.data as Float32Array;
    const ranked = Array.from(data, (score, index) => ({ index, score })).sort((a, b) => b.score - a.score);
    const ms = performance.now() - started;
    const scores = new Array<number>(passages.length).fill(Number.NaN);
    for (const row of ranked) scores[row.index] = row.score;
    return { ms, scores, tokenizeMs: tokenized - started, inferenceMs: ms - (tokenized - started), paddedShape: inputs['input_ids']?.dims ?? [] };
  },
  async dispose() {
    await model?.dispose();
    model = undefined;
    tokenizer = undefined;
  },
};

window.bench = page;
