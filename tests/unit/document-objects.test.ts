/**
 * Document objects in `rerank` (`documentText`) and `Symbol.asyncDispose`, through the real proxy and engine
 * over a MessageChannel with the fake model: the objects' texts are scored as strings would be, and the
 * results carry the caller's own objects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeHarnesses, expectedScore, harness } from './proxy-harness.js';
import { RerankerError } from '../../src/shared/errors.js';

afterEach(closeHarnesses);

interface Doc {
  id: string;
  title?: string | null;
  body: string;
}

const docs: Doc[] = [
  { id: 'a', title: 'zz', body: 'aaa' },
  { id: 'b', title: null, body: 'zzzz' },
  { id: 'c', body: 'mmm' },
];

function expectedOrder(texts: string[]): number[] {
  return texts
    .map((text, index) => ({ index, score: expectedScore('q', text) }))
    .sort((a, b) => b.score - a.score)
    .map((row) => row.index);
}

describe('rerank with document objects', () => {
  it('scores a named field and returns the original objects, best first', async () => {
    const h = await harness();
    const results = await h.reranker.rerank('q', docs, { documentText: 'body' });
    expect(results.map((r) => r.index)).toEqual(expectedOrder(docs.map((d) => d.body)));
    for (const result of results) {
      expect(result.document).toBe(docs[result.index]);
      expect(result.score).toBeCloseTo(expectedScore('q', docs[result.index]?.body ?? ''), 5);
    }
  });

  it('joins several fields with a newline, skipping absent ones, and takes a function', async () => {
    const h = await harness();
    const joined = docs.map((d) => [d.title, d.body].filter((part) => typeof part === 'string').join('\n'));
    const byFields = await h.reranker.rerank('q', docs, { documentText: ['title', 'body'] });
    expect(byFields.map((r) => r.score)).toEqual(
      expectedOrder(joined).map((index) => expect.closeTo(expectedScore('q', joined[index] ?? ''), 5)),
    );
    const byFunction = await h.reranker.rerank('q', docs, { documentText: (d) => `${d.id} ${d.body}`, topK: 2, normalize: true });
    const texts = docs.map((d) => `${d.id} ${d.body}`);
    expect(byFunction.map((r) => r.index)).toEqual(expectedOrder(texts).slice(0, 2));
    expect(byFunction[0]?.score).toBeCloseTo(1 / (1 + Math.exp(-expectedScore('q', texts[byFunction[0]?.index ?? 0] ?? ''))), 6);
    expect(byFunction[0]?.document).toBe(docs[byFunction[0]?.index ?? -1]);
  });

  it('leaves the objects out with returnDocuments: false, and string documents as they were', async () => {
    const h = await harness();
    const bare = await h.reranker.rerank('q', docs, { documentText: 'body', returnDocuments: false });
    expect(bare.every((r) => !('document' in r))).toBe(true);
    const strings = await h.reranker.rerank('q', ['aaa', 'zzzz']);
    expect(strings.every((r) => r.document === undefined)).toBe(true);
    const withText = await h.reranker.rerank('q', ['aaa', 'zzzz'], { returnDocuments: true });
    expect(withText.map((r) => r.document).sort()).toEqual(['aaa', 'zzzz']);
  });

  it('refuses documents whose text cannot be read, naming the document', async () => {
    const h = await harness();
    const refused = async (promise: Promise<unknown>): Promise<RerankerError> => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RerankerError);
      expect((error as RerankerError).code).toBe('invalid-input');
      return error as RerankerError;
    };
    const notString = await refused(h.reranker.rerank('q', [{ body: 'x' }, { body: 3 }], { documentText: 'body' }));
    expect(notString.details).toMatchObject({ index: 1, field: 'body' });
    expect(notString.message).toMatch(/documents\[1\]\.body is number/);
    const primitive = await refused(h.reranker.rerank('q', ['plain'], { documentText: 'body' }));
    expect(primitive.message).toMatch(/pass objects, or a function/);
    const thrown = await refused(h.reranker.rerank('q', [{}], { documentText: () => { throw new Error('boom'); } }));
    expect(thrown.message).toMatch(/documentText threw on documents\[0\]: boom/);
    const returned = await refused(h.reranker.rerank('q', [{}], { documentText: () => 7 as unknown as string }));
    expect(returned.message).toMatch(/returned number/);
    await refused(h.reranker.rerank('q', [{}], { documentText: [] }));
    const noOption = await refused(h.reranker.rerank('q', [{ body: 'x' }] as unknown as string[]));
    expect(noOption.message).toMatch(/pass documentText/);
    // Nothing was scored for the refused calls.
    expect(h.controls.batches).toHaveLength(1); // the warm-up
  });
});

describe('Symbol.asyncDispose', () => {
  it('disposes the reranker at the end of an await using block', async () => {
    const h = await harness();
    {
      await using reranker = h.reranker;
      expect(await reranker.rerank('q', ['a'])).toHaveLength(1);
    }
    await expect(h.reranker.rerank('q', ['a'])).rejects.toMatchObject({ code: 'disposed' });
    expect(h.controls.disposed).toBe(true);
  });
});
