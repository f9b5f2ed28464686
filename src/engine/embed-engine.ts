/**
 * The embedder as it runs inside the worker: loads one model, queues calls so one runs on the session at a
 * time, aborts queued or running calls by id (checked between batches), and turns texts into vectors:
 * prefix, tokenize, truncate, length-sorted batches within the token budget, pool, normalize.
 */
import { buildBatchTensors, planBatches, type BatchPlan } from './batching.js';
import { runBatchesInLanes } from './batch-lanes.js';
import { queryPrefixFor } from './embedding-config.js';
import type { EmbeddingModelLoader, LoadedEmbeddingModel } from './embedding-model.js';
import { hiddenStates, poolRow, pooledRow } from './pooling.js';
import { RerankerError } from '../shared/errors.js';
import type { EmbedderLoadRequest } from '../shared/embedder-protocol.js';
import type { EmbedderInfo, EmbeddingKind } from '../shared/embedder-types.js';
import { validateEmbedCall } from '../shared/embedder-validate.js';
import { DEFAULT_REVISION } from '../shared/model-cache.js';
import { MAX_QUEUED_CALLS, queueFullError } from '../shared/protocol.js';
import type { LoadProgress } from '../shared/types.js';

/** As the reranker's: a 512-token text still batches 8 rows. */
export const DEFAULT_EMBED_TOKEN_BUDGET = 4096;
const MAX_BATCH_ROWS = 64;

type EncodedRow = { readonly inputIds: readonly number[]; readonly tokenTypeIds: readonly number[] };

/** One text as the model reads it: the template's special tokens around the (prefixed, truncated) text. */
export function encodeText(model: Pick<LoadedEmbeddingModel, 'tokenize' | 'lead' | 'tail' | 'maxLength'>, text: string): number[] {
  const room = model.maxLength - model.lead.length - model.tail.length;
  if (room < 1) throw new RerankerError('unsupported-model', `maxLength ${model.maxLength} leaves no room for text between the special tokens; raise maxLength.`);
  return [...model.lead, ...model.tokenize(text).slice(0, room), ...model.tail];
}

export class EmbedEngine {
  readonly #loader: EmbeddingModelLoader;
  #model: LoadedEmbeddingModel | undefined;
  #info: EmbedderInfo | undefined;
  #budget = DEFAULT_EMBED_TOKEN_BUDGET;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #active = new Set<number>();
  readonly #aborted = new Set<number>();
  #disposed = false;

  constructor(loader: EmbeddingModelLoader) {
    this.#loader = loader;
  }

  async load(request: EmbedderLoadRequest, onProgress?: (progress: LoadProgress) => void): Promise<EmbedderInfo> {
    if (this.#model !== undefined) throw new RerankerError('invalid-input', 'This worker already holds a model; create another embedder.');
    const report = onProgress ?? ((): void => undefined);
    const model = await this.#loader(request, report);
    this.#budget = request.batchTokenBudget ?? DEFAULT_EMBED_TOKEN_BUDGET;
    report({ stage: 'warmup' });
    // Warm-up: one short row, which also tells the vector length and checks it against the pooling config.
    const [probe] = await this.#embedRows(model, [encodeText(model, 'a')], () => undefined);
    const dimensions = probe?.length ?? 0;
    const { setup } = model;
    if (setup.dimensions !== undefined && setup.dimensions !== dimensions) {
      await model.dispose();
      throw new RerankerError(
        'unsupported-model',
        setup.pooledInGraph
          ? `${request.model}: the graph returns ${dimensions} values per text but config.json's manifest says ${setup.dimensions} dimensions; the ONNX file and the config are of different exports.`
          : `${request.model}: the graph's last_hidden_state has ${dimensions} values per token but 1_Pooling/config.json says word_embedding_dimension ${setup.dimensions}; the ONNX file and the config are of different models.`,
        { details: { file: setup.pooledInGraph ? 'config.json' : '1_Pooling/config.json' } },
      );
    }
    this.#model = model;
    this.#info = {
      model: request.model,
      revision: request.revision ?? DEFAULT_REVISION,
      device: model.device,
      dtype: model.dtype,
      dimensions,
      pooling: setup.pooling,
      normalize: setup.normalize,
      queryPrefix: setup.queryPrefix,
      documentPrefix: setup.documentPrefix,
      maxLength: model.maxLength,
      configSource: setup.source,
      wasmSessions: model.device === 'wasm' ? (model.parallelRuns ?? 1) : 1,
      ...(model.fallbackReason === undefined ? {} : { fallbackReason: model.fallbackReason }),
    };
    // No 'ready' progress: its payload is a RerankerInfo; createEmbedder resolving with `info` is the signal.
    return this.#info;
  }

  /** `instruction`: this call's, for queries of a model with an instruction slot (see `EmbedOptions.instruction`). */
  embed(callId: number, texts: readonly string[], kind: EmbeddingKind = 'document', instruction?: string): Promise<Float32Array[]> {
    if (this.#disposed) return Promise.reject(new RerankerError('disposed', 'This embedder was disposed; create a new one.'));
    const model = this.#model;
    if (model === undefined) return Promise.reject(new RerankerError('invalid-input', 'No model is loaded yet; wait for createEmbedder to resolve.'));
    let prefix: string;
    try {
      validateEmbedCall(texts, { kind, ...(instruction === undefined ? {} : { instruction }) });
      prefix = kind === 'query' ? queryPrefixFor(model.setup, this.#info?.model ?? 'This model', instruction) : model.setup.documentPrefix;
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#active.size >= MAX_QUEUED_CALLS) return Promise.reject(queueFullError());
    this.#active.add(callId);
    const checkAbort = (): void => {
      if (this.#aborted.has(callId)) throw new RerankerError('aborted', 'The embed call was aborted.');
      if (this.#disposed) throw new RerankerError('disposed', 'This embedder was disposed; create a new one.');
    };
    const work = this.#queue.then(() => {
      checkAbort();
      return this.#embedRows(model, texts.map((text) => encodeText(model, prefix + text)), checkAbort);
    });
    const settled = work.finally(() => {
      this.#active.delete(callId);
      this.#aborted.delete(callId);
    });
    this.#queue = settled.catch(() => undefined);
    return settled;
  }

  abort(callId: number): void {
    if (this.#active.has(callId)) this.#aborted.add(callId);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#queue;
    await this.#model?.dispose();
    this.#model = undefined;
  }

  async #embedRows(model: LoadedEmbeddingModel, rows: readonly number[][], checkAbort: () => void): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array<Float32Array>(rows.length);
    const encoded = rows.map((inputIds) => ({ inputIds, tokenTypeIds: [] as number[] }));
    const maxRows = Math.min(MAX_BATCH_ROWS, model.maxBatchRows);
    const plans = planBatches(rows.map((row) => row.length), this.#budget, maxRows);
    // One lane per session side by side (LoadedEmbeddingModel.parallelRuns); every vector lands at its text's index.
    await runBatchesInLanes(plans, model.parallelRuns, async (plan) => {
      checkAbort();
      await this.#embedBatch(model, plan, rows, encoded, out);
    });
    return out;
  }

  async #embedBatch(model: LoadedEmbeddingModel, plan: BatchPlan, rows: readonly number[][], encoded: readonly EncodedRow[], out: Float32Array[]): Promise<void> {
    const batch = buildBatchTensors(plan, encoded, model.padTokenId);
    let data: Float32Array;
    try {
      data = await model.run(batch);
    } catch (error) {
      if (error instanceof RerankerError) throw error;
      throw new RerankerError('inference-failed', `The ONNX session failed while embedding: ${String(error)}. Try device 'wasm' or a smaller batchTokenBudget.`, { cause: error });
    }
    const { setup } = model;
    if (setup.pooledInGraph || setup.pooling === 'weightedmean') {
      plan.members.forEach((index, row) => {
        out[index] = pooledRow(data, batch.batchSize, row, setup.normalize);
      });
      return;
    }
    const hidden = hiddenStates(data, batch.batchSize, batch.length);
    const pooling = setup.pooling;
    plan.members.forEach((index, row) => {
      out[index] = poolRow(hidden, row, rows[index]?.length ?? 1, pooling, setup.normalize);
    });
  }
}
