/**
 * Prompts of the LLM and layerwise rerankers, built by the library from each fixture's manifest with the
 * fixture tokenizer as transformers.js loads it, against the token ids Python built as the model cards do
 * (scripts/fixtures/make_llm_fixtures.py): FlagEmbedding's `[bos] A: q \n B: p \n prompt` with its
 * truncation, the Qwen2 chat template rendered by @huggingface/jinja, MiniCPM's `Query:` / `Instruction:`
 * prefixes through the tokenizer's pair template.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScoringOptions, scoringSetup, type ScoringOptions } from '../../src/engine/manifest-prompt.js';
import { planRows } from '../../src/engine/pair-rows.js';
import { encodeChatRow, fillTemplate, type ChatFormat } from '../../src/engine/prompt-format.js';
import { readManifest, type RerankerManifest } from '../../src/engine/reranker-manifest.js';
import { RerankerError } from '../../src/shared/errors.js';
import { tokenizerTools } from '../../src/runtime/tokenizer-tools.js';

interface LlmReference {
  maxLength: number;
  manifest: RerankerManifest;
  cases: { id: string; options: ScoringOptions; pairs: { id: string; query: string; passage: string; inputIds: number[]; truncated: boolean }[] }[];
}

const MODELS = ['tiny-gemma-reranker', 'tiny-qwen2-lb-reranker', 'tiny-layerwise-reranker', 'tiny-minicpm-reranker', 'tiny-qwen3-reranker', 'tiny-mxbai-reranker'];
const fixture = (path: string) => new URL(`../../fixtures/${path}`, import.meta.url);

for (const model of MODELS) {
  describe(`${model}: prompt token ids equal the Python ones`, () => {
    const reference = JSON.parse(readFileSync(fixture(`reference/${model}.json`), 'utf8')) as LlmReference;
    const config: unknown = JSON.parse(readFileSync(fixture(`models/${model}/config.json`), 'utf8'));
    let tokenizer: PreTrainedTokenizer;

    beforeAll(async () => {
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = fileURLToPath(fixture('models/'));
      tokenizer = await AutoTokenizer.from_pretrained(model);
    });

    it('reads the manifest the export tool wrote', () => {
      expect(readManifest(config, model)).toEqual(reference.manifest);
    });

    for (const testCase of reference.cases) {
      it(`${testCase.id}: every pair (${testCase.pairs.length})`, () => {
        const manifest = readManifest(config, model);
        checkScoringOptions(manifest, testCase.options, model);
        const setup = scoringSetup(manifest, testCase.options, tokenizerTools(tokenizer));
        const rowModel = { prompt: setup.prompt, maxLength: reference.maxLength, tokenize: tokenizerTools(tokenizer).tokenize };
        const planned = planRows(testCase.pairs.map((pair) => [pair.query, pair.passage] as const), rowModel, false);
        testCase.pairs.forEach((pair, index) => {
          expect(planned.rows[index]?.inputIds, pair.id).toEqual(pair.inputIds);
          expect(planned.rows[index]?.truncated, pair.id).toBe(pair.truncated);
        });
      });
    }
  });
}

describe('options a model does not take', () => {
  const manifestOf = (model: string) =>
    readManifest(JSON.parse(readFileSync(fixture(`models/${model}/config.json`), 'utf8')), model);

  it('are refused by name, with what the model does take', () => {
    const expectRefused = (model: string, options: ScoringOptions, argument: string) => {
      let caught: unknown;
      try {
        checkScoringOptions(manifestOf(model), options, model);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RerankerError);
      expect((caught as RerankerError).code).toBe('invalid-input');
      expect((caught as RerankerError).details['argument']).toBe(argument);
      expect((caught as RerankerError).message).toContain(argument);
    };
    expectRefused('tiny-gemma-reranker', { instruction: 'x' }, 'instruction');
    expectRefused('tiny-gemma-reranker', { cutoffLayer: 2 }, 'cutoffLayer');
    expectRefused('tiny-qwen2-lb-reranker', { prompt: 'x' }, 'prompt');
    expectRefused('tiny-minicpm-reranker', { prompt: 'x' }, 'prompt');
    expectRefused('tiny-layerwise-reranker', { cutoffLayer: 9 }, 'cutoffLayer');
    expectRefused('tiny-bert-reranker', { instruction: 'x' }, 'instruction');
  });

  it('are taken where the manifest lists them', () => {
    expect(() => checkScoringOptions(manifestOf('tiny-layerwise-reranker'), { cutoffLayer: 3, prompt: 'p' }, 'm')).not.toThrow();
    expect(() => checkScoringOptions(manifestOf('tiny-minicpm-reranker'), { instruction: 'i' }, 'm')).not.toThrow();
  });
});

describe('a manifest this version cannot use', () => {
  it('is an unsupported-model error that says to re-export', () => {
    expect(() => readManifest({ webgpu_reranker: { format: 2 } }, 'm')).toThrow(/re-export/i);
    expect(() => readManifest({ webgpu_reranker: { format: 1, head: 'logprob-soup' } }, 'm')).toThrow(RerankerError);
    expect(readManifest({ model_type: 'bert' }, 'm')).toBeUndefined();
  });
});

describe('prompt building pieces', () => {
  it('fills template slots in one pass, so text that looks like a slot stays as typed', () => {
    expect(fillTemplate('Q: {query} / P: {passage}', { query: 'about {passage}', passage: 'x' })).toBe('Q: about {passage} / P: x');
    expect(fillTemplate('{unknown} {query}', { query: 'q' })).toBe('{unknown} q');
  });

  it('cuts a chat prompt to maxLength at the passage, keeping the template around it', () => {
    // One token per character; the "template" wraps the pair in fixed text on both sides.
    const format: ChatFormat = { kind: 'chat', render: (q, p) => `<s>${q}|${p}</s>` };
    const tokenize = (text: string) => Array.from(text, (c) => c.codePointAt(0) ?? 0);
    const fits = encodeChatRow('query', 'passage', format, tokenize, 64);
    expect(fits.truncated).toBe(false);
    expect(String.fromCodePoint(...fits.inputIds)).toBe('<s>query|passage</s>');

    const cut = encodeChatRow('query', 'p'.repeat(100), format, tokenize, 30);
    expect(cut.truncated).toBe(true);
    expect(cut.inputIds).toHaveLength(30);
    expect(String.fromCodePoint(...cut.inputIds)).toBe(`<s>query|${'p'.repeat(17)}</s>`);

    // The query keeps at most floor(3/4 maxLength) tokens: 22 of 30.
    const longQuery = encodeChatRow('q'.repeat(40), 'p', format, tokenize, 30);
    expect(String.fromCodePoint(...longQuery.inputIds)).toBe(`<s>${'q'.repeat(22)}|</s>`);
    // Surrogate pairs are never split.
    const emoji = encodeChatRow('q', '🍕'.repeat(20), format, (text) => Array.from(text, () => 1), 12);
    expect(emoji.inputIds).toHaveLength(12);
  });

  it('says maxLength is too small when the template alone does not fit', () => {
    const format: ChatFormat = { kind: 'chat', render: (q, p) => `${'t'.repeat(20)}${q}${p}` };
    expect(() => encodeChatRow('q', 'p', format, (text) => Array.from(text, () => 1), 10)).toThrow(/too small/);
  });
});
