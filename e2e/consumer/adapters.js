// The adapters page of the consumer app (e2e/specs/consumer-vite-app.spec.ts): each framework's own entry point
// over the packed package, one shared reranker (plus one the AI SDK model owns), results put on the page.
import { createReranker } from 'webgpu-reranker';
import { webgpuReranker } from 'webgpu-reranker/ai-sdk';
import { WebGpuRerankerCompressor } from 'webgpu-reranker/langchain';
import { WebGpuRerankerPostprocessor } from 'webgpu-reranker/llamaindex';
import { rerank } from 'ai';
import { Document } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { TextNode } from '@llamaindex/core/schema';

const params = new URLSearchParams(location.search);
const device = params.get('device');
const query = params.get('q') ?? '';
const documents = JSON.parse(params.get('docs') ?? '[]');
const status = document.getElementById('status');
const topN = 2;
/** Names the step in progress, so a test that times out says where. */
const step = (name) => {
  status.textContent = `loading: ${name}`;
};

/** The first-stage search of a LangChain app: here, every candidate. */
class Candidates extends BaseRetriever {
  lc_namespace = ['consumer'];
  async _getRelevantDocuments() {
    return documents.map((text, source) => new Document({ pageContent: text, metadata: { source } }));
  }
}

try {
  const options = { modelBaseUrl: '/models', device, dtype: 'fp32' };
  step('createReranker');
  const shared = await createReranker({ model: 'tiny-bert-reranker', ...options });
  step('ai rerank');
  const ai = await rerank({ model: webgpuReranker.rerankingModel('tiny-bert-reranker', { reranker: shared }), query, documents, topN });

  step('ai rerank, owned reranker');
  // A second model that the AI SDK model creates and disposes (on WASM: a second WebGPU device adds minutes).
  const owned = webgpuReranker.rerankingModel('tiny-bert-reranker', { reranker: { modelBaseUrl: '/models', device: 'wasm', dtype: 'fp32' }, documentText: 'text' });
  const aiObjects = await rerank({ model: owned, query, documents: documents.map((text, id) => ({ id, text })) });
  const ownedDevice = (await owned.reranker()).info.device;
  await owned.dispose();

  step('ai rerank, aborted');
  const controller = new AbortController();
  const aborted = rerank({ model: webgpuReranker.rerankingModel('tiny-bert-reranker', { reranker: shared }), query, documents, abortSignal: controller.signal, maxRetries: 0 });
  controller.abort();
  const abortCode = await aborted.then(() => 'resolved', (error) => error.code ?? error.name);

  step('langchain retriever');
  const retriever = new ContextualCompressionRetriever({
    baseCompressor: new WebGpuRerankerCompressor({ reranker: shared, topN }),
    baseRetriever: new Candidates(),
  });
  const langchain = await retriever.invoke(query);

  step('llamaindex postprocessor');
  const nodes = documents.map((text, index) => ({ node: new TextNode({ text, id_: String(index) }), score: 0 }));
  const llamaindex = await new WebGpuRerankerPostprocessor({ reranker: shared, topN }).postprocessNodes(nodes, query);

  const result = {
    device: shared.info.device,
    ownedDevice,
    ai: ai.ranking.map((row) => ({ index: row.originalIndex, score: row.score, text: row.document })),
    aiObjects: aiObjects.ranking.map((row) => ({ index: row.originalIndex, score: row.score, id: row.document.id })),
    abortCode,
    langchain: langchain.map((doc) => ({ index: doc.metadata.source, score: doc.metadata.relevanceScore, text: doc.pageContent })),
    llamaindex: llamaindex.map((entry) => ({ index: Number(entry.node.id_), score: entry.score, text: entry.node.getContent() })),
  };
  await shared[Symbol.asyncDispose]();
  result.afterDispose = await shared.rerank(query, documents).then(() => 'resolved', (error) => error.code);
  status.dataset.result = JSON.stringify(result);
  status.textContent = 'done';
} catch (error) {
  status.textContent = 'failed: ' + (error.code ?? '') + ' ' + error.message;
}
