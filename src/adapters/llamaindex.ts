/**
 * `webgpu-reranker/llamaindex`: a LlamaIndex.TS node postprocessor. `postprocessNodes(nodes, query)` reranks
 * the nodes' text (`getContent(MetadataMode.NONE)`) and returns the best `topN` best first, each
 * `NodeWithScore.score` the reranker's score.
 */
import type { MessageContent } from '@llamaindex/core/llms';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { MetadataMode, type NodeWithScore } from '@llamaindex/core/schema';
import { extractText } from '@llamaindex/core/utils';
import { RerankerError } from '../shared/errors.js';
import { DocumentReranking, type RerankerSource } from './reranker-source.js';
import type { ChunkingOptions, Reranker } from '../shared/types.js';

export interface WebGpuRerankerPostprocessorOptions {
  /** An existing `Reranker` (shared, not disposed here) or `createReranker` options (loaded on first use, owned). Required. */
  reranker: RerankerSource;
  /** Nodes kept, best first. A positive integer. Default: all of them, reordered. */
  topN?: number;
  /** `score` in 0..1 by the head's own normalization. Default `true`; `false` gives raw scores. */
  normalize?: boolean;
  /** Chunking of long nodes. Default: the reranker's (`info.chunking`). */
  chunking?: boolean | ChunkingOptions;
  /** Aborts every call of this postprocessor (code `aborted`). Default: none. */
  signal?: AbortSignal;
}

export class WebGpuRerankerPostprocessor implements BaseNodePostprocessor, AsyncDisposable {
  readonly topN: number | undefined;
  readonly #reranking: DocumentReranking;

  constructor(options: WebGpuRerankerPostprocessorOptions) {
    this.#reranking = new DocumentReranking(options, 'WebGpuRerankerPostprocessor');
    this.topN = this.#reranking.topN;
  }

  /** The reranker (loaded on first use when owned). */
  reranker(): Promise<Reranker> {
    return this.#reranking.holder.get();
  }

  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (query === undefined) {
      throw new RerankerError('invalid-input', 'postprocessNodes needs the query to rerank against: pass it as the second argument.', {
        details: { argument: 'query' },
      });
    }
    const ranked = await this.#reranking.rerank(extractText(query), nodes, (entry) => entry.node.getContent(MetadataMode.NONE));
    return ranked.map(({ document, score }) => ({ ...(document as NodeWithScore), score }));
  }

  /** Disposes the reranker when this postprocessor created it; a shared one is left running. */
  dispose(): Promise<void> {
    return this.#reranking.holder.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
