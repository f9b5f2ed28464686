/**
 * `webgpu-reranker/langchain`: a LangChain.js document compressor. Each document's `pageContent` is reranked
 * against the query; the best `topN` come back best first, the score in `metadata.relevanceScore`. Use it as
 * the `baseCompressor` of a `ContextualCompressionRetriever`.
 */
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { RerankerError } from '../shared/errors.js';
import { RerankerHolder, type RerankerSource } from './reranker-source.js';
import type { ChunkingOptions, Reranker } from '../shared/types.js';

export interface WebGpuRerankerCompressorOptions {
  /** An existing `Reranker` (shared, not disposed here) or `createReranker` options (loaded on first use, owned). Required. */
  reranker: RerankerSource;
  /** Documents kept, best first. A positive integer. Default: all of them, reordered. */
  topN?: number;
  /** `relevanceScore` in 0..1 by the head's own normalization. Default `true`; `false` gives raw scores. */
  normalize?: boolean;
  /** Chunking of long documents. Default: the reranker's (`info.chunking`). */
  chunking?: boolean | ChunkingOptions;
  /** Aborts every call of this compressor (code `aborted`). Default: none. */
  signal?: AbortSignal;
}

export class WebGpuRerankerCompressor extends BaseDocumentCompressor implements AsyncDisposable {
  readonly topN: number | undefined;
  readonly #holder: RerankerHolder;
  readonly #options: WebGpuRerankerCompressorOptions;

  constructor(options: WebGpuRerankerCompressorOptions) {
    super();
    this.#holder = new RerankerHolder(options?.reranker, 'WebGpuRerankerCompressor');
    const topN = options.topN;
    if (topN !== undefined && !(Number.isInteger(topN) && topN > 0)) {
      throw new RerankerError('invalid-input', `topN must be a positive integer, got ${String(topN)}.`, { details: { argument: 'topN' } });
    }
    this.topN = topN;
    this.#options = options;
  }

  /** The reranker (loaded on first use when owned). */
  reranker(): Promise<Reranker> {
    return this.#holder.get();
  }

  async compressDocuments(documents: DocumentInterface[], query: string): Promise<DocumentInterface[]> {
    const { signal, chunking } = this.#options;
    const reranker = await this.#holder.get(signal);
    const ranked = await reranker.rerank(query, documents, {
      documentText: (document: DocumentInterface) => document.pageContent,
      normalize: this.#options.normalize ?? true,
      ...(this.topN === undefined ? {} : { topK: this.topN }),
      ...(signal === undefined ? {} : { signal }),
      ...(chunking === undefined ? {} : { chunking }),
    });
    return ranked.map(({ document, score }) => {
      const original = document as DocumentInterface;
      return new Document({
        pageContent: original.pageContent,
        metadata: { ...original.metadata, relevanceScore: score },
        ...(original.id === undefined ? {} : { id: original.id }),
      });
    });
  }

  /** Disposes the reranker when this compressor created it; a shared one is left running. */
  dispose(): Promise<void> {
    return this.#holder.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
