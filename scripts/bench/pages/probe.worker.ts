/// <reference lib="webworker" />
/**
 * The library's inference path with one knob exposed: transformers.js + onnxruntime-web (WASM) in a
 * module worker, FlagReranker pair encoding, length-sorted batches, but `numThreads` chosen by the caller.
 * Used by the bench to choose the library's thread count from measurements, and to profile one pair's run
 * (onnxruntime's profiler, enabled with `sessionOptions.enableProfiling`).
 */
import { AutoModelForSequenceClassification, AutoTokenizer, Tensor, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { encodePair, padBatch, planBatches, templateOfTokenizer, type EncodedPair, type PairTemplate } from '../encode.js';
import type { ProbeLoad, ProbeProfile, ProbeReply, ProbeRun } from './probe-contract.js';

/**
 * onnxruntime-web's WASM build prints its profiler trace with the console.log it saw when its module
 * started (bound then), so the catch is installed here, before any session exists, and switched on only
 * while a profile ends.
 */
let printed: string[] | undefined;
const consoleLog = console.log.bind(console);
console.log = (...parts: unknown[]) => {
  if (printed === undefined) consoleLog(...parts);
  else printed.push(parts.map(String).join(' '));
};

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
  template = templateOfTokenizer(tokenizer);
  threads = env.backends.onnx.wasm?.numThreads ?? message.threads;
  return { ok: true, ms: performance.now() - started, threads };
}

type ModelCall = (feeds: Record<string, Tensor>) => Promise<{ logits: Tensor }>;

function loaded(): { tok: PreTrainedTokenizer; call: ModelCall; pairTemplate: PairTemplate } {
  if (tokenizer === undefined || model === undefined || template === undefined) throw new Error('load first');
  return { tok: tokenizer, call: model as unknown as ModelCall, pairTemplate: template };
}

/** One padded batch of the given pairs, as the library feeds it. */
function batchFeeds(pairs: readonly EncodedPair[]): Record<string, Tensor> {
  const { ids, mask, types, dims } = padBatch(pairs);
  return {
    input_ids: new Tensor('int64', ids, dims),
    attention_mask: new Tensor('int64', mask, dims),
    token_type_ids: new Tensor('int64', types, dims),
  };
}

async function run(message: ProbeRun): Promise<ProbeReply> {
  const { tok, call, pairTemplate } = loaded();
  const started = performance.now();
  const queryIds = tok.encode(message.query, { add_special_tokens: false });
  const encoded = message.passages.map((passage) => encodePair(pairTemplate, queryIds, tok.encode(passage, { add_special_tokens: false }), 512));
  const plans = planBatches(encoded.map((pair) => pair.ids.length), message.tokenBudget, message.maxRows);
  const scores = new Array<number>(encoded.length).fill(Number.NaN);
  for (const plan of plans) {
    const { logits } = await call(batchFeeds(plan.map((index) => encoded[index]).filter((pair): pair is EncodedPair => pair !== undefined)));
    const data = logits.data as Float32Array;
    plan.forEach((index, row) => {
      scores[index] = data[row] ?? Number.NaN;
    });
  }
  return { ok: true, ms: performance.now() - started, batches: plans.length, threads, scores };
}

/**
 * Runs one pair through the warm-up, then `runs` times, then ends the session's profiling. The WASM build prints the trace
 * with console.log instead of writing a file the page could read, so console.log is caught meanwhile.
 */
async function profile(message: ProbeProfile): Promise<ProbeReply> {
  const { tok, call, pairTemplate } = loaded();
  const session = (model as unknown as { sessions?: Record<string, { endProfiling(): void }> }).sessions?.['model'];
  if (session === undefined) throw new Error('no onnxruntime session named "model" on the transformers.js model');
  const pair = encodePair(pairTemplate, tok.encode(message.query, { add_special_tokens: false }), tok.encode(message.passage, { add_special_tokens: false }), 512);
  const feeds = batchFeeds([pair]);
  const warmupEnds = performance.now() + message.warmupMs;
  for (let i = 0; i < 3 || performance.now() < warmupEnds; i += 1) await call(feeds);
  const started = performance.now();
  for (let i = 0; i < message.runs; i += 1) await call(feeds);
  const ms = (performance.now() - started) / message.runs;
  const trace: string[] = [];
  printed = trace;
  try {
    session.endProfiling();
  } finally {
    printed = undefined;
  }
  return { ok: true, ms, threads, trace: trace.join('\n'), tokens: pair.ids.length };
}

self.addEventListener('message', (event: MessageEvent<ProbeLoad | ProbeRun | ProbeProfile>) => {
  const message = event.data;
  const work = message.type === 'load' ? load(message) : message.type === 'run' ? run(message) : profile(message);
  work.then(
    (reply) => self.postMessage(reply),
    (error: unknown) => self.postMessage({ ok: false, ms: Number.NaN, error: error instanceof Error ? error.message : String(error) } satisfies ProbeReply),
  );
});
