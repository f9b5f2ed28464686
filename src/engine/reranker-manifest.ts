/**
 * The manifest that `scripts/export/export_reranker.py` writes into an exported reranker's `config.json`
 * (key `webgpu_reranker`): which score head the graph feeds, how prompts are built, which options the model
 * takes. Cross-encoders exported by anyone else have no manifest and keep the cross-encoder path.
 */
import { RerankerError } from '../shared/errors.js';
import type { Dtype, HeadKind } from '../shared/types.js';

/** Query and passage tokenized apart and joined around fixed tokens (FlagEmbedding's LLM rerankers). */
export interface SegmentsPromptSpec {
  readonly style: 'segments';
  /** Starts with the tokenizer's bos token (`bos_token_id`). */
  readonly bos: boolean;
  /** `{query}` marks where the query goes, e.g. `A: {query}`. */
  readonly query_template: string;
  readonly passage_template: string;
  /** Tokens between the segments and before the prompt, e.g. `\n`. */
  readonly separator: string;
  /** The instruction after the passage; `prompt` overrides it where the model supports that option. */
  readonly prompt: string;
  /** Used when an `instruction` is given: `{instruction}` and `{query}` mark the spots. */
  readonly instruction_query_template?: string;
  /** Text tokenized apart and put before the row, outside the `max_length` budget (mxbai v2's chat prefix). */
  readonly lead?: string;
  /** Text tokenized apart and put after the prompt, outside the budget (mxbai v2's chat suffix). */
  readonly trail?: string;
}

/** The whole prompt rendered through the tokenizer's chat template and tokenized at once (lb-reranker). */
export interface ChatPromptSpec {
  readonly style: 'chat';
  readonly system: string;
  /** `{query}` and `{passage}` mark the spots. */
  readonly user_template: string;
  readonly add_generation_prompt: boolean;
  /**
   * The checkpoint's chat template when it kept it in `chat_template.jinja` (transformers 5's layout), which
   * transformers.js does not read; absent when the template is inside tokenizer_config.json. The export tool
   * copies the tokenizer files as they are and puts the file's template here.
   */
  readonly chat_template?: string;
}

/** A text pair through the tokenizer's own pair template, the query wrapped first (MiniCPM-Reranker). */
export interface PairPromptSpec {
  readonly style: 'pair';
  readonly query_template: string;
  /** Used when an `instruction` is given: `{instruction}` and `{query}` mark the spots. */
  readonly instruction_query_template?: string;
}

/**
 * A fixed prefix, one text with the instruction, query and passage filled in, and a fixed suffix, each tokenized
 * apart; only the middle text is cut (from its end) when the row is too long (Qwen3-Reranker's card:
 * `prefix_tokens + tokenizer(content, truncation=True, max_length=max_length - len(prefix) - len(suffix)) + suffix_tokens`).
 */
export interface WrappedPromptSpec {
  readonly style: 'wrapped';
  readonly prefix: string;
  /** `{instruction}`, `{query}` and `{passage}` mark the spots. */
  readonly template: string;
  readonly suffix: string;
  /** The instruction when the reranker is given none. */
  readonly default_instruction: string;
}

export type PromptSpec = SegmentsPromptSpec | ChatPromptSpec | PairPromptSpec | WrappedPromptSpec;

/** The per-reranker options a manifest can allow. */
export type ManifestOption = 'prompt' | 'instruction' | 'cutoffLayer';

export interface RerankerManifest {
  readonly format: 1;
  /** The export preset, e.g. `bge-reranker-v2-gemma`. */
  readonly preset: string;
  /** The model card the head and prompt follow. */
  readonly card: string;
  readonly head: HeadKind;
  readonly prompt: PromptSpec;
  readonly supports: readonly ManifestOption[];
  /** Default tokens per pair (the prompt after the passage in segments style comes on top). */
  readonly max_length: number;
  /** Positions the graph covers (its rotary table); maxLength plus the trailing prompt must stay within. */
  readonly max_positions?: number;
  readonly pad_token_id: number;
  readonly bos_token_id?: number;
  /** The tokens whose values the graph returns (yes-token, digit-expectation). */
  readonly scoring_tokens?: readonly string[];
  readonly scoring_token_ids?: readonly number[];
  /** Layerwise: the cutoff layers that have a graph (`onnx/model_layer{N}*.onnx`), and the default one. */
  readonly cutoff_layers?: readonly number[];
  readonly default_cutoff_layer?: number;
  /** The graph's output name: `scores` or `logits`. */
  readonly output: string;
  /** The weight formats exported (`onnx/model.onnx`, `onnx/model_quantized.onnx`, ...). */
  readonly dtypes?: readonly Dtype[];
}

const HEADS: readonly HeadKind[] = ['sequence-classification', 'yes-token', 'digit-expectation', 'layerwise'];
const OPTIONS: readonly ManifestOption[] = ['prompt', 'instruction', 'cutoffLayer'];

/** The manifest of `config` (the parsed config.json), or undefined for a plain cross-encoder. */
export function readManifest(config: unknown, model: string): RerankerManifest | undefined {
  const raw = (config as { webgpu_reranker?: unknown } | null)?.webgpu_reranker;
  if (raw === undefined) return undefined;
  const problem = manifestProblem(raw);
  if (problem !== undefined) {
    throw new RerankerError(
      'unsupported-model',
      `${model}'s config.json has a webgpu_reranker manifest this version cannot use (${problem}). ` +
        'Re-export the model with scripts/export/export_reranker.py of the same library version.',
      { details: { problem } },
    );
  }
  return raw as RerankerManifest;
}

function manifestProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const m = raw as Record<string, unknown>;
  if (m['format'] !== 1) return `format ${String(m['format'])}, expected 1`;
  if (!HEADS.includes(m['head'] as HeadKind)) return `unknown head ${String(m['head'])}`;
  if (!isPositiveInteger(m['max_length'])) return 'max_length is not a positive integer';
  if (!Number.isInteger(m['pad_token_id'])) return 'pad_token_id is missing';
  if (typeof m['output'] !== 'string') return 'output is missing';
  if (!Array.isArray(m['supports']) || !m['supports'].every((o) => OPTIONS.includes(o as ManifestOption))) {
    return 'supports lists an unknown option';
  }
  const prompt = m['prompt'] as Record<string, unknown> | undefined;
  if (typeof prompt !== 'object' || prompt === null) return 'prompt is missing';
  switch (prompt['style']) {
    case 'segments':
      if (!['query_template', 'passage_template', 'separator', 'prompt'].every((k) => typeof prompt[k] === 'string')) {
        return 'segments prompt lacks a template';
      }
      if (prompt['bos'] === true && !Number.isInteger(m['bos_token_id'])) return 'bos_token_id is missing';
      if (!['instruction_query_template', 'lead', 'trail'].every((k) => prompt[k] === undefined || typeof prompt[k] === 'string')) {
        return 'segments prompt has a non-text instruction_query_template, lead or trail';
      }
      break;
    case 'chat':
      if (typeof prompt['system'] !== 'string' || typeof prompt['user_template'] !== 'string') return 'chat prompt lacks its texts';
      if (prompt['chat_template'] !== undefined && typeof prompt['chat_template'] !== 'string') return 'chat_template is not a string';
      break;
    case 'pair':
      if (typeof prompt['query_template'] !== 'string') return 'pair prompt lacks query_template';
      break;
    case 'wrapped':
      if (!['prefix', 'template', 'suffix', 'default_instruction'].every((k) => typeof prompt[k] === 'string')) {
        return 'wrapped prompt lacks its prefix, template, suffix or default_instruction';
      }
      break;
    default:
      return `unknown prompt style ${String(prompt['style'])}`;
  }
  if (m['head'] === 'yes-token' || m['head'] === 'digit-expectation') {
    const ids = m['scoring_token_ids'];
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every(Number.isInteger)) return 'scoring_token_ids is missing';
  }
  if (m['head'] === 'layerwise') {
    const layers = m['cutoff_layers'];
    if (!Array.isArray(layers) || layers.length === 0 || !layers.every(isPositiveInteger)) return 'cutoff_layers is missing';
    if (!layers.includes(m['default_cutoff_layer'] as number)) return 'default_cutoff_layer is not one of cutoff_layers';
  }
  return undefined;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** The ONNX file stem under `onnx/`: one graph per cutoff layer for layerwise models. */
export function graphStem(manifest: RerankerManifest | undefined, cutoffLayer: number | undefined): string {
  if (manifest?.head !== 'layerwise') return 'model';
  return `model_layer${cutoffLayer ?? (manifest.default_cutoff_layer as number)}`;
}
