/**
 * Seeded, reproducible hostile inputs for rerank/score, shared by the unit fuzz suite (fake model, over a
 * MessageChannel) and the browser one (real worker; the page imports this file through Vite). Plain
 * TypeScript with no Node or DOM imports so it runs in both.
 *
 * Each case injects at most one fault into otherwise valid input, so the case knows exactly which typed
 * error must come back (argument, index, limit), or that a correct result must.
 */

import { random, type Random } from '../../scripts/shared/seeded-random.js';

/** Code point ranges to draw from: scripts, both directions, controls, lone surrogates, astral symbols. */
const RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e], // ASCII
  [0x20, 0x7e],
  [0x00, 0x1f], // C0 controls, NUL included
  [0x7f, 0x9f], // DEL and C1 controls
  [0xa0, 0xff], // Latin-1
  [0x0300, 0x036f], // combining marks
  [0x0590, 0x05ff], // Hebrew (right to left)
  [0x0600, 0x06ff], // Arabic (right to left)
  [0x4e00, 0x9fff], // CJK
  [0x200b, 0x200f], // zero-width characters and direction marks
  [0x202a, 0x202e], // bidi embeddings and overrides
  [0x2066, 0x2069], // bidi isolates
  [0xd800, 0xdfff], // surrogates, emitted alone: unpaired
  [0xfff0, 0xffff], // specials and noncharacters, BOM-like
  [0x1f300, 0x1faff], // emoji (astral, surrogate pairs)
  [0xe0000, 0xe007f], // tag characters
];

export function hostileText(rng: Random, maxLength: number): string {
  const length = rng.int(maxLength + 1);
  let text = '';
  while (text.length < length) {
    if (rng.chance(0.15)) {
      text += rng.pick([' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u3000']);
      continue;
    }
    const [low, high] = rng.pick(RANGES);
    const code = low + rng.int(high - low + 1);
    // fromCharCode keeps a surrogate unpaired; fromCodePoint builds astral characters.
    text += code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : String.fromCodePoint(code);
  }
  return text.slice(0, Math.max(length, 0));
}

/** What a case must end in. */
export type Expected =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'invalid-input';
      /** `details.argument` of the error. */
      readonly argument: string;
      readonly index?: number;
      readonly limit?: string;
    };

export interface FuzzCase {
  readonly name: string;
  readonly method: 'rerank' | 'score';
  readonly query: unknown;
  /** Documents for rerank, pairs for score. */
  readonly items: unknown;
  readonly options?: unknown;
  readonly expected: Expected;
  /** Cases that move megabytes or thousands of documents. */
  readonly big: boolean;
}

/** The limits the cases are built around: the library's defaults. */
export const FUZZ_LIMITS = { maxDocuments: 10_000, maxDocumentChars: 100_000, maxQueryChars: 10_000, maxTotalChars: 10_000_000 };

const WRONG_VALUES: readonly (() => unknown)[] = [
  () => null,
  () => undefined,
  () => 42,
  () => Number.NaN,
  () => true,
  () => ({ text: 'an object' }),
  () => ['an', 'array'],
  () => 10n,
  () => Symbol('symbol'),
  () => () => 'a function',
  () => new String('a String object'),
  () => Object.create(null) as unknown,
  () => new Date(0),
];

const ONE_MB = 1024 * 1024;

function validDocuments(rng: Random, count: number, maxLength: number): string[] {
  const documents: string[] = [];
  for (let index = 0; index < count; index++) {
    const previous = documents[rng.int(Math.max(documents.length, 1))];
    // Duplicates on purpose: equal texts must get equal scores and keep their own indices.
    documents.push(previous !== undefined && rng.chance(0.2) ? previous : hostileText(rng, maxLength));
  }
  return documents;
}

function validOptions(rng: Random, method: 'rerank' | 'score'): Record<string, unknown> | undefined {
  if (rng.chance(0.3)) return undefined;
  const options: Record<string, unknown> = {};
  if (rng.chance(0.5)) options['normalize'] = rng.chance(0.5);
  if (rng.chance(0.4)) {
    options['chunking'] = rng.pick<unknown>([false, true, { maxChunksPerDoc: 1 + rng.int(4) }, { chunkOverlap: rng.int(40) }]);
  }
  if (method === 'rerank') {
    if (rng.chance(0.4)) options['topK'] = 1 + rng.int(40);
    if (rng.chance(0.4)) options['returnDocuments'] = rng.chance(0.5);
  }
  return options;
}

const OK: Expected = { ok: true };
const invalid = (argument: string, extra: { index?: number; limit?: string } = {}): Expected => ({
  ok: false,
  code: 'invalid-input',
  argument,
  ...extra,
});

/**
 * `count` cases from `seed`. `big: false` leaves out the 10,000-document and megabyte cases (for quick
 * runs); they are generated the same way otherwise, so seeds stay comparable.
 */
export function generateCases(seed: number, count: number, options: { big: boolean }): FuzzCase[] {
  const rng = random(seed);
  const cases: FuzzCase[] = [];
  const kinds = [
    'valid',
    'valid',
    'valid',
    'wrong-document',
    'sparse',
    'wrong-query',
    'not-an-array',
    'bad-option',
    'pairs-valid',
    'pairs-wrong',
    'long-document',
    'long-query',
    'too-many',
    'total-chars',
    'ten-thousand',
    'megabyte',
  ] as const;
  while (cases.length < count) {
    const kind = rng.pick(kinds);
    const big = kind === 'ten-thousand' || kind === 'megabyte' || kind === 'too-many' || kind === 'total-chars';
    const name = `#${cases.length} ${kind}`;
    const query = hostileText(rng, 60);
    const documents = validDocuments(rng, rng.int(25), 300);
    let built: Omit<FuzzCase, 'name' | 'big'>;
    switch (kind) {
      case 'valid':
        built = { method: 'rerank', query, items: documents, options: validOptions(rng, 'rerank'), expected: OK };
        break;
      case 'wrong-document': {
        const index = rng.int(documents.length + 1);
        const items: unknown[] = [...documents];
        items.splice(index, 0, rng.pick(WRONG_VALUES)());
        built = { method: 'rerank', query, items, expected: invalid('documents', { index }) };
        break;
      }
      case 'sparse': {
        const items = new Array<string>(documents.length + 2);
        const hole = rng.int(items.length);
        for (let index = 0; index < items.length; index++) if (index !== hole) items[index] = documents[index % Math.max(documents.length, 1)] ?? 'x';
        built = { method: 'rerank', query, items, expected: invalid('documents', { index: hole }) };
        break;
      }
      case 'wrong-query':
        built = { method: 'rerank', query: rng.pick(WRONG_VALUES)(), items: documents, expected: invalid('query') };
        break;
      case 'not-an-array':
        built = {
          method: rng.chance(0.5) ? 'rerank' : 'score',
          query,
          items: rng.pick<unknown>(['a string', null, undefined, 7, { length: 2, 0: 'a', 1: 'b' }, new Set(['a'])]),
          expected: OK, // replaced below: the argument depends on the method
        };
        built = { ...built, expected: invalid(built.method === 'rerank' ? 'documents' : 'pairs') };
        break;
      case 'bad-option': {
        const [argument, value] = rng.pick<readonly [string, Record<string, unknown>]>([
          ['topK', { topK: 0 }],
          ['topK', { topK: -3 }],
          ['topK', { topK: 1.5 }],
          ['topK', { topK: '3' }],
          ['topK', { topK: Number.NaN }],
          ['normalize', { normalize: 'yes' }],
          ['returnDocuments', { returnDocuments: 1 }],
          ['chunking.maxChunksPerDoc', { chunking: { maxChunksPerDoc: 0 } }],
          ['chunking.chunkOverlap', { chunking: { chunkOverlap: -1 } }],
          ['chunking', { chunking: 'on' }],
        ]);
        built = { method: 'rerank', query, items: documents, options: value, expected: invalid(argument) };
        break;
      }
      case 'pairs-valid':
        built = {
          method: 'score',
          query: undefined,
          items: documents.map((document) => [rng.chance(0.7) ? query : hostileText(rng, 40), document]),
          options: validOptions(rng, 'score'),
          expected: OK,
        };
        break;
      case 'pairs-wrong': {
        const pairs: unknown[] = documents.map((document) => [query, document]);
        const index = rng.int(pairs.length + 1);
        pairs.splice(index, 0, rng.pick<unknown>([['only one'], [query, 'x', 'three'], [query, 5], [null, 'x'], 'not a pair', null, { 0: 'a', 1: 'b' }]));
        built = { method: 'score', query: undefined, items: pairs, expected: invalid('pairs', { index }) };
        break;
      }
      case 'long-document': {
        const index = rng.int(documents.length + 1);
        const items = [...documents];
        items.splice(index, 0, 'x'.repeat(FUZZ_LIMITS.maxDocumentChars + 1 + rng.int(100)));
        built = { method: 'rerank', query, items, expected: invalid('documents', { index, limit: 'maxDocumentChars' }) };
        break;
      }
      case 'long-query':
        built = {
          method: 'rerank',
          query: hostileText(rng, 20).padEnd(FUZZ_LIMITS.maxQueryChars + 1 + rng.int(50), 'q'),
          items: documents,
          expected: invalid('query', { limit: 'maxQueryChars' }),
        };
        break;
      case 'too-many':
        built = {
          method: rng.chance(0.5) ? 'rerank' : 'score',
          query,
          items: Array.from({ length: FUZZ_LIMITS.maxDocuments + 1 }, (_, i) => `document ${i}`),
          expected: OK,
        };
        built = {
          ...built,
          items: built.method === 'rerank' ? built.items : (built.items as string[]).map((d) => [query, d]),
          expected: invalid(built.method === 'rerank' ? 'documents' : 'pairs', { limit: 'maxDocuments' }),
        };
        break;
      case 'total-chars': {
        // 101 documents of 99,999 characters each: every one within its limit, 10.1 M in all.
        const text = 'y'.repeat(FUZZ_LIMITS.maxDocumentChars - 1);
        built = { method: 'rerank', query, items: Array.from({ length: 101 }, () => text), expected: invalid('documents', { limit: 'maxTotalChars' }) };
        break;
      }
      case 'ten-thousand':
        built = {
          method: 'rerank',
          query,
          items: validDocuments(rng, FUZZ_LIMITS.maxDocuments, 40),
          options: { topK: 10, ...(rng.chance(0.5) ? { chunking: true } : {}) },
          expected: OK,
        };
        break;
      case 'megabyte': {
        // A 1 MB document: over the default limit (a typed error naming it), whatever it holds.
        const index = rng.int(documents.length + 1);
        const items = [...documents];
        const unit = hostileText(rng, 50) || 'z';
        items.splice(index, 0, unit.repeat(Math.ceil(ONE_MB / unit.length)).slice(0, ONE_MB));
        built = { method: 'rerank', query, items, expected: invalid('documents', { index, limit: 'maxDocumentChars' }) };
        break;
      }
    }
    if (big && !options.big) continue;
    cases.push({ name, big, ...built });
  }
  return cases;
}

// ---- Hostile model files: manifests (config.json's webgpu_reranker) and tokenizer_config.json ----

/** Values a hand-edited or corrupted JSON file can hold where a number, string, list or flag belongs. */
const HOSTILE_VALUES: readonly unknown[] = [
  undefined, null, true, false, 0, -1, 1, 7, 1.5, -0.5, 1e9, 1e30, -1e30, 2 ** 53, Number.NaN,
  '', '8', 'yes', '{query}', '{passage}', '{instruction}', [], [1], [-1], ['Yes'], [1, 2, 3], {}, { a: 1 },
];

/** A copy of `manifest` with one to three fields (top level or under `prompt`) replaced or deleted. */
export function hostileManifest(rng: Random, manifest: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = structuredClone(manifest) as Record<string, unknown>;
  const prompt = (copy['prompt'] ?? {}) as Record<string, unknown>;
  const fields = [...Object.keys(copy), 'max_positions', 'bos_token_id', 'scoring_tokens', 'dtypes', 'card'];
  const promptFields = [...Object.keys(prompt), 'instruction_query_template', 'bos', 'add_generation_prompt'];
  for (let edits = 1 + rng.int(3); edits > 0; edits--) {
    const target = rng.chance(0.3) ? prompt : copy;
    const key = rng.pick(target === prompt ? promptFields : fields);
    const value = rng.chance(0.15) ? hostileText(rng, 12) : rng.pick(HOSTILE_VALUES);
    if (value === undefined) delete target[key];
    else target[key] = value;
  }
  return copy;
}

/** Chat templates: fine, throwing, huge loops, not strings, leaving the passage out. */
export const HOSTILE_CHAT_TEMPLATES: readonly unknown[] = [
  "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}",
  '{{ raise_exception("no system messages") }}',
  '{% for i in range(100000000) %}{{ i }}{% endfor %}',
  '{% for i in range(10 ** 9) %}x{% endfor %}',
  '{% for a in range(9999) %}{% for b in range(9999) %}{% endfor %}{% endfor %}',
  '{{ messages[0]["content"] }}',
  '{{ messages[99]["content"].upper() }}',
  '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}',
  '{{ "x" * 1000000000 }}',
  '{% if %}',
  42,
  null,
  ['not', 'named', 'templates'],
  [{ name: 'default', template: "{% for m in messages %}{{ m['content'] }}{% endfor %}" }],
  'x'.repeat(200_000),
];

/** `model_max_length` values of tokenizer_config.json, sane and not. */
export const HOSTILE_MODEL_MAX_LENGTHS: readonly unknown[] = [512, 1e30, 0, -5, 3, 7.9, 100.5, Number.NaN, '512', null, undefined, 2 ** 60];
