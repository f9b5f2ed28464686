/**
 * The native contender, run as a child process (forked by run.ts) so it shares nothing with the browser
 * or the orchestrator: onnxruntime-node (CPU) on the same model files, with the same pair encoding
 * (transformers.js's tokenizer in Node), length-sorted batches, at a given thread count.
 *
 * Messages in: {type: 'run', ...NativeRequest} and {type: 'exit'}; out: {type: 'ready'} once, then one
 * NativeReply per run.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { encodePair, padBatch, planBatches, templateOfTokenizer, type EncodedPair, type PairTemplate } from './encode.js';

export interface NativeRequest {
  readonly dtype: 'q8' | 'fp32';
  readonly threads: number;
  readonly query: string;
  readonly passages: readonly string[];
  /** Rows per batch; 1 runs each pair alone (as the library does for q8). */
  readonly maxRows: number;
  readonly tokenBudget: number;
}

export interface NativeReply {
  readonly type: 'result';
  readonly totalMs: number;
  readonly tokenizeMs: number;
  readonly inferenceMs: number;
  readonly batches: number;
  readonly scores: number[];
  readonly peakRssMb: number;
}

/** One pair run alone `warmup + runs` times on a session of its own with onnxruntime's profiler on. */
export interface NativeProfileRequest {
  readonly dtype: 'q8' | 'fp32';
  readonly threads: number;
  readonly query: string;
  readonly passage: string;
  readonly warmup: number;
  readonly runs: number;
}

export interface NativeProfileReply {
  readonly type: 'profile';
  /** onnxruntime's profiler output (Chrome trace events). */
  readonly trace: string;
  /** Mean wall time of a measured run (profiler on). */
  readonly ms: number;
  readonly tokens: number;
}

export interface NativeError {
  readonly type: 'error';
  readonly message: string;
}

const MODEL_ROOT = resolve(process.argv[2] ?? 'fixtures/bench');
const MODEL = process.argv[3] ?? 'ms-marco-minilm-l6-shape';
const FILES = { q8: 'onnx/model_quantized.onnx', fp32: 'onnx/model.onnx' } as const;

let tokenizer: PreTrainedTokenizer | undefined;
let template: PairTemplate | undefined;
let maxLength = 512;
const sessions = new Map<string, ort.InferenceSession>();
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
sampler.unref();

async function loadTokenizer(): Promise<PreTrainedTokenizer> {
  if (tokenizer !== undefined) return tokenizer;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${MODEL_ROOT}/`;
  const loaded = await AutoTokenizer.from_pretrained(MODEL);
  template = templateOfTokenizer(loaded);
  const limit: unknown = loaded.model_max_length;
  if (typeof limit === 'number' && Number.isFinite(limit)) maxLength = Math.min(512, limit);
  tokenizer = loaded;
  return loaded;
}

async function session(dtype: 'q8' | 'fp32', threads: number): Promise<ort.InferenceSession> {
  const key = `${dtype}/${threads}`;
  const existing = sessions.get(key);
  if (existing !== undefined) return existing;
  const created = await ort.InferenceSession.create(resolve(MODEL_ROOT, MODEL, FILES[dtype]), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  sessions.set(key, created);
  return created;
}

/** One padded batch of the given pairs. */
function batchFeeds(pairs: readonly EncodedPair[], wantsTypes: boolean): Record<string, ort.Tensor> {
  const { ids, mask, types, dims } = padBatch(pairs);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (wantsTypes) feeds['token_type_ids'] = new ort.Tensor('int64', types, dims);
  return feeds;
}

async function profile(request: NativeProfileRequest): Promise<NativeProfileReply> {
  const tok = await loadTokenizer();
  if (template === undefined) throw new Error('no pair template');
  const prefix = `webgpu-reranker-bench-profile-${process.pid}`;
  const sess = await ort.InferenceSession.create(resolve(MODEL_ROOT, MODEL, FILES[request.dtype]), {
    intraOpNumThreads: request.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: join(tmpdir(), prefix),
  });
  try {
    const pair = encodePair(template, tok.encode(request.query, { add_special_tokens: false }), tok.encode(request.passage, { add_special_tokens: false }), maxLength);
    const feeds = batchFeeds([pair], sess.inputNames.includes('token_type_ids'));
    for (let i = 0; i < request.warmup; i += 1) await sess.run(feeds);
    const started = performance.now();
    for (let i = 0; i < request.runs; i += 1) await sess.run(feeds);
    const ms = (performance.now() - started) / request.runs;
    sess.endProfiling();
    const files = readdirSync(tmpdir()).filter((name) => name.startsWith(prefix));
    if (files.length !== 1) throw new Error(`expected one profile file ${prefix}*, found ${files.length}`);
    const path = join(tmpdir(), files[0] ?? '');
    const trace = readFileSync(path, 'utf8');
    rmSync(path);
    return { type: 'profile', trace, ms, tokens: pair.ids.length };
  } finally {
    await sess.release();
  }
}

async function run(request: NativeRequest): Promise<NativeReply> {
  const tok = await loadTokenizer();
  const sess = await session(request.dtype, request.threads);
  if (template === undefined) throw new Error('no pair template');
  const pairTemplate = template;
  peakRss = process.memoryUsage.rss();
  const started = performance.now();
  const queryIds = tok.encode(request.query, { add_special_tokens: false });
  const encoded = request.passages.map((passage) =>
    encodePair(pairTemplate, queryIds, tok.encode(passage, { add_special_tokens: false }), maxLength),
  );
  const tokenized = performance.now();
  const plans = planBatches(encoded.map((pair) => pair.ids.length), request.tokenBudget, request.maxRows);
  const scores = new Array<number>(encoded.length).fill(Number.NaN);
  const wantsTypes = sess.inputNames.includes('token_type_ids');
  for (const plan of plans) {
    const feeds = batchFeeds(plan.map((index) => encoded[index]).filter((pair): pair is EncodedPair => pair !== undefined), wantsTypes);
    const output = await sess.run(feeds);
    const logits = output['logits']?.data;
    if (!(logits instanceof Float32Array)) throw new Error('no float32 logits');
    plan.forEach((index, row) => {
      scores[index] = logits[row] ?? Number.NaN;
    });
  }
  const finished = performance.now();
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return {
    type: 'result',
    totalMs: finished - started,
    tokenizeMs: tokenized - started,
    inferenceMs: finished - tokenized,
    batches: plans.length,
    scores,
    peakRssMb: peakRss / 2 ** 20,
  };
}

process.on('message', (message: { type: string } & Partial<NativeRequest & NativeProfileRequest>) => {
  if (message.type === 'exit') {
    process.exit(0);
  }
  if (message.type !== 'run' && message.type !== 'profile') return;
  const work: Promise<NativeReply | NativeProfileReply> =
    message.type === 'run' ? run(message as NativeRequest) : profile(message as NativeProfileRequest);
  work.then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies NativeError),
  );
});
process.send?.({ type: 'ready' });
