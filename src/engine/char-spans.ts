/**
 * Traces a passage's tokens back to character positions in its text, so a UI can highlight the window
 * that won. transformers.js gives no offset mapping, and decoded tokens are normalized (lower-cased,
 * accents stripped), so they cannot be searched for in the text.
 *
 * Instead the text is cut into pieces (words with the whitespace before them, or single CJK characters)
 * and each piece is tokenized alone. The supported tokenizers (WordPiece, SentencePiece/Metaspace,
 * byte-level BPE) never merge across whitespace, so the pieces' tokens joined are the passage's tokens,
 * and each token belongs to one piece. That is checked, not assumed: if the joined tokens differ in any
 * way, no mapping is returned and results carry token spans only.
 */
import type { ChunkSpan } from '../shared/types.js';

export interface TokenCharMap {
  /** Start of the word (its non-whitespace part) that token `i` belongs to. */
  readonly starts: Int32Array;
  /** End of that word. */
  readonly ends: Int32Array;
}

/** Words with the whitespace before them; the first word also takes any leading whitespace. */
export const WHITESPACE_WORDS = /\s*\S+/gu;
/**
 * Finer pieces for scripts written without spaces: each Han, Hiragana or Katakana character alone.
 * WordPiece tokenizers split these characters apart anyway (`tokenize_chinese_chars`), so a window in
 * Chinese text is traced to its characters rather than to the whole run between spaces.
 */
export const CJK_CHARACTERS = /\s*(?:[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+)/gu;

/**
 * Maps the first `needed` tokens (default: all) to characters, or `undefined` when word-by-word
 * tokenization does not reproduce them. Stopping at `needed` keeps tracing an early window cheap; the
 * tokens it maps are still checked one by one.
 */
export function mapTokensToChars(
  text: string,
  passageIds: readonly number[],
  tokenize: (text: string) => number[],
  needed = passageIds.length,
  pieces: RegExp = WHITESPACE_WORDS,
): TokenCharMap | undefined {
  const starts = new Int32Array(needed);
  const ends = new Int32Array(needed);
  let token = 0;
  const take = (piece: string, start: number, end: number): boolean => {
    for (const id of tokenize(piece)) {
      if (token >= passageIds.length || passageIds[token] !== id) return false;
      if (token < needed) {
        starts[token] = start;
        ends[token] = end;
      }
      token++;
    }
    return true;
  };
  let consumed = 0;
  for (const match of text.matchAll(pieces)) {
    if (token >= needed) return { starts, ends };
    const word = match[0];
    consumed = match.index + word.length;
    if (!take(word, consumed - word.trimStart().length, consumed)) return undefined;
  }
  // Trailing whitespace can be a token of its own (a lone '▁' in SentencePiece): it maps to itself.
  if (consumed < text.length && !take(text.slice(consumed), consumed, text.length)) return undefined;
  return token === passageIds.length || token >= needed ? { starts, ends } : undefined;
}

/** The characters of tokens `[tokenStart, tokenEnd)`, or `undefined` for an empty window. */
export function charSpan(
  map: TokenCharMap,
  tokenStart: number,
  tokenEnd: number,
): { charStart: number; charEnd: number } | undefined {
  const first = map.starts[tokenStart];
  const last = map.ends[tokenEnd - 1];
  if (tokenEnd <= tokenStart || first === undefined || last === undefined) return undefined;
  return { charStart: first, charEnd: last };
}

/**
 * The public `ChunkSpan` of a pair's winning window. A window that is the whole passage spans the whole
 * text (trimmed) without any tracing; otherwise the passage is traced piece by piece (see above).
 */
export function chunkSpan(
  document: string,
  passageIds: readonly number[],
  window: { index: number; count: number; total: number; start: number; end: number },
  tokenize: (text: string) => number[],
): ChunkSpan {
  const span: ChunkSpan = {
    index: window.index,
    count: window.count,
    total: window.total,
    tokenStart: window.start,
    tokenEnd: window.end,
  };
  if (window.end <= window.start) return span;
  if (window.start === 0 && window.end === passageIds.length) {
    const charStart = document.length - document.trimStart().length;
    return { ...span, charStart, charEnd: document.trimEnd().length };
  }
  // The finer pieces first; tokenizers that merge CJK characters (SentencePiece) fail that check, then
  // whitespace-separated words are tried.
  const map =
    mapTokensToChars(document, passageIds, tokenize, window.end, CJK_CHARACTERS) ??
    mapTokensToChars(document, passageIds, tokenize, window.end, WHITESPACE_WORDS);
  const chars = map === undefined ? undefined : charSpan(map, window.start, window.end);
  return chars === undefined ? span : { ...span, ...chars };
}
