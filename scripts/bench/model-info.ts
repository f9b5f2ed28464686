/** What the results record about the model files and the passage sets. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODEL, MODEL_DIR } from './config.js';
import type { Results } from './results.js';
import { DOCS_QUERY, docsTextSource, makeDocsPassages } from './docs-text.js';
import { QUERY, WORD_RANGE, makePassages } from './text.js';
import { median } from './util.js';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Pair lengths in tokens of 1,000 passages of each kind and text, with the set's query (keys: short, mixed, docs-short, docs-mixed). */
async function tokenStats(): Promise<Results['passages']['tokens']> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = `${resolve('fixtures/bench')}/`;
  const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
  const stats: Results['passages']['tokens'] = {};
  const count = (text: string): number => tokenizer.encode(text, { add_special_tokens: false }).length;
  for (const kind of ['short', 'mixed'] as const) {
    for (const [key, query, passages] of [
      [kind, QUERY, makePassages(1000, kind)],
      [`docs-${kind}`, DOCS_QUERY, makeDocsPassages(1000, kind)],
    ] as const) {
      // Pair length: query + passage + 3 special tokens, capped at 512.
      const queryTokens = count(query);
      const lengths = passages.map((p) => Math.min(512, queryTokens + 3 + count(p)));
      stats[key] = { min: Math.min(...lengths), median: median(lengths), max: Math.max(...lengths) };
    }
  }
  return stats;
}

/** Size and sha256 of the bench model's files, against what the fixture script recorded. */
export function modelInfo(): Results['model'] {
  const expected = JSON.parse(readFileSync(resolve('fixtures/bench', `${MODEL}.json`), 'utf8')) as {
    files: Record<string, { bytes: number; sha256: string }>;
  };
  const files: Results['model']['files'] = {};
  for (const file of ['onnx/model_quantized.onnx', 'onnx/model.onnx']) {
    const path = resolve(MODEL_DIR, file);
    if (!existsSync(path)) continue;
    const hash = sha256(path);
    const want = expected.files[file]?.sha256;
    files[file] = { bytes: readFileSync(path).byteLength, sha256: hash, ...(want === undefined ? {} : { matchesFixtureScript: want === hash }) };
  }
  return { name: MODEL, files };
}

export async function passageInfo(): Promise<Results['passages']> {
  return { query: QUERY, docsQuery: DOCS_QUERY, docsText: docsTextSource(), wordRange: WORD_RANGE, tokens: await tokenStats() };
}
