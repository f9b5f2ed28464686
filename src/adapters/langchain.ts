/**
 * `webgpu-reranker/langchain`: a LangChain.js document compressor. Each document's `pageContent` is reranked
 * against the query; the best `topN` come back best first, the score in `metadata.relevanceScore`. Use it as
 * the `baseCompressor` of a `ContextualCompressionRetriever`.
 */
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { DocumentReranking, type RerankerSource } from './reranker-source.js';
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
  readonly #reranking: DocumentReranking;

  constructor(options: WebGpuRerankerCompressorOptions) {
    super();
    this.#reranking = new DocumentReranking(options, 'WebGpuRerankerCompressor');
    this.topN = this.#reranking.topN;
  }

  /** The reranker (loaded on first use when owned). */
  reranker(): Promise<Reranker> {
    return this.#reranking.holder.get();
  }

  async compressDocuments(documents: DocumentInterface[], query: string): Promise<DocumentInterface[]> {
    const ranked = await this.#reranking.rerank(query, documents, (document) => document.pageContent);
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
    return this.#reranking.holder.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
