/**
 * How one call's pairs become scores: rows planned (tokenized, chunked) and run in batches, either planned
 * after all tokenizing (length-sorted batches, one lane per session run side by side) or streamed into
 * fixed-shape buckets while tokenizing goes on (graph capture). The engine (rerank-engine.ts) owns the call
 * queue and passes `checkpoint`, which throws once the call is aborted or the engine disposed.
 */
import { buildBatchTensors, planBatches, type BatchPlan } from './batching.js';
import { runBatchesInLanes } from './batch-lanes.js';
import { BucketBatcher, bucketOf } from './bucket-batches.js';
import type { LoadedModel } from './loaded-model.js';
import type { EncodedPair } from './pair-encoding.js';
import { pairScores, RowPlanner, type PairScore, type PlannedPair, type PlannedRows, type RowModel } from './pair-rows.js';
import type { PromptFormat } from './prompt-format.js';
import type { TokenCache } from './token-cache.js';
import { RerankerError, describeCause } from '../shared/errors.js';
import type { CallTimings, ChunkingSettings } from '../shared/types.js';

/** What one call's scoring runs with. */
export interface ScoreRun {
  readonly model: LoadedModel;
  /** This call's prompt: the model's, or the one for the call's `instruction`. */
  readonly prompt: PromptFormat;
  /** Padded tokens per batch (rows x longest row). */
  readonly batchTokenBudget: number;
  /** Token ids kept across calls. */
  readonly tokenCache: TokenCache;
  /** Throws when the call must stop (aborted, engine disposed); checked between batches and tokenizing slices. */
  readonly checkpoint: () => void;
}

export interface ScoredPairs {
  readonly scores: PairScore[];
  readonly planned: readonly PlannedPair[];
  readonly timings: CallTimings;
}

/**
 * Scores one call's pairs: plans their rows (tokenizing, with chunking windows), runs the batches and folds
 * the rows' scores back into one per pair. Returns the call's timings too.
 */
export async function scorePairs(
  run: ScoreRun,
  pairs: readonly (readonly [string, string])[],
  argument: 'documents' | 'pairs',
  chunking: ChunkingSettings | false,
): Promise<ScoredPairs> {
  const { model } = run;
  const start = performance.now();
  const { planned, scores, batches, tokenizeMs } =
    model.batchLengths === undefined
      ? await planThenRun(run, pairs, argument, chunking)
      : await streamPairs(run, model.batchLengths, pairs, argument, chunking);
  const timings: CallTimings = {
    tokenizeMs,
    inferenceMs: performance.now() - start - tokenizeMs,
    pairs: pairs.length,
    windows: planned.rows.length,
    batches,
  };
  return { scores: pairScores(planned, scores, chunking !== false), planned: planned.pairs, timings };
}

/** Tokenizes every pair, then runs length-sorted batches: each pads only to its own longest row. */
async function planThenRun(
  run: ScoreRun,
  pairs: readonly (readonly [string, string])[],
  argument: 'documents' | 'pairs',
  chunking: ChunkingSettings | false,
): Promise<StreamedRows> {
  const { checkpoint } = run;
  const planner = new RowPlanner(rowModel(run.model, run.prompt), chunking, argument, run.tokenCache);
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
  const { scores, batches } = await runPairs(run, planner.planned.rows);
  return { planned: planner.planned, scores, batches, tokenizeMs };
}

/**
 * Fixed-shape models (graph capture): a row only needs its bucket, so batches can run while later passages
 * are still being tokenized: a bucket's batch starts as soon as it holds as many rows as the budget
 * allows, and tokenizing yields a task turn every few milliseconds while a batch is in flight, so its
 * completion and the next submission are not held up. Leftover rows run at the end, packed longest first
 * (bucket-batches.ts). Every batch pads to a bucket and holds at most the budget, as the length-sorted plan
 * would. Half-full buckets wait for the end: starting them whenever the GPU is idle makes more, emptier
 * batches, whose GPU time outweighs the overlap (docs/design.md, graph capture).
 */
async function streamPairs(
  run: ScoreRun,
  buckets: readonly number[],
  pairs: readonly (readonly [string, string])[],
  argument: 'documents' | 'pairs',
  chunking: ChunkingSettings | false,
): Promise<StreamedRows> {
  const { model, checkpoint } = run;
  const planner = new RowPlanner(rowModel(run.model, run.prompt), chunking, argument, run.tokenCache);
  const rows = planner.planned.rows;
  const scores: number[] = [];
  const capacity = (length: number): number => Math.min(rowLimit(model, length), Math.max(1, Math.floor(run.batchTokenBudget / length)));
  const batcher = new BucketBatcher(buckets, capacity);
  let tokenizeMs = 0;
  let batches = 0;
  let inFlight = 0;
  let chain: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const dispatch = (plan: BatchPlan): void => {
    batches += 1;
    inFlight += 1;
    chain = chain
      .then(() => (failure === undefined ? runBatch(model, plan, rows, scores, checkpoint) : undefined))
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
        const full = batcher.add(row, rows[row]?.inputIds.length ?? 0);
        if (full !== undefined) {
          dispatch(full);
          dispatched = true;
        }
      }
      const sinceYield = performance.now() - lastYield;
      if (dispatched || (inFlight > 0 && sinceYield > YIELD_EVERY_MS) || sinceYield > TOKENIZE_SLICE_MS) {
        await nextTask();
        lastYield = performance.now();
      }
    }
    for (const plan of batcher.finish()) dispatch(plan);
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

/** Most rows of a batch padded to `length`: the model's row limit and what memory allows at that length. */
function rowLimit(model: LoadedModel, length: number): number {
  return Math.max(1, Math.min(model.maxBatchRows, model.maxRowsAt?.(length) ?? model.maxBatchRows));
}

/**
 * The rows of one call: its own prompt over the model's tokenizer. Rows of calls with different instructions
 * can share the token cache because it is keyed by the exact text tokenized, which holds the instruction
 * wherever the prompt puts it (a query template, or the one text of a `wrapped` prompt).
 */
export function rowModel(model: LoadedModel, prompt: PromptFormat): RowModel {
  return { prompt, maxLength: model.maxLength, tokenize: (text) => model.tokenize(text) };
}

async function runPairs(run: ScoreRun, encoded: readonly EncodedPair[]): Promise<{ scores: number[]; batches: number }> {
  const { model, checkpoint } = run;
  const plans = planBatches(
    encoded.map((pair) => paddedLength(pair.inputIds.length, model.batchLengths)),
    run.batchTokenBudget,
    (length) => rowLimit(model, length),
  );
  const scores = new Array<number>(encoded.length).fill(Number.NaN);
  await runBatchesInLanes(plans, model.parallelRuns, (plan) => runBatch(model, plan, encoded, scores, checkpoint));
  return { scores, batches: plans.length };
}

/** Runs one planned batch and writes its rows' scores into `scores`. */
export async function runBatch(model: LoadedModel, plan: BatchPlan, encoded: readonly EncodedPair[], scores: number[], checkpoint: () => void): Promise<void> {
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
export function nextTask(): Promise<void> {
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
export function paddedLength(length: number, buckets: readonly number[] | undefined): number {
  return buckets === undefined ? length : bucketOf(length, buckets);
}
