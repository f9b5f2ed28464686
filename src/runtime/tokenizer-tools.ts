/**
 * What the engine needs of a loaded tokenizer (see manifest-prompt.ts): ids without special tokens (through
 * the WordPiece word memo where it applies), the pair template read off the tokenizer's own post-processor,
 * and chat templates rendered to text. Typed by the few members it uses, so only transformers-runtime.ts
 * imports transformers.js.
 */
import type { TokenizerTools } from '../engine/manifest-prompt.js';
import { deriveTemplate } from '../engine/pair-encoding.js';
import { wordMemoTokenizer } from './word-memo-tokenizer.js';

/** The members of a transformers.js tokenizer used here (transformers.js tokenizers are callable). */
export interface LoadedTokenizer {
  (text: string, options: { text_pair: string; add_special_tokens: boolean; return_tensor: boolean; return_token_type_ids: boolean }): unknown;
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  apply_chat_template(messages: { role: string; content: string }[], options: { tokenize: false; add_generation_prompt: boolean; chat_template?: string }): unknown;
}

/** What the engine needs of the tokenizer to build prompts (see manifest-prompt.ts). */
export function tokenizerTools(tokenizer: LoadedTokenizer): TokenizerTools {
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
  return {
    // transformers.js keeps the parsed tokenizer.json as a private field; if a release drops it, the memo is
    // simply not used (wordMemoTokenizer takes only configurations it recognises).
    tokenize: wordMemoTokenizer(encode, (tokenizer as unknown as { _tokenizerJSON?: unknown })._tokenizerJSON) ?? encode,
    pairTemplate: () => deriveTemplate(probePair(tokenizer)),
    chatTemplate: () => (tokenizer as unknown as { chat_template?: unknown }).chat_template,
    renderChat: (messages, addGenerationPrompt, template) => {
      const text = tokenizer.apply_chat_template(messages as { role: string; content: string }[], {
        tokenize: false,
        add_generation_prompt: addGenerationPrompt,
        ...(template === undefined ? {} : { chat_template: template }),
      });
      if (typeof text !== 'string') throw new TypeError('apply_chat_template returned token ids where text was asked for');
      return text;
    },
  };
}

/**
 * A token's id in the tokenizer's vocabulary (`convert_tokens_to_ids` in Python: the entry itself, not the first
 * token of a text), or undefined when the vocabulary has no such entry.
 */
export function vocabularyLookup(tokenizer: unknown): (token: string) => number | undefined {
  const vocab = (tokenizer as { get_vocab?: () => Map<string, number> | Record<string, number> }).get_vocab?.();
  return (token) => (vocab instanceof Map ? vocab.get(token) : vocab?.[token]);
}

/** Encodes "a" / "b" alone and as a pair, so the template comes from the tokenizer's own post-processor. */
function probePair(tokenizer: LoadedTokenizer): Parameters<typeof deriveTemplate>[0] {
  const aIds = tokenizer.encode('a', { add_special_tokens: false });
  const bIds = tokenizer.encode('b', { add_special_tokens: false });
  const pair = tokenizer('a', { text_pair: 'b', add_special_tokens: true, return_tensor: false, return_token_type_ids: true }) as unknown as {
    input_ids: number[];
    token_type_ids?: number[];
  };
  return { aIds, bIds, pairIds: pair.input_ids, pairTypeIds: pair.token_type_ids };
}

/**
 * The special tokens the tokenizer's own post-processor puts around one text (`[CLS]` ... `[SEP]`,
 * `<s>` ... `</s>`), read by encoding "a" with and without them.
 */
export function singleTemplate(tokenizer: Pick<LoadedTokenizer, 'encode'>): { readonly lead: number[]; readonly tail: number[] } {
  const bare = tokenizer.encode('a', { add_special_tokens: false });
  const full = tokenizer.encode('a', { add_special_tokens: true });
  for (let start = 0; start + bare.length <= full.length; start += 1) {
    if (bare.every((id, index) => full[start + index] === id)) return { lead: full.slice(0, start), tail: full.slice(start + bare.length) };
  }
  throw new RangeError('the tokenizer with special tokens does not contain the text\'s own ids; its single-text template is not a wrapper');
}
