/**
 * The reranker as it runs inside the worker: loads one model, queues calls so only one runs on the
 * session at a time (onnxruntime-web rejects concurrent runs on a session), aborts queued or running
 * calls by id, and turns pairs into scores. It knows nothing of workers or Comlink, so tests drive it
 * directly.
 */
import { buildBatchTensors, planBatches, type BatchPlan } from './batching.js';
import { chunkSpan } from './char-spans.js';
import { resolveChunking } from './chunking.js';
import type { LoadedModel, LoadRequest, ModelLoader } from './loaded-model.js';
import type { EncodedPair } from './pair-encoding.js';
import { chunkingUnsupported, pairScores, RowPlanner, type PairScore, type PlannedPair, type PlannedRows } from './pair-rows.js';
import { encodeChatRow, encodeSegmentsRow, encodeWrappedRow } from './prompt-format.js';
import { TokenCache } from './token-cache.js';
import { RerankerError, describeCause } from '../shared/errors.js';
import type {
  CallTimings,
  ChunkingSettings,
  EncodedRow,
  LoadProgress,
  RerankerInfo,
  RerankResult,
} from '../shared/types.js';
import { DEFAULT_LIMITS, resolveLimits } from '../shared/limits.js';
import { MAX_QUEUED_CALLS, queueFullError, type WireRerankOptions, type WireScoreOptions } from '../shared/protocol.js';
import { validateRerankCall, validateScoreCall } from '../shared/validate.js';

/** Chosen so a 512-token pair still batches 8 rows; see the bench notes for the measurements behind it. */
export const DEFAULT_BATCH_TOKEN_BUDGET = 4096;

/**
 * What the token cache keeps across calls (see token-cache.ts): 1M token ids (about 8 MB) and 4M characters
 * of text (8 MB of UTF-16) at most; texts over 20,000 characters are not kept.
 */
export const TOKEN_CACHE_LIMITS = { maxTokens: 1_000_000, maxChars: 4_000_000, maxTextChars: 20_000 } as const;


export class RerankEngine {
  readonly #loader: ModelLoader;
  #model: LoadedModel | undefined;
  #info: RerankerInfo | undefined;
  #batchTokenBudget = DEFAULT_BATCH_TOKEN_BUDGET;
  /** The reranker's chunking; a call's `chunking` option overrides it. */
  #chunking: ChunkingSettings | false = false;
  #limits = DEFAULT_LIMITS;
  /** Tail of the call queue; every call chains onto it. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Ids of the calls queued or running (the only ids an abort is recorded for). */
  readonly #activeCalls = new Set<number>();
  /** Ids of active calls that were aborted; a subset of #activeCalls, so it never outgrows the queue. */
  readonly #abortedCalls = new Set<number>();
  #disposed = false;
  #lastTimings: CallTimings | undefined;
  readonly #tokenCache = new TokenCache(TOKEN_CACHE_LIMITS);

  constructor(loader: ModelLoader) {
    this.#loader = loader;
  }

  async load(request: LoadRequest, onProgress?: (progress: LoadProgress) => void): Promise<RerankerInfo> {
    this.#assertUsable();
    if (this.#model !== undefined) {
      throw new RerankerError('invalid-input', 'This engine already holds a model; create a new reranker for another one.');
    }
    const report = (progress: LoadProgress): void => {
      try {
        onProgress?.(progress);
      } catch {
        // A throwing progress callback must not fail the load.
      }
    };
    const model = await this.#loader(request, report);
    if (this.#disposed) {
      await model.dispose();
      throw disposedError();
    }
    const chunking = resolveChunking(request.chunking, false);
    if (chunking !== false && !model.scoring.supportsChunking) {
      await model.dispose();
      throw chunkingUnsupported();
    }
    this.#model = model;
    this.#batchTokenBudget = request.batchTokenBudget ?? DEFAULT_BATCH_TOKEN_BUDGET;
    this.#chunking = chunking;
    this.#limits = resolveLimits(request.limits);
    report({ stage: 'warmup' });
    await this.#warmUp(model);
    this.#info = {
      model: request.model,
      device: model.device,
      dtype: model.dtype,
      maxLength: model.maxLength,
      wasmThreads: model.wasmThreads,
      wasmSessions: model.device === 'wasm' ? (model.parallelRuns ?? 1) : 1,
      ...(model.fallbackReason === undefined ? {} : { fallbackReason: model.fallbackReason }),
      chunking: this.#chunking,
      limits: this.#limits,
      scoring: model.scoring,
      graphCapture: model.graphCapture,
    };
    report({ stage: 'ready', info: this.#info });
    return this.#info;
  }

  get info(): RerankerInfo {
    if (this.#info === undefined) throw new RerankerError('invalid-input', 'No model is loaded yet; await load() first.');
    return this.#info;
  }

  score(callId: number, pairs: readonly (readonly [string, string])[], options?: WireScoreOptions): Promise<number[]> {
    return this.#enqueue(callId, async (model) => {
      validateScoreCall(pairs, options, this.#limits);
      const { scores } = await this.#scorePairs(callId, model, pairs, 'pairs', resolveChunking(options?.chunking, this.#chunking));
      return scores.map(({ score }) => (options?.normalize === true ? model.head.normalize(score) : score));
    });
  }

  rerank(callId: number, query: string, documents: readonly string[], options?: WireRerankOptions): Promise<RerankResult[]> {
    return this.#enqueue(callId, async (model) => {
      validateRerankCall(query, documents, options, this.#limits);
      if (documents.length === 0) return [];
      const { scores, planned } = await this.#scorePairs(
        callId,
        model,
        documents.map((document) => [query, document] as const),
        'documents',
        resolveChunking(options?.chunking, this.#chunking),
      );
      const normalize = options?.normalize === true;
      const order = scores.map((pair, index) => ({ index, score: normalize ? model.head.normalize(pair.score) : pair.score }));
      order.sort(bestFirst);
      const kept = options?.topK === undefined ? order : order.slice(0, options.topK);
      // Only the results returned are traced back to characters: tracing costs a tokenization per word.
      return kept.map(({ index, score }) =>
        describeResult(index, score, documents[index] as string, scores[index] as PairScore, planned[index] as PlannedPair, model, options),
      );
    });
  }

  /** The rows `score` would run for `pairs` (no chunking), without running them. */
  encode(callId: number, pairs: readonly (readonly [string, string])[]): Promise<EncodedRow[]> {
    return this.#enqueue(callId, async (model) => {
      validateScoreCall(pairs, undefined, this.#limits);
      const planner = new RowPlanner(model, false, 'pairs', this.#tokenCache);
      pairs.forEach((pair, index) => planner.add(pair, index));
      return planner.planned.rows.map((row) => ({ inputIds: Array.from(row.inputIds), truncated: row.truncated }));
    });
  }

  /**
   * Marks a queued or running call aborted; it rejects with code `aborted` at its next check. An abort of a
   * call that already finished (or never came) is dropped: nothing is kept for it.
   */
  abort(callId: number): void {
    if (this.#activeCalls.has(callId)) this.#abortedCalls.add(callId);
  }

  /** Calls queued or running, and those of them aborted (for tests: neither may grow past the queue). */
  get trackedCalls(): { readonly active: number; readonly aborted: number } {
    return { active: this.#activeCalls.size, aborted: this.#abortedCalls.size };
  }

  lastTimings(): CallTimings | undefined {
    return this.#lastTimings;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const model = this.#model;
    this.#model = undefined;
    // Let the running call see `disposed` at its next batch boundary, then free the session.
    await this.#queue.catch(() => undefined);
    await model?.dispose();
  }

  #assertUsable(): void {
    if (this.#disposed) throw disposedError();
  }

  #enqueue<T>(callId: number, work: (model: LoadedModel) => Promise<T>): Promise<T> {
    // Aborted calls still in the queue are dropped as soon as they are reached, so they do not count.
    if (this.#activeCalls.size - this.#abortedCalls.size >= MAX_QUEUED_CALLS) return Promise.reject(queueFullError());
    this.#activeCalls.add(callId);
    const run = this.#queue.then(async () => {
      try {
        this.#throwIfStopped(callId);
        const model = this.#model;
        if (model === undefined) throw new RerankerError('invalid-input', 'No model is loaded yet; await load() first.');
        return await work(model);
      } finally {
        this.#activeCalls.delete(callId);
        this.#abortedCalls.delete(callId);
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #throwIfStopped(callId: number): void {
    if (this.#disposed) throw disposedError();
    if (this.#abortedCalls.has(callId)) {
      throw new RerankerError('aborted', 'The call was aborted by its AbortSignal before it finished.');
    }
  }

  async #scorePairs(
    callId: number,
    model: LoadedModel,
    pairs: readonly (readonly [string, string])[],
    argument: 'documents' | 'pairs',
    chunking: ChunkingSettings | false,
  ): Promise<{ scores: PairScore[]; planned: readonly PlannedPair[] }> {
    const checkpoint = (): void => this.#throwIfStopped(callId);
    const start = performance.now();
    const { planned, scores, batches, tokenizeMs } =
      model.batchLengths === undefined
        ? await this.#planThenRun(model, pairs, argument, chunking, checkpoint)
        : await this.#streamPairs(model, model.batchLengths, pairs, argument, chunking, checkpoint);
    this.#lastTimings = {
      tokenizeMs,
      inferenceMs: performance.now() - start - tokenizeMs,
      pairs: pairs.length,
      windows: planned.rows.length,
      batches,
    };
    return { scores: pairScores(planned, scores, chunking !== false), planned: planned.pairs };
  }

  /** Tokenizes every pair, then runs length-sorted batches: each pads only to its own longest row. */
  async #planThenRun(
    model: LoadedModel,
    pairs: readonly (readonly [string, string])[],
    argument: 'documents' | 'pairs',
    chunking: ChunkingSettings | false,
    checkpoint: () => void,
  ): Promise<StreamedRows> {
    const planner = new RowPlanner(model, chunking, argument, this.#tokenCache);
    let tokenizeMs = 0;
    let sliceStart = performance.now();
    for (let index = 0; index < pairs.length; index++) {
      planner.add(pairs[index] as readonly [string, string], index);
      if (performance.now() - sliceStart > TOKENIZE_SLICE_MS) {
        // Let an abort (or dispose) message in: a call of thousands of passages tokenizes for seconds.
        tokenizeMs += performance.now() - sliceStart;
        await nextTask();
        checkpoint();
        sliceStart = performance.now();
      }
    }
    tokenizeMs += performance.now() - sliceStart;
    const { scores, batches } = await this.#runPairs(model, planner.planned.rows, checkpoint);
    return { planned: planner.planned, scores, batches, tokenizeMs };
  }

  /**
   * Fixed-shape models (graph capture): a row only needs its bucket, so batches can run while later passages
   * are still being tokenized: a bucket's batch starts as soon as it holds as many rows as the budget
   * allows, and tokenizing yields a task turn every few milliseconds while a batch is in flight, so its
   * completion and the next submission are not held up. Leftover rows run at the end, shortest bucket first.
   * Every batch pads to its bucket and holds at most the budget, as the length-sorted plan would. (Starting
   * half-full buckets whenever the GPU was idle was tried: 15 batches instead of 10 for 100 mixed passages
   * on the H200, and the extra GPU time outweighed the overlap: 149 ms against 117.)
   */
  async #streamPairs(
    model: LoadedModel,
    buckets: readonly number[],
    pairs: readonly (readonly [string, string])[],
    argument: 'documents' | 'pairs',
    chunking: ChunkingSettings | false,
    checkpoint: () => void,
  ): Promise<StreamedRows> {
    const planner = new RowPlanner(model, chunking, argument, this.#tokenCache);
    const rows = planner.planned.rows;
    const scores: number[] = [];
    const waiting = new Map<number, number[]>();
    const capacity = (length: number): number => Math.min(model.maxBatchRows, Math.max(1, Math.floor(this.#batchTokenBudget / length)));
    let tokenizeMs = 0;
    let batches = 0;
    let inFlight = 0;
    let chain: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | undefined;
    const dispatch = (length: number): void => {
      const members = waiting.get(length) ?? [];
      waiting.delete(length);
      batches += 1;
      inFlight += 1;
      chain = chain
        .then(() => (failure === undefined ? this.#runBatch(model, { members, length }, rows, scores, checkpoint) : undefined))
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          inFlight -= 1;
        });
    };
    let lastYield = performance.now();
    try {
      for (let index = 0; index < pairs.length; index++) {
        if (failure !== undefined) break;
        checkpoint();
        const tokenizeStart = performance.now();
        const added = planner.add(pairs[index] as readonly [string, string], index);
        tokenizeMs += performance.now() - tokenizeStart;
        let dispatched = false;
        for (let row = rows.length - added; row < rows.length; row++) {
          const length = paddedLength(rows[row]?.inputIds.length ?? 0, buckets);
          const members = waiting.get(length) ?? [];
          members.push(row);
          waiting.set(length, members);
          if (members.length >= capacity(length)) {
            dispatch(length);
            dispatched = true;
          }
        }
        const sinceYield = performance.now() - lastYield;
        if (dispatched || (inFlight > 0 && sinceYield > YIELD_EVERY_MS) || sinceYield > TOKENIZE_SLICE_MS) {
          await nextTask();
          lastYield = performance.now();
        }
      }
      for (const length of [...waiting.keys()].sort((a, b) => a - b)) dispatch(length);
    } catch (error) {
      // Bad input or an abort: batches already queued are skipped; the running one finishes before the
      // session takes the next call.
      failure ??= { error };
      throw error;
    } finally {
      await chain;
    }
    if (failure !== undefined) throw failure.error;
    return { planned: planner.planned, scores, batches, tokenizeMs };
  }

  async #runPairs(
    model: LoadedModel,
    encoded: readonly EncodedPair[],
    checkpoint: () => void,
  ): Promise<{ scores: number[]; batches: number }> {
    const plans = planBatches(
      encoded.map((pair) => paddedLength(pair.inputIds.length, model.batchLengths)),
      this.#batchTokenBudget,
      model.maxBatchRows,
    );
    const scores = new Array<number>(encoded.length).fill(Number.NaN);
    // One lane per session the model runs side by side; each takes the next batch when its last one is done.
    // After a failure or an abort no lane starts another batch, and the call settles once the running ones
    // have finished, so the next call never meets a busy session.
    let next = 0;
    let failure: { error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      while (failure === undefined && next < plans.length) {
        const plan = plans[next++] as BatchPlan;
        try {
          await this.#runBatch(model, plan, encoded, scores, checkpoint);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    const lanes = Math.max(1, Math.min(model.parallelRuns ?? 1, plans.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    if (failure !== undefined) throw failure.error;
    return { scores, batches: plans.length };
  }

  /**
   * One short real row, so no call pays the session's first-run costs. Sessions that run side by side warm
   * themselves before they take batches (LoadedModel.parallelRuns).
   */
  async #warmUp(model: LoadedModel): Promise<void> {
    const pair = warmupPair(model);
    // Padded as a call's row would be: with graph capture this builds the first captured shape.
    const warmup: BatchPlan = { members: [0], length: paddedLength(pair.inputIds.length, model.batchLengths) };
    await this.#runBatch(model, warmup, [pair], [Number.NaN], () => undefined);
  }

  /** Runs one planned batch and writes its rows' scores into `scores`. */
  async #runBatch(model: LoadedModel, plan: BatchPlan, encoded: readonly EncodedPair[], scores: number[], checkpoint: () => void): Promise<void> {
    checkpoint();
    const tensors = buildBatchTensors(plan, encoded, model.padTokenId);
    let logits: Float32Array;
    try {
      logits = await model.run(tensors);
    } catch (error) {
      if (error instanceof RerankerError) throw error;
      throw new RerankerError(
        'inference-failed',
        `The ONNX session failed on a batch of ${tensors.batchSize} x ${tensors.length} tokens: ${describeCause(error)}. ` +
          'Try a smaller batchTokenBudget, or device: "wasm".',
        { cause: error },
      );
    }
    model.head.scores(logits, plan.members.length).forEach((score, row) => {
      scores[plan.members[row] as number] = score;
    });
  }
}

/** While a batch is in flight, tokenizing yields at least this often (ms) so the batch can complete. */
const YIELD_EVERY_MS = 2;

/**
 * Tokenizing yields a task turn at least this often (ms), batch in flight or not, so an abort or dispose
 * posted meanwhile takes effect within about this long (plus one passage's tokenizing).
 */
const TOKENIZE_SLICE_MS = 10;

interface StreamedRows {
  readonly planned: PlannedRows;
  readonly scores: number[];
  readonly batches: number;
  readonly tokenizeMs: number;
}

/**
 * Resolves after the current task, once pending work (a batch's submission to the GPU) has had its turn.
 * A MessageChannel message, not setTimeout, which browsers clamp to 4 ms once nested.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

/** The bucket a row pads to when the model runs fixed shapes; its own length otherwise (or past the last bucket). */
function paddedLength(length: number, buckets: readonly number[] | undefined): number {
  return buckets?.find((bucket) => bucket >= length) ?? length;
}

/**
 * Best first; equal scores keep input order (the earlier document first). NaN scores (a model output that is
 * not a number: an fp16 overflow, a broken export) go after every number, in input order: `b - a` alone would
 * make the comparator inconsistent and the order depend on the sort's internals.
 */
export function bestFirst(a: { score: number; index: number }, b: { score: number; index: number }): number {
  const aNaN = Number.isNaN(a.score);
  const bNaN = Number.isNaN(b.score);
  if (aNaN || bNaN) return aNaN === bNaN ? a.index - b.index : aNaN ? 1 : -1;
  // Equal infinities give NaN here: a tie.
  return b.score - a.score || a.index - b.index;
}

function describeResult(
  index: number,
  score: number,
  document: string,
  scored: PairScore,
  planned: PlannedPair,
  model: LoadedModel,
  options: WireRerankOptions | undefined,
): RerankResult {
  return {
    index,
    score,
    ...(options?.returnDocuments === true ? { document } : {}),
    truncated: scored.truncated,
    ...(Number.isNaN(score) ? { invalidScore: true as const } : {}),
    ...(scored.window === undefined
      ? {}
      : { chunk: chunkSpan(document, planned.passageIds, scored.window, (text) => model.tokenize(text)) }),
  };
}

function disposedError(): RerankerError {
  return new RerankerError('disposed', 'This reranker was disposed; create a new one with createReranker().');
}

/** A short real row (the prompt around two tiny segments) to compile kernels before the first call. */
function warmupPair(model: LoadedModel): EncodedPair {
  const { prompt } = model;
  if (prompt.kind === 'chat') return encodeChatRow('a', 'b', prompt, (text) => model.tokenize(text), model.maxLength);
  if (prompt.kind === 'wrapped') return encodeWrappedRow(model.tokenize(prompt.render('a', 'b')), prompt, model.maxLength);
  return encodeSegmentsRow([model.padTokenId], [model.padTokenId], prompt, model.maxLength);
}
