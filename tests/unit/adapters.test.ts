/**
 * The framework adapters driven by each framework's own entry point (`ai`'s `rerank`, LangChain's
 * `ContextualCompressionRetriever`, a LlamaIndex postprocessor call on `NodeWithScore`s), over the real proxy
 * and engine with the fake model, whose scores are known: mapping, topN, abort, sharing and ownership.
 */
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { TextNode, type NodeWithScore } from '@llamaindex/core/schema';
import { rerank } from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeHarnesses, expectedScore, harness } from './proxy-harness.js';
import type { Reranker, RerankerOptions } from '../../src/index.js';

const created: RerankerOptions[] = [];
let nextReranker: (() => Promise<Reranker>) | undefined;
// createReranker starts a browser Worker; the adapters that own their reranker get a harness one instead.
vi.mock('../../src/client/create-reranker.js', () => ({
  createReranker: (options: RerankerOptions) => {
    created.push(options);
    if (nextReranker === undefined) throw new Error('no reranker prepared');
    return nextReranker();
  },
}));

const { webgpuReranker } = await import('../../src/adapters/ai-sdk.js');
const { WebGpuRerankerCompressor } = await import('../../src/adapters/langchain.js');
const { WebGpuRerankerPostprocessor } = await import('../../src/adapters/llamaindex.js');

afterEach(() => {
  closeHarnesses();
  created.length = 0;
  nextReranker = undefined;
});

const query = 'q';
const passages = ['aaa', 'zzzz', 'mmm', 'zz', 'b'];
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const best = passages
  .map((text, index) => ({ index, text, score: sigmoid(expectedScore(query, text)) }))
  .sort((a, b) => b.score - a.score);

class FixedRetriever extends BaseRetriever {
  lc_namespace = ['tests'];
  override async _getRelevantDocuments(): Promise<DocumentInterface[]> {
    return passages.map((text, index) => new Document({ pageContent: text, metadata: { source: index }, id: `doc-${index}` }));
  }
}

describe('AI SDK provider', () => {
  it("ranks text documents through ai's rerank with 0..1 relevance scores and topN", async () => {
    const h = await harness();
    const model = webgpuReranker.rerankingModel('fake', { reranker: h.reranker });
    expect(model).toMatchObject({ specificationVersion: 'v4', provider: 'webgpu-reranker', modelId: 'fake' });
    const result = await rerank({ model, query, documents: passages, topN: 3 });
    expect(result.ranking.map((r) => r.originalIndex)).toEqual(best.slice(0, 3).map((r) => r.index));
    result.ranking.forEach((r, i) => expect(r.score).toBeCloseTo(best[i]?.score ?? NaN, 6));
    expect(result.rerankedDocuments).toEqual(best.slice(0, 3).map((r) => r.text));
    expect(result.providerMetadata?.['webgpu-reranker']).toMatchObject({ device: 'wasm', dtype: 'q8', truncated: [] });
  });

  it('ranks object documents as their JSON by default, or by documentText', async () => {
    const h = await harness();
    const objects = passages.map((text, id) => ({ id, text }));
    const asJson = await rerank({ model: webgpuReranker.rerankingModel('fake', { reranker: h.reranker }), query, documents: objects });
    const jsonOrder = objects
      .map((o, index) => ({ index, score: expectedScore(query, JSON.stringify(o)) }))
      .sort((a, b) => b.score - a.score)
      .map((r) => r.index);
    expect(asJson.ranking.map((r) => r.originalIndex)).toEqual(jsonOrder);
    expect(asJson.ranking[0]?.document).toBe(objects[jsonOrder[0] ?? -1]);
    const byField = await rerank({
      model: webgpuReranker.rerankingModel('fake', { reranker: h.reranker, documentText: 'text', normalize: false }),
      query,
      documents: objects,
    });
    expect(byField.ranking.map((r) => r.originalIndex)).toEqual(best.map((r) => r.index));
    expect(byField.ranking[0]?.score).toBeCloseTo(expectedScore(query, best[0]?.text ?? ''), 5);
  });

  it('rejects with aborted when the abort signal fires, and leaves the shared reranker working', async () => {
    const h = await harness();
    const model = webgpuReranker.rerankingModel('fake', { reranker: h.reranker });
    h.setGate(true);
    const controller = new AbortController();
    const call = rerank({ model, query, documents: passages, abortSignal: controller.signal, maxRetries: 0 });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    h.setGate(false);
    await model.dispose(); // not owned: the reranker stays
    expect((await h.reranker.rerank(query, passages)).length).toBe(passages.length);
  });

  it('creates the model named by modelId on first use, once, and disposes it with the model', async () => {
    const h = await harness();
    nextReranker = () => Promise.resolve(h.reranker);
    const model = webgpuReranker.rerankingModel('Xenova/ms-marco-MiniLM-L-6-v2', { reranker: { device: 'wasm' } });
    expect(created).toEqual([]);
    await rerank({ model, query, documents: passages });
    await rerank({ model, query, documents: passages });
    expect(created).toEqual([{ device: 'wasm', model: 'Xenova/ms-marco-MiniLM-L-6-v2' }]);
    await model[Symbol.asyncDispose]();
    expect(h.controls.disposed).toBe(true);
    await expect(model.doRerank({ query, documents: { type: 'text', values: passages } })).rejects.toMatchObject({ code: 'disposed' });
  });
});

describe('an adapter that owns its reranker', () => {
  it('tries a failed load again on the next call, and an abort stops only the wait for a load', async () => {
    const h = await harness();
    let loads = 0;
    let finishLoad: (reranker: Reranker) => void = () => undefined;
    nextReranker = () => {
      loads++;
      if (loads === 1) return Promise.reject(Object.assign(new Error('offline'), { code: 'model-load-failed' }));
      return new Promise<Reranker>((resolve) => {
        finishLoad = resolve;
      });
    };
    const postprocessor = new WebGpuRerankerPostprocessor({ reranker: { model: 'm' }, topN: 1 });
    const nodes = passages.map((text, index) => ({ node: new TextNode({ text, id_: `n${index}` }), score: 0 }));
    await expect(postprocessor.postprocessNodes(nodes, query)).rejects.toMatchObject({ code: 'model-load-failed' });
    const controller = new AbortController();
    const model = webgpuReranker.rerankingModel('m');
    nextReranker = () => new Promise<Reranker>(() => undefined);
    const waiting = model.doRerank({ query, documents: { type: 'text', values: passages }, abortSignal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' });
    nextReranker = () => {
      loads++;
      return new Promise<Reranker>((resolve) => {
        finishLoad = resolve;
      });
    };
    const second = postprocessor.postprocessNodes(nodes, query);
    await Promise.resolve();
    finishLoad(h.reranker);
    expect((await second).map((n) => n.node.id_)).toEqual([`n${best[0]?.index}`]);
    expect(created.map((options) => options.model)).toEqual(['m', 'm', 'm']);
    await postprocessor.dispose();
    expect(h.controls.disposed).toBe(true);
  });
});

describe('LangChain compressor', () => {
  it('keeps the best topN in a ContextualCompressionRetriever with metadata.relevanceScore', async () => {
    const h = await harness();
    const compressor = new WebGpuRerankerCompressor({ reranker: h.reranker, topN: 2 });
    const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever: new FixedRetriever() });
    const documents = await retriever.invoke(query);
    expect(documents.map((d) => d.pageContent)).toEqual(best.slice(0, 2).map((r) => r.text));
    documents.forEach((d, i) => {
      expect(d.metadata['relevanceScore']).toBeCloseTo(best[i]?.score ?? NaN, 6);
      expect(d.metadata['source']).toBe(best[i]?.index);
      expect(d.id).toBe(`doc-${best[i]?.index}`);
    });
  });

  it('shares one reranker with the other adapters, and refuses a bad topN or no reranker', async () => {
    const h = await harness();
    const compressor = new WebGpuRerankerCompressor({ reranker: h.reranker, normalize: false });
    const postprocessor = new WebGpuRerankerPostprocessor({ reranker: h.reranker });
    expect(await compressor.reranker()).toBe(await postprocessor.reranker());
    const all = await compressor.compressDocuments(passages.map((text) => new Document({ pageContent: text })), query);
    expect(all.map((d) => d.metadata['relevanceScore'] as number)).toEqual(best.map((r) => expect.closeTo(expectedScore(query, r.text), 5)));
    expect(h.workersStarted).toBe(1);
    expect(() => new WebGpuRerankerCompressor({ reranker: h.reranker, topN: 0 })).toThrow(/topN must be a positive integer/);
    expect(() => new WebGpuRerankerCompressor({} as never)).toThrow(/needs a reranker/);
  });

  it('aborts through its signal', async () => {
    const h = await harness();
    const controller = new AbortController();
    const compressor = new WebGpuRerankerCompressor({ reranker: h.reranker, signal: controller.signal });
    h.setGate(true);
    const call = compressor.compressDocuments([new Document({ pageContent: 'a' })], query);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    h.setGate(false);
  });
});

describe('LlamaIndex postprocessor', () => {
  it('reorders NodeWithScore best first with 0..1 scores and keeps topN', async () => {
    const h = await harness();
    const nodes: NodeWithScore[] = passages.map((text, index) => ({ node: new TextNode({ text, id_: `n${index}`, metadata: { title: 'x' } }), score: 0 }));
    const postprocessor = new WebGpuRerankerPostprocessor({ reranker: h.reranker, topN: 3 });
    const ranked = await postprocessor.postprocessNodes(nodes, query);
    expect(ranked.map((n) => n.node.id_)).toEqual(best.slice(0, 3).map((r) => `n${r.index}`));
    ranked.forEach((n, i) => {
      expect(n.score).toBeCloseTo(best[i]?.score ?? NaN, 6);
      expect(n.node).toBe(nodes[best[i]?.index ?? -1]?.node);
    });
    // A message-content query (text parts) reads as its text.
    const fromParts = await postprocessor.postprocessNodes(nodes, [{ type: 'text', text: query }]);
    expect(fromParts.map((n) => n.node.id_)).toEqual(ranked.map((n) => n.node.id_));
    await expect(postprocessor.postprocessNodes(nodes)).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
