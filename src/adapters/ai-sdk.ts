/**
 * `webgpu-reranker/ai-sdk`: a Vercel AI SDK provider. `webgpuReranker.rerankingModel(id, options)` returns the
 * SDK's `RerankingModelV4`, so that `rerank({ model, query, documents, topN })` from `ai` runs in the browser.
 */
import type { JSONObject, RerankingModelV4, RerankingModelV4CallOptions, RerankingModelV4Result } from '@ai-sdk/provider';
import { RerankerHolder } from './reranker-source.js';
import type { RerankerOptions } from '../shared/reranker-options.js';
import type { ChunkingOptions, DocumentText, Reranker } from '../shared/types.js';

/** The `provider` field of the models, and the key of their `providerMetadata`. */
export const AI_SDK_PROVIDER_ID = 'webgpu-reranker';

/** Options of `rerankingModel(modelId, options)`. */
export interface WebGpuRerankingModelOptions {
  /**
   * An existing `Reranker` to share (the model is then not loaded again, and `modelId` only names it), or
   * `createReranker` options without `model` (the model is `modelId`; loaded on the first `rerank`, owned and
   * disposed by this model). Default: `{}` (the Hub model `modelId` with every default).
   */
  reranker?: Reranker | Omit<RerankerOptions, 'model'>;
  /**
   * How an object document (`rerank({ documents: [{...}] })`) becomes text: field name(s) or a function.
   * Default: `JSON.stringify(document)`, as the hosted rerank providers send objects.
   */
  documentText?: DocumentText<JSONObject>;
  /**
   * `relevanceScore` in 0..1 by the head's own normalization (sigmoid of the logit; `(score - 1) / 6` for the
   * digit head). Default `true`; `false` gives the raw scores.
   */
  normalize?: boolean;
  /** Chunking of long documents for these calls. Default: the reranker's (`info.chunking`). */
  chunking?: boolean | ChunkingOptions;
}

/** A reranking model of this library, as the AI SDK calls it; `dispose()` frees a reranker it created. */
export class WebGpuRerankingModel implements RerankingModelV4, AsyncDisposable {
  readonly specificationVersion = 'v4';
  readonly provider = AI_SDK_PROVIDER_ID;
  readonly modelId: string;
  readonly #holder: RerankerHolder;
  readonly #options: WebGpuRerankingModelOptions;

  constructor(modelId: string, options: WebGpuRerankingModelOptions = {}) {
    this.modelId = modelId;
    this.#options = options;
    const source = options.reranker ?? {};
    this.#holder = new RerankerHolder(
      typeof (source as Partial<Reranker>).rerank === 'function' ? (source as Reranker) : { ...source, model: modelId },
      'rerankingModel',
    );
  }

  /** The reranker (loaded on first use when this model owns it): for `info`, or to share with other adapters. */
  reranker(): Promise<Reranker> {
    return this.#holder.get();
  }

  async doRerank(call: RerankingModelV4CallOptions): Promise<RerankingModelV4Result> {
    const { documents, query, topN, abortSignal } = call;
    const reranker = await this.#holder.get(abortSignal);
    const options = {
      normalize: this.#options.normalize ?? true,
      ...(topN === undefined ? {} : { topK: topN }),
      ...(abortSignal === undefined ? {} : { signal: abortSignal }),
      ...(this.#options.chunking === undefined ? {} : { chunking: this.#options.chunking }),
    };
    const ranked =
      documents.type === 'text'
        ? await reranker.rerank(query, documents.values, options)
        : await reranker.rerank(query, documents.values, {
            ...options,
            documentText: this.#options.documentText ?? ((document: JSONObject) => JSON.stringify(document)),
            returnDocuments: false,
          });
    const { device, dtype, model } = reranker.info;
    return {
      ranking: ranked.map(({ index, score }) => ({ index, relevanceScore: score })),
      warnings: [],
      providerMetadata: {
        [AI_SDK_PROVIDER_ID]: { device, dtype, truncated: ranked.filter((result) => result.truncated).map((result) => result.index) },
      },
      response: { modelId: model, timestamp: new Date() },
    };
  }

  /** Disposes the reranker when this model created it; a shared one is left running. */
  dispose(): Promise<void> {
    return this.#holder.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** The provider: `rerankingModel(modelId, options)`. */
export interface WebGpuRerankerProvider {
  rerankingModel(modelId: string, options?: WebGpuRerankingModelOptions): WebGpuRerankingModel;
}

/** Makes a provider; `webgpuReranker` is one ready made. */
export function createWebGpuReranker(): WebGpuRerankerProvider {
  return { rerankingModel: (modelId, options) => new WebGpuRerankingModel(modelId, options) };
}

/** The default provider: `rerank({ model: webgpuReranker.rerankingModel('Xenova/ms-marco-MiniLM-L-6-v2'), ... })`. */
export const webgpuReranker: WebGpuRerankerProvider = createWebGpuReranker();
