/**
 * Tracing token windows back to characters: with the fake one-token-per-character tokenizer, and with
 * the fixtures' real WordPiece and SentencePiece tokenizers as transformers.js loads them.
 */
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { charIds } from './fake-model.js';
import { CJK_CHARACTERS, WHITESPACE_WORDS, chunkSpan, mapTokensToChars } from '../../src/engine/char-spans.js';

describe('mapTokensToChars with one token per character', () => {
  it('maps every token to its whitespace-separated word', () => {
    const text = ' ab  cd';
    const map = mapTokensToChars(text, charIds(text), charIds);
    // ' ab' -> tokens ' ', 'a', 'b' all belong to 'ab' [1, 3); '  cd' -> 4 tokens of 'cd' [5, 7).
    expect(Array.from(map?.starts ?? [])).toEqual([1, 1, 1, 5, 5, 5, 5]);
    expect(Array.from(map?.ends ?? [])).toEqual([3, 3, 3, 7, 7, 7, 7]);
  });

  it('maps trailing whitespace to itself', () => {
    const map = mapTokensToChars('ab ', charIds('ab '), charIds);
    expect(Array.from(map?.starts ?? [])).toEqual([0, 0, 2]);
  });

  it('refuses when the tokens do not match the text', () => {
    expect(mapTokensToChars('ab cd', charIds('ab cx'), charIds)).toBeUndefined();
    expect(mapTokensToChars('ab', charIds('abc'), charIds)).toBeUndefined();
    // A tokenizer that merges across whitespace (here: drops it) cannot be traced word by word.
    const merging = (text: string) => charIds(text.replace(/\s/g, ''));
    expect(mapTokensToChars(' a b', merging(' a b'), (word) => charIds(word))).toBeUndefined();
  });

  it('stops at the tokens it needs', () => {
    const calls: string[] = [];
    const tokenize = (word: string) => {
      calls.push(word);
      return charIds(word);
    };
    const text = 'one two three four';
    expect(mapTokensToChars(text, charIds(text), tokenize, 5)?.starts).toHaveLength(5);
    expect(calls).toEqual(['one', ' two']);
  });
});

describe('chunkSpan', () => {
  const window = (start: number, end: number) => ({ index: 1, count: 3, total: 4, start, end });

  it('widens a window to whole words', () => {
    const text = 'alpha beta gamma';
    // tokens 7..12 are 'eta ga' -> words 'beta' and 'gamma'.
    expect(chunkSpan(text, charIds(text), window(7, 13), charIds)).toEqual({
      index: 1,
      count: 3,
      total: 4,
      tokenStart: 7,
      tokenEnd: 13,
      charStart: 6,
      charEnd: 16,
    });
  });

  it('spans the trimmed text for a whole-passage window, and has no characters for an empty one', () => {
    expect(chunkSpan('  hi  ', charIds('  hi  '), { index: 0, count: 1, total: 1, start: 0, end: 6 }, charIds)).toMatchObject({ charStart: 2, charEnd: 4 });
    expect(chunkSpan('hi', charIds('hi'), { index: 0, count: 1, total: 1, start: 0, end: 0 }, charIds)).not.toHaveProperty('charStart');
  });

  it('gives token spans only when tracing fails', () => {
    const span = chunkSpan('ab cd', charIds('ab cx'), window(1, 3), charIds);
    expect(span).toEqual({ index: 1, count: 3, total: 4, tokenStart: 1, tokenEnd: 3 });
  });
});

describe('tracing with the fixtures’ real tokenizers', () => {
  type Tokenize = (text: string) => number[];
  const tokenizers = new Map<string, Tokenize>();
  beforeAll(async () => {
    env.allowRemoteModels = false;
    env.localModelPath = fileURLToPath(new URL('../../fixtures/models/', import.meta.url));
    for (const model of ['tiny-bert-reranker', 'tiny-xlmr-reranker']) {
      const tokenizer = await AutoTokenizer.from_pretrained(model);
      tokenizers.set(model, (text) => tokenizer.encode(text, { add_special_tokens: false }));
    }
  });

  const TEXTS = [
    'The giant panda eats bamboo: shoots, stems and leaves.  It also eats small rodents!\n\nNew paragraph\there.',
    'Größe, naïve café — ﬁne ligatures and ① numbers 3.14159, e-mail x@y.z',
    '大熊猫几乎只吃竹子。 竹子占其食物的百分之九十九。 mixed 中文 and English',
    'عربي يُكتب من اليمين إلى اليسار و עברית גם כן 🐼🎋 emoji \u0007bell \ud800 lone surrogate  trailing  ',
  ];

  const checkPieces = (text: string, tokenize: Tokenize, pieces: RegExp): boolean => {
    const ids = tokenize(text);
    const map = mapTokensToChars(text, ids, tokenize, ids.length, pieces);
    if (map === undefined) return false;
    // Each piece's characters tokenize to exactly the tokens mapped to it.
    for (let token = 0; token < ids.length; ) {
      const start = map.starts[token] as number;
      const end = map.ends[token] as number;
      let last = token;
      while (last + 1 < ids.length && map.starts[last + 1] === start && map.ends[last + 1] === end) last++;
      expect(tokenize(text.slice(start, end))).toEqual(ids.slice(token, last + 1));
      token = last + 1;
    }
    return true;
  };

  it('tiny-bert-reranker (WordPiece): traceable by words and by CJK characters on every text', () => {
    const tokenize = tokenizers.get('tiny-bert-reranker') as Tokenize;
    for (const text of TEXTS) {
      expect(checkPieces(text, tokenize, WHITESPACE_WORDS), text).toBe(true);
      expect(checkPieces(text, tokenize, CJK_CHARACTERS), text).toBe(true);
    }
    // A window inside Chinese text is traced to its own characters.
    const text = '大熊猫几乎只吃竹子';
    const ids = tokenize(text);
    expect(ids).toHaveLength(9);
    expect(chunkSpan(text, ids, { index: 1, count: 2, total: 2, start: 3, end: 7 }, tokenize)).toMatchObject({ charStart: 3, charEnd: 7 });
  });

  it('tiny-xlmr-reranker (SentencePiece): traceable by words on every text, falling back from CJK characters', () => {
    const tokenize = tokenizers.get('tiny-xlmr-reranker') as Tokenize;
    for (const text of TEXTS) expect(checkPieces(text, tokenize, WHITESPACE_WORDS), text).toBe(true);
    const text = '大熊猫几乎只吃竹子。 竹子占其食物的百分之九十九。';
    const ids = tokenize(text);
    const span = chunkSpan(text, ids, { index: 1, count: 2, total: 2, start: ids.length - 2, end: ids.length }, tokenize);
    // Whatever the pieces, the span's text re-tokenizes to tokens that contain the window's.
    expect(span.charStart).toBeDefined();
    const again = tokenize(text.slice(span.charStart, span.charEnd)).join(',');
    expect(again).toContain(ids.slice(-2).join(','));
  });
});
