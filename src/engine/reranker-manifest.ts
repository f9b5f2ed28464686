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

/** Largest token count a manifest may give (max_length, max_positions): past any model this library serves. */
const MAX_MANIFEST_POSITIONS = 1 << 20;
/** Largest token id a manifest may give: past any vocabulary. */
const MAX_TOKEN_ID = 1 << 24;
const DTYPE_NAMES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];

/** The manifest of `config` (the parsed config.json), or undefined for a plain cross-encoder. */
export function readManifest(config: unknown, model: string): RerankerManifest | undefined {
  const raw = (config as { webgpu_reranker?: unknown } | null)?.webgpu_reranker;
  if (raw === undefined) return undefined;
  const problem = manifestProblem(raw);
  if (problem !== undefined) {
    throw new RerankerError(
      'unsupported-model',
      `${model}'s config.json has a webgpu_reranker manifest this version cannot use: ${problem.field} ${problem.text}. ` +
        'Re-export the model with scripts/export/export_reranker.py of the same library version.',
      { details: { field: problem.field, problem: `${problem.field} ${problem.text}` } },
    );
  }
  return raw as RerankerManifest;
}

interface Problem {
  /** The manifest field, e.g. `max_positions` or `prompt.query_template`. */
  readonly field: string;
  readonly text: string;
}

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < MAX_TOKEN_ID;
}

function manifestProblem(raw: unknown): Problem | undefined {
  const bad = (field: string, text: string): Problem => ({ field, text });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('webgpu_reranker', 'is not an object');
  const m = raw as Record<string, unknown>;
  if (m['format'] !== 1) return bad('format', `is ${String(m['format'])}, expected 1`);
  if (!HEADS.includes(m['head'] as HeadKind)) return bad('head', `is unknown (${String(m['head'])})`);
  if (m['preset'] !== undefined && typeof m['preset'] !== 'string') return bad('preset', 'is not a string');
  if (m['card'] !== undefined && typeof m['card'] !== 'string') return bad('card', 'is not a string');
  if (!isPositiveInteger(m['max_length']) || m['max_length'] < 8 || m['max_length'] > MAX_MANIFEST_POSITIONS) {
    return bad('max_length', `is not an integer from 8 to ${MAX_MANIFEST_POSITIONS}`);
  }
  if (m['max_positions'] !== undefined && (!isPositiveInteger(m['max_positions']) || m['max_positions'] > MAX_MANIFEST_POSITIONS)) {
    return bad('max_positions', 'is not a positive integer');
  }
  if (!isTokenId(m['pad_token_id'])) return bad('pad_token_id', 'is missing or not a token id (an integer of at least 0)');
  if (m['bos_token_id'] !== undefined && !isTokenId(m['bos_token_id'])) return bad('bos_token_id', 'is not a token id (an integer of at least 0)');
  if (typeof m['output'] !== 'string' || m['output'] === '') return bad('output', 'is missing');
  if (!Array.isArray(m['supports']) || !m['supports'].every((o) => OPTIONS.includes(o as ManifestOption))) {
    return bad('supports', 'lists an unknown option');
  }
  const dtypes = m['dtypes'];
  if (dtypes !== undefined && (!Array.isArray(dtypes) || dtypes.length === 0 || !dtypes.every((d) => DTYPE_NAMES.includes(d as Dtype)))) {
    return bad('dtypes', `must list some of ${DTYPE_NAMES.join(', ')}`);
  }
  const prompt = m['prompt'] as Record<string, unknown> | undefined;
  if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) return bad('prompt', 'is missing');
  const text = (key: string, ...slots: string[]): Problem | undefined => {
    const value = prompt[key];
    if (typeof value !== 'string') return bad(`prompt.${key}`, 'is not a string');
    const missing = slots.find((slot) => !value.includes(`{${slot}}`));
    return missing === undefined ? undefined : bad(`prompt.${key}`, `has no {${missing}}`);
  };
  switch (prompt['style']) {
    case 'segments': {
      const problem = text('query_template', 'query') ?? text('passage_template', 'passage') ?? text('separator') ?? text('prompt');
      if (problem !== undefined) return problem;
      if (prompt['bos'] !== undefined && typeof prompt['bos'] !== 'boolean') return bad('prompt.bos', 'is not true or false');
      if (prompt['bos'] === true && m['bos_token_id'] === undefined) return bad('bos_token_id', 'is missing (prompt.bos is true)');
      const optional =
        (prompt['instruction_query_template'] === undefined ? undefined : text('instruction_query_template', 'instruction', 'query')) ??
        (prompt['lead'] === undefined ? undefined : text('lead')) ??
        (prompt['trail'] === undefined ? undefined : text('trail'));
      if (optional !== undefined) return optional;
      break;
    }
    case 'chat': {
      const problem = text('system') ?? text('user_template', 'query', 'passage');
      if (problem !== undefined) return problem;
      if (prompt['add_generation_prompt'] !== undefined && typeof prompt['add_generation_prompt'] !== 'boolean') {
        return bad('prompt.add_generation_prompt', 'is not true or false');
      }
      if (prompt['chat_template'] !== undefined && typeof prompt['chat_template'] !== 'string') {
        return bad('prompt.chat_template', 'is not a string');
      }
      break;
    }
    case 'pair': {
      const problem = text('query_template', 'query') ?? (prompt['instruction_query_template'] === undefined ? undefined : text('instruction_query_template', 'instruction', 'query'));
      if (problem !== undefined) return problem;
      break;
    }
    case 'wrapped': {
      const problem = text('prefix') ?? text('template', 'instruction', 'query', 'passage') ?? text('suffix') ?? text('default_instruction');
      if (problem !== undefined) return problem;
      break;
    }
    default:
      return bad('prompt.style', `is unknown (${String(prompt['style'])})`);
  }
  const ids = m['scoring_token_ids'];
  if (m['head'] === 'yes-token' || m['head'] === 'digit-expectation') {
    const [least, most] = m['head'] === 'yes-token' ? [1, 2] : [2, 64];
    if (!Array.isArray(ids) || ids.length < least || ids.length > most || !ids.every(isTokenId)) {
      return bad('scoring_token_ids', `must be ${least} to ${most} token ids for the ${String(m['head'])} head`);
    }
  } else if (ids !== undefined && (!Array.isArray(ids) || !ids.every(isTokenId))) {
    return bad('scoring_token_ids', 'must be token ids');
  }
  const tokens = m['scoring_tokens'];
  if (tokens !== undefined) {
    if (!Array.isArray(tokens) || !tokens.every((token) => typeof token === 'string')) return bad('scoring_tokens', 'must be strings');
    if (Array.isArray(ids) && tokens.length !== ids.length) return bad('scoring_tokens', 'does not match scoring_token_ids in length');
  }
  if (m['head'] === 'layerwise') {
    const layers = m['cutoff_layers'];
    if (!Array.isArray(layers) || layers.length === 0 || !layers.every(isPositiveInteger)) return bad('cutoff_layers', 'is missing');
    if (!layers.includes(m['default_cutoff_layer'] as number)) return bad('default_cutoff_layer', 'is not one of cutoff_layers');
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
