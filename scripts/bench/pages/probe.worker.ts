/// <reference lib="webworker" />
/**
 * The library's inference path with one knob exposed: transformers.js + onnxruntime-web (WASM) in a
 * module worker, FlagReranker pair encoding, length-sorted batches, but `numThreads` chosen by the caller.
 * Used by the bench to choose the library's thread count from measurements.
 */
import { AutoModelForSequenceClassification, AutoTokenizer, Tensor, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { encodePair, planBatches, templateFromProbe, type PairTemplate } from '../encode.js';
import type { ProbeLoad, ProbeReply, ProbeRun } from './probe-contract.js';

let tokenizer: PreTrainedTokenizer | undefined;
let model: PreTrainedModel | undefined;
let template: PairTemplate | undefined;
let threads = 1;

async function load(message: ProbeLoad): Promise<ProbeReply> {
  const started = performance.now();
  env.allowLocalModels = false;
  env.remoteHost = new URL(`${message.modelBaseUrl.replace(/\/+$/, '')}/`, self.location.href).href;
  env.remotePathTemplate = '{model}/';
  const wasm = env.backends.onnx.wasm;
  if (wasm !== undefined) {
    // As the library does: onnxruntime-web finds its .wasm beside its module.
    wasm.wasmPaths = (message.wasmPaths === undefined ? undefined : { ...message.wasmPaths }) as unknown as string;
    wasm.numThreads = message.threads;
  }
  tokenizer = await AutoTokenizer.from_pretrained(message.model);
  model = await AutoModelForSequenceClassification.from_pretrained(message.model, {
    device: 'wasm',
    dtype: message.dtype,
    ...(message.sessionOptions === undefined ? {} : { session_options: message.sessionOptions }),
  });
  const aIds = tokenizer.encode('a', { add_special_tokens: false });
  const bIds = tokenizer.encode('b', { add_special_tokens: false });
  const pair = tokenizer('a', { text_pair: 'b', return_tensor: false, return_token_type_ids: true }) as unknown as {
    input_ids: number[];
    token_type_ids?: number[];
  };
  template = templateFromProbe(aIds, bIds, pair.input_ids, pair.token_type_ids);
  threads = env.backends.onnx.wasm?.numThreads ?? message.threads;
  return { ok: true, ms: performance.now() - started, threads };
}

async function run(message: ProbeRun): Promise<ProbeReply> {
  if (tokenizer === undefined || model === undefined || template === undefined) throw new Error('load first');
  const tok = tokenizer;
  const pairTemplate = template;
  const started = performance.now();
  const queryIds = tok.encode(message.query, { add_special_tokens: false });
  const encoded = message.passages.map((passage) => encodePair(pairTemplate, queryIds, tok.encode(passage, { add_special_tokens: false }), 512));
  const plans = planBatches(encoded.map((pair) => pair.ids.length), message.tokenBudget, message.maxRows);
  const call = model as unknown as (feeds: Record<string, Tensor>) => Promise<{ logits: Tensor }>;
  for (const plan of plans) {
    const length = Math.max(...plan.map((index) => encoded[index]?.ids.length ?? 0));
    const ids = new BigInt64Array(plan.length * length);
    const mask = new BigInt64Array(plan.length * length);
    const types = new BigInt64Array(plan.length * length);
    plan.forEach((index, row) => {
      const pair = encoded[index];
      if (pair === undefined) return;
      pair.ids.forEach((id, position) => {
        ids[row * length + position] = BigInt(id);
        mask[row * length + position] = 1n;
        types[row * length + position] = BigInt(pair.types[position] ?? 0);
      });
    });
    const dims = [plan.length, length];
    await call({
      input_ids: new Tensor('int64', ids, dims),
      attention_mask: new Tensor('int64', mask, dims),
      token_type_ids: new Tensor('int64', types, dims),
    });
  }
  return { ok: true, ms: performance.now() - started, batches: plans.length, threads };
}

self.addEventListener('message', (event: MessageEvent<ProbeLoad | ProbeRun>) => {
  const work = event.data.type === 'load' ? load(event.data) : run(event.data);
  work.then(
    (reply) => self.postMessage(reply),
    (error: unknown) => self.postMessage({ ok: false, ms: Number.NaN, error: error instanceof Error ? error.message : String(error) } satisfies ProbeReply),
  );
});
