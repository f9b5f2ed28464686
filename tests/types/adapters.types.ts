/**
 * Type tests, compiled by `npm run typecheck` (never run): they fail to compile when a framework's interface
 * drifts from what the adapters implement, or when the document-object overloads lose their types.
 */
import type { ProviderV4, RerankingModelV4 } from '@ai-sdk/provider';
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import type { BaseRetrieverInterface } from '@langchain/core/retrievers';
import type { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import type { NodeWithScore } from '@llamaindex/core/schema';
import { rerank, type RerankingModel } from 'ai';
import { webgpuReranker, type WebGpuRerankingModel } from '../../src/adapters/ai-sdk.js';
import { WebGpuRerankerCompressor } from '../../src/adapters/langchain.js';
import { WebGpuRerankerPostprocessor } from '../../src/adapters/llamaindex.js';
import type { Reranker, RerankResult } from '../../src/index.js';

interface Doc {
  readonly id: number;
  readonly body: string;
}

export async function typeChecks(reranker: Reranker, baseRetriever: BaseRetrieverInterface, nodes: NodeWithScore[]): Promise<void> {
  // AI SDK: the model is the installed @ai-sdk/provider's RerankingModelV4, the provider fits ProviderV4's slot,
  // and `ai`'s rerank takes the model for text and object documents.
  const model = webgpuReranker.rerankingModel('Xenova/ms-marco-MiniLM-L-6-v2', { reranker }) satisfies RerankingModelV4;
  const slot: NonNullable<ProviderV4['rerankingModel']> = webgpuReranker.rerankingModel;
  const asSdkModel: RerankingModel = slot('x');
  const owned: WebGpuRerankingModel = webgpuReranker.rerankingModel('x', { reranker: { device: 'wasm' }, documentText: 'body' });
  const texts = await rerank({ model, query: 'q', documents: ['a', 'b'], topN: 1 });
  const topText: string | undefined = texts.rerankedDocuments[0];
  const objects = await rerank({ model: asSdkModel, query: 'q', documents: [{ id: 1, body: 'b' }] });
  const topObject: { id: number; body: string } | undefined = objects.rerankedDocuments[0];

  // LangChain: a BaseDocumentCompressor that ContextualCompressionRetriever accepts.
  const compressor = new WebGpuRerankerCompressor({ reranker, topN: 3 }) satisfies BaseDocumentCompressor;
  const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever });
  const compressed = await retriever.invoke('q');

  // LlamaIndex: a BaseNodePostprocessor returning NodeWithScore.
  const postprocessor = new WebGpuRerankerPostprocessor({ reranker: { model: 'm', device: 'wasm' } }) satisfies BaseNodePostprocessor;
  const processed: NodeWithScore[] = await postprocessor.postprocessNodes(nodes, 'q');

  // Core: objects come back typed; strings keep their old result type; objects need documentText.
  const docs: Doc[] = [{ id: 1, body: 'b' }];
  const ranked: RerankResult<Doc>[] = await reranker.rerank('q', docs, { documentText: (doc) => doc.body });
  const byField: Doc | undefined = (await reranker.rerank('q', docs, { documentText: ['body'] }))[0]?.document;
  const plain: RerankResult[] = await reranker.rerank('q', ['a']);
  // @ts-expect-error object documents without documentText
  await reranker.rerank('q', docs);
  // @ts-expect-error documentText must map a document to a string
  await reranker.rerank('q', docs, { documentText: (doc: Doc) => doc.id });
  const disposable: AsyncDisposable = reranker;
  void [owned, topText, topObject, compressed, processed, ranked, byField, plain, disposable];
}
