/**
 * The reranker as it runs inside the worker: loads one model, queues calls so only one runs on the
 * session at a time (onnxruntime-web rejects concurrent runs on a session), aborts queued or running
 * calls by id, and turns pairs into scores. It knows nothing of workers or Comlink, so tests drive it
 * directly.
 */
import type { BatchPlan } from './batching.js';
import { chunkSpan } from './char-spans.js';
import { resolveChunking } from './chunking.js';
import type { LoadedModel, LoadRequest, ModelLoader } from './loaded-model.js';
import type { EncodedPair } from './pair-encoding.js';
import { chunkingUnsupported, RowPlanner, type PairScore, type PlannedPair } from './pair-rows.js';
import { paddedLength, rowModel, runBatch, scorePairs, type ScoredPairs } from './pair-scorer.js';
import { encodeChatRow, encodeSegmentsRow, encodeWrappedRow, type PromptFormat } from './prompt-format.js';
import { TokenCache } from './token-cache.js';
import { RerankerError } from '../shared/errors.js';
import type {
  CallTimings,
  ChunkingSettings,
  EncodedRow,
  LoadProgress,
  RerankerInfo,
  RerankResult,
} from '../shared/types.js';
import { DEFAULT_LIMITS, resolveLimits } from '../shared/limits.js';
import {
  MAX_QUEUED_CALLS,
  queueFullError,
  type WireEncodeOptions,
  type WireRerankOptions,
  type WireScoreOptions,
} from '../shared/protocol.js';
import { validateRerankCall, validateScoreCall } from '../shared/validate.js';

/** Chosen so a 512-token pair still batches 8 rows (docs/benchmarks.md has the batch-budget sweep). */
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
      ...(model.cpuNodes === undefined ? {} : { cpuNodes: model.cpuNodes }),
      ...(model.memory === undefined ? {} : { memory: model.memory }),
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
      const prompt = callPrompt(model, options?.instruction);
      const { scores } = await this.#scorePairs(callId, model, prompt, pairs, 'pairs', resolveChunking(options?.chunking, this.#chunking));
      return scores.map(({ score }) => (options?.normalize === true ? model.head.normalize(score) : score));
    });
  }

  rerank(callId: number, query: string, documents: readonly string[], options?: WireRerankOptions): Promise<RerankResult[]> {
    return this.#enqueue(callId, async (model) => {
      validateRerankCall(query, documents, options, this.#limits);
      // Refused even with no documents: the same call with documents would be.
      const prompt = callPrompt(model, options?.instruction);
      if (documents.length === 0) return [];
      const { scores, planned } = await this.#scorePairs(
        callId,
        model,
        prompt,
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
  encode(callId: number, pairs: readonly (readonly [string, string])[], options?: WireEncodeOptions): Promise<EncodedRow[]> {
    return this.#enqueue(callId, async (model) => {
      validateScoreCall(pairs, options, this.#limits);
      const planner = new RowPlanner(rowModel(model, callPrompt(model, options?.instruction)), false, 'pairs', this.#tokenCache);
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
    const state = this.#model?.graphCaptureState?.();
    return this.#lastTimings === undefined || state === undefined ? this.#lastTimings : { ...this.#lastTimings, graphCapture: state };
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

  /** Scores a call's pairs (pair-scorer.ts) and keeps its timings for `lastTimings`. */
  async #scorePairs(
    callId: number,
    model: LoadedModel,
    prompt: PromptFormat,
    pairs: readonly (readonly [string, string])[],
    argument: 'documents' | 'pairs',
    chunking: ChunkingSettings | false,
  ): Promise<ScoredPairs> {
    const run = { model, prompt, batchTokenBudget: this.#batchTokenBudget, tokenCache: this.#tokenCache, checkpoint: () => this.#throwIfStopped(callId) };
    const scored = await scorePairs(run, pairs, argument, chunking);
    this.#lastTimings = scored.timings;
    return scored;
  }

  #throwIfStopped(callId: number): void {
    if (this.#disposed) throw disposedError();
    if (this.#abortedCalls.has(callId)) {
      throw new RerankerError('aborted', 'The call was aborted by its AbortSignal before it finished.');
    }
  }

  /**
   * One short real row, so no call pays the session's first-run costs. Sessions that run side by side warm
   * themselves before they take batches (LoadedModel.parallelRuns).
   */
  async #warmUp(model: LoadedModel): Promise<void> {
    const pair = warmupPair(model);
    // Padded as a call's row would be; with graph capture it runs after the shape built during the load.
    const warmup: BatchPlan = { members: [0], length: paddedLength(pair.inputIds.length, model.batchLengths) };
    await runBatch(model, warmup, [pair], [Number.NaN], () => undefined);
  }

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

/**
 * The prompt a call runs with: the model's, or with the call's `instruction` in its instruction slot (the
 * model refuses one it has no slot for). Built per call, so calls with different instructions never share one.
 */
function callPrompt(model: LoadedModel, instruction: string | undefined): PromptFormat {
  return instruction === undefined ? model.prompt : model.promptFor(instruction);
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
