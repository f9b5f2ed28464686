/**
 * From a model's manifest and the reranker's options to what runs: the prompt format, the score head, the
 * graph to load, and the `info.scoring` the page shows. Options the model does not take are refused here,
 * by name, instead of being ignored.
 */
import { checkChatTemplate, probeChatRender } from './chat-template.js';
import { scoreHead, type ScoreHead } from './heads/score-head.js';
import type { PairTemplate } from './pair-encoding.js';
import { crossEncoderFormat, fillTemplate, supportsChunking, type PromptFormat } from './prompt-format.js';
import { graphStem, type ManifestOption, type RerankerManifest } from './reranker-manifest.js';
import { RerankerError } from '../shared/errors.js';
import type { ScoringInfo } from '../shared/types.js';

export interface ScoringOptions {
  readonly prompt?: string | undefined;
  readonly instruction?: string | undefined;
  readonly cutoffLayer?: number | undefined;
}

export interface TokenizerTools {
  /** Token ids of `text` without special tokens. */
  tokenize(text: string): number[];
  /** The tokenizer's own pair template (prefix A middle B suffix). */
  pairTemplate(): PairTemplate;
  /**
   * A chat template rendered to text: `template` when given (the manifest's copy of a checkpoint's
   * chat_template.jinja), else the one in the tokenizer's tokenizer_config.json.
   */
  renderChat(messages: readonly { role: string; content: string }[], addGenerationPrompt: boolean, template?: string): string;
  /** The tokenizer's `chat_template` as read from tokenizer_config.json (checked before it runs). */
  chatTemplate?(): unknown;
}

export interface ScoringSetup {
  readonly prompt: PromptFormat;
  /**
   * The prompt with `instruction` in place of the reranker's, for one call; the rest (prompt text, head,
   * graph) as loaded. Throws `invalid-input`, naming the model and the options it takes, when the model has
   * no instruction slot.
   */
  promptFor(instruction: string): PromptFormat;
  readonly head: ScoreHead;
  /** ONNX file stem under `onnx/`. */
  readonly graph: string;
  readonly info: ScoringInfo;
}

const OPTION_HELP: Record<ManifestOption, string> = {
  prompt: 'the prompt after the passage of FlagEmbedding LLM rerankers (bge-reranker-v2-gemma, minicpm-layerwise)',
  instruction: 'the task instruction of MiniCPM-Reranker, Qwen3-Reranker and mxbai-rerank v2',
  cutoffLayer: 'the layer a layerwise reranker stops at (bge-reranker-v2-minicpm-layerwise)',
};

/** Refuses options the model does not take; `model` names it in the message. */
export function checkScoringOptions(manifest: RerankerManifest | undefined, options: ScoringOptions, model: string): void {
  const supported = manifest?.supports ?? [];
  for (const option of ['prompt', 'instruction', 'cutoffLayer'] as const) {
    if (options[option] === undefined || supported.includes(option)) continue;
    throw new RerankerError(
      'invalid-input',
      `${option} is not an option of ${model}: it is ${OPTION_HELP[option]}. ` +
        (supported.length === 0 ? 'This model takes none of these options.' : `This model takes: ${supported.join(', ')}.`),
      { details: { argument: option } },
    );
  }
  const layers = manifest?.cutoff_layers;
  if (options.cutoffLayer !== undefined && layers !== undefined && !layers.includes(options.cutoffLayer)) {
    throw new RerankerError(
      'invalid-input',
      `cutoffLayer ${options.cutoffLayer} has no exported graph for ${model}; its cutoff layers are ${layers.join(', ')}. ` +
        'Export more with scripts/export/export_reranker.py --cutoff-layers.',
      { details: { argument: 'cutoffLayer', available: layers.join(',') } },
    );
  }
}

export function scoringSetup(
  manifest: RerankerManifest | undefined,
  options: ScoringOptions,
  tools: TokenizerTools,
  model = 'the model',
): ScoringSetup {
  if (manifest === undefined) {
    const prompt = crossEncoderFormat(tools.pairTemplate());
    return {
      prompt,
      promptFor: (instruction) => {
        checkScoringOptions(manifest, { instruction }, model); // throws: a cross-encoder has no instruction slot
        return prompt;
      },
      head: scoreHead('sequence-classification'),
      graph: 'model',
      info: { head: 'sequence-classification', promptStyle: 'pair', supportsChunking: supportsChunking(prompt) },
    };
  }
  const spec = manifest.prompt;
  const width = manifest.scoring_token_ids?.length ?? 1;
  const head = scoreHead(manifest.head, width);
  const cutoffLayer = manifest.head === 'layerwise' ? options.cutoffLayer ?? manifest.default_cutoff_layer : undefined;
  const base = {
    head: manifest.head,
    promptStyle: spec.style,
    card: manifest.card,
    ...(manifest.scoring_tokens === undefined ? {} : { scoringTokens: manifest.scoring_tokens }),
    ...(cutoffLayer === undefined ? {} : { cutoffLayer, cutoffLayers: manifest.cutoff_layers ?? [] }),
  };
  const { prompt, text } = promptOf(manifest, options, tools, model);
  const promptFor = (instruction: string): PromptFormat => {
    checkScoringOptions(manifest, { instruction }, model);
    return promptOf(manifest, { ...options, instruction }, tools, model).prompt;
  };
  return {
    prompt,
    promptFor,
    head,
    graph: graphStem(manifest, cutoffLayer),
    info: { ...base, ...text, supportsChunking: supportsChunking(prompt) },
  };
}

/** The prompt format of `options` and the texts `info.scoring` reports for it. */
function promptOf(
  manifest: RerankerManifest,
  options: ScoringOptions,
  tools: TokenizerTools,
  model: string,
): { prompt: PromptFormat; text: { prompt?: string; instruction?: string } } {
  const spec = manifest.prompt;
  switch (spec.style) {
    case 'segments': {
      const separator = tools.tokenize(spec.separator);
      const promptText = options.prompt ?? spec.prompt;
      const instruction = options.instruction;
      const queryTemplate = instruction === undefined ? spec.query_template : spec.instruction_query_template ?? spec.query_template;
      const prompt: PromptFormat = {
        kind: 'segments',
        template: {
          prefix: spec.bos ? [manifest.bos_token_id as number] : [],
          middle: separator,
          suffix: [],
          typeIds: { prefix: 0, a: 0, middle: 0, b: 0, suffix: 0 },
        },
        queryText: (query) => fillTemplate(queryTemplate, { query, instruction: instruction ?? '' }),
        passageText: (passage) => fillTemplate(spec.passage_template, { passage }),
        tail: [...separator, ...tools.tokenize(promptText), ...(spec.trail === undefined ? [] : tools.tokenize(spec.trail))],
        lead: spec.lead === undefined ? [] : tools.tokenize(spec.lead),
        verbatimPassage: spec.passage_template === '{passage}',
      };
      return { prompt, text: { prompt: promptText, ...(instruction === undefined ? {} : { instruction }) } };
    }
    case 'pair': {
      const instruction = options.instruction;
      const template = instruction === undefined ? spec.query_template : spec.instruction_query_template ?? spec.query_template;
      const prompt: PromptFormat = {
        ...crossEncoderFormat(tools.pairTemplate()),
        queryText: (query) => fillTemplate(template, { query, instruction: instruction ?? '' }),
      };
      return { prompt, text: instruction === undefined ? {} : { instruction } };
    }
    case 'wrapped': {
      const instruction = options.instruction ?? spec.default_instruction;
      const prompt: PromptFormat = {
        kind: 'wrapped',
        prefix: tools.tokenize(spec.prefix),
        suffix: tools.tokenize(spec.suffix),
        render: (query, passage) => fillTemplate(spec.template, { instruction, query, passage }),
      };
      return { prompt, text: { instruction } };
    }
    case 'chat': {
      // The manifest's template (a checkpoint's chat_template.jinja) wins over tokenizer_config.json's.
      if (spec.chat_template !== undefined || tools.chatTemplate !== undefined) {
        checkChatTemplate(spec.chat_template ?? tools.chatTemplate?.(), model);
      }
      const render = (query: string, passage: string): string =>
        tools.renderChat(
          [
            { role: 'system', content: spec.system },
            { role: 'user', content: fillTemplate(spec.user_template, { query, passage }) },
          ],
          spec.add_generation_prompt,
          spec.chat_template,
        );
      probeChatRender(render, model);
      return { prompt: { kind: 'chat', render }, text: {} };
    }
  }
}
