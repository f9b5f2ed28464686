/**
 * The word memo must give exactly the ids of tokenizing the whole text, for the WordPiece tokenizers it
 * takes (the fixtures' and the bench model's bert-base-uncased), and leave the others alone.
 */
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORD_MEMO_LIMITS, wordMemoTokenizer } from '../../src/runtime/word-memo-tokenizer.js';
import { readFileSync } from 'node:fs';

const TEXTS = [
  'The giant panda eats bamboo: shoots, stems and leaves.  It also eats small rodents!\n\nNew paragraph\there.',
  'Größe, naïve café — ﬁne ligatures and ① numbers 3.14159, e-mail x@y.z, URL https://a.b/c?d=e&f',
  '大熊猫几乎只吃竹子。 竹子占其食物的百分之九十九。 mixed中文and English',
  'عربي يُكتب من اليمين إلى اليسار و עברית 🐼🎋 emoji \u0007bell \u0000nul \ufffd replacement',
  'no\u00a0break\u2003em\u3000ideographic\u2028line\u2029para\ufeffbom zero\u200bwidth',
  'special tokens inline: [CLS] a[SEP]b [MASK]ed [PAD] [UNK]',
  'a'.repeat(150) + ' ' + 'supercalifragilisticexpialidocious'.repeat(4) + ' short',
  '   leading and trailing   ',
  '',
  'ÀÉÎÕÜ àéîõü ÇçÑñ ẞß Ωω Ǆǅǆ ＦＵＬＬＷＩＤＴＨ ｶﾀｶﾅ',
];

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

async function tokenizerOf(folder: string, model: string): Promise<PreTrainedTokenizer> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${fixtures}${folder}/`;
  return AutoTokenizer.from_pretrained(model);
}

const jsonOf = (tokenizer: PreTrainedTokenizer): unknown => (tokenizer as unknown as { _tokenizerJSON: unknown })._tokenizerJSON;

describe('wordMemoTokenizer', () => {
  const cases: [string, string][] = [
    ['models', 'tiny-bert-reranker'],
    ['bench', 'ms-marco-minilm-l6-shape'],
  ];
  const loaded = new Map<string, PreTrainedTokenizer>();
  beforeAll(async () => {
    for (const [folder, model] of cases) loaded.set(model, await tokenizerOf(folder, model));
    loaded.set('tiny-xlmr-reranker', await tokenizerOf('models', 'tiny-xlmr-reranker'));
    loaded.set('tiny-gemma-reranker', await tokenizerOf('models', 'tiny-gemma-reranker'));
  });

  for (const [, model] of cases) {
    it(`gives the whole-text ids of ${model} on hostile text, twice (memo cold and warm)`, () => {
      const tokenizer = loaded.get(model) as PreTrainedTokenizer;
      const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
      const memo = wordMemoTokenizer(encode, jsonOf(tokenizer));
      expect(memo).toBeDefined();
      const texts = [...TEXTS, TEXTS.join(' '), TEXTS.join('\n')];
      for (let round = 0; round < 2; round++) {
        for (const text of texts) expect(memo?.(text), JSON.stringify(text)).toEqual(encode(text));
      }
    });
  }

  it("gives the Python ids of the BERT fixture's reference passages", () => {
    const tokenizer = loaded.get('tiny-bert-reranker') as PreTrainedTokenizer;
    const memo = wordMemoTokenizer((text) => tokenizer.encode(text, { add_special_tokens: false }), jsonOf(tokenizer));
    const reference = JSON.parse(readFileSync(`${fixtures}reference/tiny-bert-reranker.json`, 'utf8')) as {
      pairs: { query: string; passage: string; queryIds: number[]; passageIds: number[] }[];
    };
    for (const pair of reference.pairs) {
      expect(memo?.(pair.query)).toEqual(pair.queryIds);
      expect(memo?.(pair.passage)).toEqual(pair.passageIds);
    }
  });

  it('leaves SentencePiece and byte-level BPE tokenizers alone', () => {
    for (const model of ['tiny-xlmr-reranker', 'tiny-gemma-reranker']) {
      const tokenizer = loaded.get(model) as PreTrainedTokenizer;
      expect(wordMemoTokenizer((text) => tokenizer.encode(text), jsonOf(tokenizer))).toBeUndefined();
    }
  });
});

describe('wordMemoTokenizer bounds', () => {
  /** Passes isWordLocal; encode is a stand-in counting its calls (one id per character). */
  const WORDPIECE_JSON = { normalizer: { type: 'BertNormalizer' }, pre_tokenizer: { type: 'BertPreTokenizer' }, model: { type: 'WordPiece' } };
  const counted = () => {
    const calls: string[] = [];
    const encode = (text: string): number[] => (calls.push(text), Array.from(text, (char) => char.charCodeAt(0)));
    return { calls, encode };
  };

  it('never keeps words over maxWordChars: hostile text of long unique words leaves the memo empty', () => {
    const { calls, encode } = counted();
    const memo = wordMemoTokenizer(encode, WORDPIECE_JSON);
    expect(memo).toBeDefined();
    // 100 calls of 50 distinct 2,000-character words: 10M characters, none of them kept.
    for (let call = 0; call < 100; call++) {
      const text = Array.from({ length: 50 }, (_, w) => `${call}-${w}-${'x'.repeat(2_000)}`).join(' ');
      const got = memo?.(text) ?? [];
      if (call === 0) expect(got).toEqual(encode(text.replace(/ /g, '')));
      expect(got.length).toBe(text.length - 49);
    }
    expect(memo?.stats()).toEqual({ words: 0, chars: 0 });
    const long = 'y'.repeat(101);
    memo?.(long);
    memo?.(long);
    expect(calls.filter((text) => text === long)).toHaveLength(2);
  });

  it('bounds the characters of the words it keeps, and stays correct past the bound', () => {
    const { calls, encode } = counted();
    const memo = wordMemoTokenizer(encode, WORDPIECE_JSON, { maxWords: 1_000_000, maxChars: 10_000, maxWordChars: 100 });
    for (let call = 0; call < 100; call++) {
      const words = Array.from({ length: 100 }, (_, w) => `${String(call * 100 + w).padStart(6, '0')}${'z'.repeat(94)}`);
      expect(memo?.(words.join('\n'))).toEqual(encode(words.join('')));
      const stats = memo?.stats();
      expect(stats?.chars).toBeLessThanOrEqual(10_000);
      expect(stats?.words).toBeLessThanOrEqual(100);
    }
    // Short repeated words are still memoized: one encode per distinct word.
    calls.length = 0;
    memo?.('the panda the panda the');
    memo?.('panda the');
    expect(calls.sort()).toEqual(['panda', 'the']);
  });

  it('with the default limits, a million characters of distinct 100-character words stay within maxChars', () => {
    const memo = wordMemoTokenizer(() => [1], WORDPIECE_JSON);
    for (let call = 0; call < 300; call++) {
      memo?.(Array.from({ length: 100 }, (_, w) => `${call}.${w}.`.padEnd(100, 'q')).join(' '));
    }
    expect(memo?.stats().chars).toBe(3_000_000 - 2_000_000);
    expect(memo?.stats().chars).toBeLessThanOrEqual(WORD_MEMO_LIMITS.maxChars);
  });
});
