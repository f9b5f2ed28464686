/**
 * Tokenizing word by word, each distinct word once, for WordPiece tokenizers whose every step stays inside a
 * whitespace-separated word: BertNormalizer (lowercasing, accent stripping, control-character cleanup and
 * spacing around CJK characters act per character), BertPreTokenizer (splits on whitespace and
 * punctuation) and WordPiece (works per pre-token). Splitting the text at whitespace first and joining the
 * words' ids then gives exactly the ids of the whole text (tested against transformers.js on hostile text),
 * while a rerank's passages repeat most of their words, so most words are looked up instead of tokenized
 * (figures: docs/design.md, token cache and word memo).
 * Other tokenizers (SentencePiece, byte-level BPE: whitespace belongs to the next token there) are left as
 * they are.
 */

/** Whitespace every step above treats as a word boundary: tab, newline, carriage return and Unicode Zs. */
const WORD_BOUNDARY = /[\t\n\r\p{Zs}]+/u;

/**
 * What the memo may hold: distinct words, and characters of those words in all (a word is its own key, so
 * a hostile text of long unique words would otherwise fill memory with keys); past either the memo starts
 * over. Words longer than `maxWordChars` are tokenized each time and never kept: WordPiece gives a word over
 * 100 characters a single [UNK] anyway, and such words are rarely repeated.
 */
export interface WordMemoLimits {
  readonly maxWords: number;
  readonly maxChars: number;
  readonly maxWordChars: number;
}

/** About 2M characters of keys (4 MB of UTF-16) and their ids at most. */
export const WORD_MEMO_LIMITS: WordMemoLimits = { maxWords: 200_000, maxChars: 2_000_000, maxWordChars: 100 };

/** The memo's contents, for tests and diagnostics. */
export interface WordMemoStats {
  readonly words: number;
  readonly chars: number;
}

export type WordMemoEncode = ((text: string) => number[]) & { readonly stats: () => WordMemoStats };

interface TokenizerJson {
  readonly normalizer?: { readonly type?: string } | null;
  readonly pre_tokenizer?: { readonly type?: string } | null;
  readonly model?: { readonly type?: string };
  readonly added_tokens?: readonly { readonly content?: string }[];
}

/** A word-memoizing `encode`, or undefined when the tokenizer's steps may cross whitespace. */
export function wordMemoTokenizer(
  encode: (text: string) => number[],
  tokenizerJson: unknown,
  limits: WordMemoLimits = WORD_MEMO_LIMITS,
): WordMemoEncode | undefined {
  if (!isWordLocal(tokenizerJson)) return undefined;
  const memo = new Map<string, readonly number[]>();
  let chars = 0;
  const memoized = (text: string): number[] => {
    const ids: number[] = [];
    for (const word of text.split(WORD_BOUNDARY)) {
      if (word === '') continue;
      let wordIds = memo.get(word);
      if (wordIds === undefined) {
        wordIds = encode(word);
        if (word.length <= limits.maxWordChars) {
          if (memo.size >= limits.maxWords || chars + word.length > limits.maxChars) {
            memo.clear();
            chars = 0;
          }
          memo.set(word, wordIds);
          chars += word.length;
        }
      }
      for (const id of wordIds) ids.push(id);
    }
    return ids;
  };
  return Object.assign(memoized, { stats: (): WordMemoStats => ({ words: memo.size, chars }) });
}

function isWordLocal(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const { normalizer, pre_tokenizer: preTokenizer, model, added_tokens: added } = json as TokenizerJson;
  // An added token with whitespace inside would be split apart here but matched whole in the text.
  const addedSpanWords = (added ?? []).some((token) => WORD_BOUNDARY.test(token.content ?? ''));
  return normalizer?.type === 'BertNormalizer' && preTokenizer?.type === 'BertPreTokenizer' && model?.type === 'WordPiece' && !addedSpanWords;
}
