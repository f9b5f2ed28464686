/**
 * createEmbedder in Chromium on the tiny embedding fixtures (scripts/fixtures/make_embedding_fixtures.py):
 * vectors against the sentence-transformers / PyTorch reference (cosine >= 0.9999 in fp32 on WASM and on
 * WebGPU through SwiftShader; q8 within the cosine native onnxruntime's q8 reaches, less a margin), both sides
 * of the prefixes, and the errors of a model or call the embedder cannot take.
 */
import { readFileSync } from 'node:fs';
import { FIXTURE_BASE, cosine, expect, openHarness, test } from '../support.js';

interface EmbeddingEntry {
  inputIds: number[];
  embedding: number[];
  cosineOrtQ8: number;
}

interface EmbeddingReference {
  model: string;
  maxLength: number;
  dimensions: number;
  pooling: 'cls' | 'mean';
  prefixes: { query: string; document: string };
  prefixesInConfig: boolean;
  texts: string[];
  query: EmbeddingEntry[];
  document: EmbeddingEntry[];
}

function loadEmbeddingReference(model: string): EmbeddingReference {
  return JSON.parse(readFileSync(new URL(`../../fixtures/reference/${model}.json`, import.meta.url), 'utf8')) as EmbeddingReference;
}

const CASES = [
  { model: 'tiny-bge-embedder', device: 'wasm', dtype: 'fp32' },
  { model: 'tiny-bge-embedder', device: 'webgpu', dtype: 'fp32' },
  { model: 'tiny-bge-embedder', device: 'wasm', dtype: 'q8' },
  { model: 'tiny-minilm-embedder', device: 'wasm', dtype: 'fp32' },
  { model: 'tiny-minilm-embedder', device: 'webgpu', dtype: 'fp32' },
  { model: 'tiny-minilm-embedder', device: 'wasm', dtype: 'q8' },
  { model: 'tiny-e5-embedder', device: 'wasm', dtype: 'fp32' },
  { model: 'tiny-e5-embedder', device: 'webgpu', dtype: 'fp32' },
  { model: 'tiny-e5-embedder', device: 'wasm', dtype: 'q8' },
] as const;

for (const { model, device, dtype } of CASES) {
  test(`${model} ${dtype} on ${device} matches the reference on both sides`, async ({ page }) => {
    const reference = loadEmbeddingReference(model);
    await openHarness(page);
    // e5's prefixes are not in its config (as on the Hub): the caller passes them, as its card says.
    const prefixes = reference.prefixesInConfig ? {} : { queryPrefix: reference.prefixes.query, documentPrefix: reference.prefixes.document };
    const result = await page.evaluate(
      async ({ model, device, dtype, texts, base, prefixes }) => {
        const embedder = await window.lib.createEmbedder({ model, modelBaseUrl: base, device, dtype, ...prefixes });
        const query = await embedder.embed(texts, { kind: 'query' });
        const document = await embedder.embed(texts);
        const info = embedder.info;
        await embedder.dispose();
        return { info, query: query.map((v) => Array.from(v)), document: document.map((v) => Array.from(v)) };
      },
      { model, device, dtype, texts: reference.texts, base: FIXTURE_BASE, prefixes },
    );
    expect(result.info).toMatchObject({
      model,
      device,
      dtype,
      dimensions: reference.dimensions,
      pooling: reference.pooling,
      normalize: true,
      queryPrefix: reference.prefixes.query,
      documentPrefix: reference.prefixes.document,
      maxLength: reference.maxLength,
    });
    for (const kind of ['query', 'document'] as const) {
      const got = result[kind];
      expect(got).toHaveLength(reference.texts.length);
      const rows = reference[kind].map((entry, index) => {
        const vector = got[index] ?? [];
        const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
        return { index, cos: cosine(vector, entry.embedding), norm, floor: dtype === 'fp32' ? 0.9999 : entry.cosineOrtQ8 - 0.002 };
      });
      const worst = Math.min(...rows.map((row) => row.cos));
      console.log(`[embedder] ${model} ${dtype} on ${device} (${kind}): min cosine to the reference ${worst.toFixed(7)} (1 - cos = ${(1 - worst).toExponential(1)}) over ${rows.length} texts`);
      expect(rows.filter((row) => !(row.cos >= row.floor)), 'texts below the cosine floor').toEqual([]);
      expect(rows.filter((row) => Math.abs(row.norm - 1) > 1e-4), 'vectors not L2-normalized').toEqual([]);
    }
  });
}

test('the query side differs from the document side exactly when the model has prefixes', async ({ page }) => {
  await openHarness(page);
  const sides = await page.evaluate(async (base) => {
    const out: Record<string, number> = {};
    for (const model of ['tiny-bge-embedder', 'tiny-minilm-embedder']) {
      const embedder = await window.lib.createEmbedder({ model, modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
      const [query] = await embedder.embed(['giant panda'], { kind: 'query' });
      const [document] = await embedder.embed(['giant panda'], { kind: 'document' });
      out[model] = Array.from(query ?? []).reduce((sum, x, i) => sum + x * (document?.[i] ?? 0), 0);
      await embedder.dispose();
    }
    return out;
  }, FIXTURE_BASE);
  expect(sides['tiny-bge-embedder']).toBeLessThan(0.999);
  expect(sides['tiny-minilm-embedder']).toBeCloseTo(1, 6);
});

test('bad input, abort and dispose end with typed errors, and the embedder keeps working', async ({ page }) => {
  await openHarness(page);
  const codes = await page.evaluate(async (base) => {
    const codeOf = (error: unknown): string => (window.lib.isRerankerError(error) ? error.code : `not a RerankerError: ${String(error)}`);
    const out: Record<string, string> = {};
    const embedder = await window.lib.createEmbedder({ model: 'tiny-minilm-embedder', modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
    await embedder.embed(['a', 42 as unknown as string]).catch((e: unknown) => (out['notString'] = codeOf(e)));
    await embedder.embed(['a'], { kind: 'passage' as unknown as 'query' }).catch((e: unknown) => (out['badKind'] = codeOf(e)));
    const controller = new AbortController();
    const running = embedder.embed(Array.from({ length: 200 }, (_, i) => `passage number ${i} about pandas and bamboo`), { signal: controller.signal });
    controller.abort();
    await running.catch((e: unknown) => (out['aborted'] = codeOf(e)));
    const [after] = await embedder.embed(['still works']);
    out['after'] = String(after?.length);
    const empty = await embedder.embed([]);
    out['empty'] = String(empty.length);
    await embedder[Symbol.asyncDispose]();
    await embedder.embed(['x']).catch((e: unknown) => (out['disposed'] = codeOf(e)));
    await window.lib.createEmbedder({ model: 'tiny-minilm-embedder', modelBaseUrl: base, pooling: 'max' as unknown as 'cls' }).catch((e: unknown) => (out['badPooling'] = codeOf(e)));
    return out;
  }, FIXTURE_BASE);
  expect(codes).toMatchObject({
    notString: 'invalid-input',
    badKind: 'invalid-input',
    aborted: 'aborted',
    after: '32',
    empty: '0',
    disposed: 'disposed',
    badPooling: 'invalid-input',
  });
});

test.describe('a model that is no sentence embedder', () => {
  // The cross-encoder fixture has no sentence-transformers files: their 404s are expected.
  test.use({ expectedConsoleErrors: [/Failed to load resource/] });

  test('is refused at load, naming the file and what is missing', async ({ page }) => {
    await openHarness(page);
    const refusals = await page.evaluate(async (base) => {
      const out: Record<string, { code: string; message: string }> = {};
      const record = (name: string) => (error: unknown): void => {
        out[name] = { code: window.lib.isRerankerError(error) ? error.code : String(error), message: error instanceof Error ? error.message : '' };
      };
      await window.lib.createEmbedder({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm' }).catch(record('noPooling'));
      // With the pooling given, the config passes and the graph is refused: its output is a logit, not token vectors.
      await window.lib.createEmbedder({ model: 'tiny-bert-reranker', modelBaseUrl: base, device: 'wasm', dtype: 'fp32', pooling: 'mean' }).catch(record('noHiddenStates'));
      return out;
    }, FIXTURE_BASE);
    expect(refusals['noPooling']?.code).toBe('unsupported-model');
    expect(refusals['noPooling']?.message).toMatch(/1_Pooling\/config\.json is missing/);
    expect(refusals['noHiddenStates']?.code).toBe('unsupported-model');
    expect(refusals['noHiddenStates']?.message).toMatch(/onnx\/model\.onnx has outputs logits/);
  });
});

test('the sentence-transformers files are cached with the model: a second load works offline, clearModelCache drops them', async ({ page }) => {
  await openHarness(page);
  const model = 'tiny-bge-embedder';
  const first = await page.evaluate(async ({ model, base }) => {
    await window.lib.clearModelCache(model, { modelBaseUrl: base });
    const embedder = await window.lib.createEmbedder({ model, modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
    const [vector] = await embedder.embed(['offline'], { kind: 'query' });
    await embedder.dispose();
    const keys = (await (await caches.open('transformers-cache')).keys()).map((request) => request.url);
    return { vector: Array.from(vector ?? []), keys };
  }, { model, base: FIXTURE_BASE });
  for (const file of ['modules.json', '1_Pooling/config.json', 'config_sentence_transformers.json', 'sentence_bert_config.json']) {
    expect(first.keys.some((url) => url.endsWith(`/${model}/${file}`)), file).toBe(true);
  }
  // Nothing of the model may come from the network now.
  let fetched = 0;
  await page.route(`**/fixtures/models/${model}/**`, (route) => {
    fetched += 1;
    return route.abort('internetdisconnected');
  });
  const second = await page.evaluate(async ({ model, base }) => {
    const embedder = await window.lib.createEmbedder({ model, modelBaseUrl: base, device: 'wasm', dtype: 'fp32' });
    const [vector] = await embedder.embed(['offline'], { kind: 'query' });
    const info = embedder.info;
    await embedder.dispose();
    const deleted = await window.lib.clearModelCache(model, { modelBaseUrl: base });
    const left = (await (await caches.open('transformers-cache')).keys()).filter((request) => request.url.includes(`/${model}/`)).length;
    return { vector: Array.from(vector ?? []), info, deleted, left };
  }, { model, base: FIXTURE_BASE });
  expect(fetched).toBe(0);
  expect(second.info.queryPrefix).toBe('Represent this sentence for searching relevant passages: ');
  expect(second.vector).toEqual(first.vector);
  expect(second.deleted).toBeGreaterThanOrEqual(8);
  expect(second.left).toBe(0);
});
