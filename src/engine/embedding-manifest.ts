/**
 * The manifest that `scripts/export/export_embedding.py` writes into an exported embedder's `config.json`
 * (key `webgpu_embedder`), for models whose pooling lives in remote code (MiniCPM-Embedding): the graph returns
 * the pooled, L2-normalized sentence embedding, and the manifest says the prompts, the token limit and the
 * dtypes exported. Sentence-transformers models from the Hub have no manifest and keep their own files.
 */
import { RerankerError } from '../shared/errors.js';
import { onnxFile } from '../shared/model-cache.js';
import type { Dtype } from '../shared/types.js';

export interface EmbedderManifest {
  readonly format: 1;
  readonly preset: string;
  readonly card: string;
  /** The graph output holding one vector per text, [rows, dimensions]. */
  readonly output: string;
  /** What the graph computes, for `info.pooling` (the pooling itself is in the graph). */
  readonly pooling: 'weightedmean' | 'mean' | 'cls';
  readonly dimensions: number;
  readonly query_prefix: string;
  /** Used when an `instruction` is given: `{instruction}` marks the spot. */
  readonly instruction_query_prefix?: string;
  readonly document_prefix: string;
  readonly supports: readonly 'instruction'[];
  readonly max_length: number;
  readonly dtypes?: readonly Dtype[];
}

const KEY = 'webgpu_embedder';
const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];
const POOLINGS = ['weightedmean', 'mean', 'cls'] as const;

function refused(model: string, what: string): RerankerError {
  return new RerankerError(
    'unsupported-model',
    `${model}: config.json's ${KEY} manifest ${what}. Re-export the model with scripts/export/export_reranker.py (an embedding preset) ` +
      'or update webgpu-reranker.',
    { details: { file: 'config.json' } },
  );
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 1000;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** The manifest of an exported embedder, checked; `undefined` when config.json has none. */
export function readEmbedderManifest(config: unknown, model: string): EmbedderManifest | undefined {
  const raw = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)[KEY] : undefined;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw refused(model, 'is not an object');
  const m = raw as Record<string, unknown>;
  if (m['format'] !== 1) throw refused(model, `has format ${String(m['format'])}; this version reads format 1`);
  if (typeof m['output'] !== 'string' || m['output'] === '') throw refused(model, 'names no output');
  if (!POOLINGS.includes(m['pooling'] as (typeof POOLINGS)[number])) throw refused(model, `has pooling ${String(m['pooling'])}`);
  if (m['pooled_in_graph'] !== true) throw refused(model, 'does not say the graph pools (pooled_in_graph)');
  if (!isPositiveInteger(m['dimensions'])) throw refused(model, 'has no dimensions');
  if (!isPositiveInteger(m['max_length'])) throw refused(model, 'has no max_length');
  for (const name of ['query_prefix', 'document_prefix']) {
    if (!isText(m[name])) throw refused(model, `has no ${name} text`);
  }
  const instructionPrefix = m['instruction_query_prefix'];
  if (instructionPrefix !== undefined && !(isText(instructionPrefix) && instructionPrefix.includes('{instruction}'))) {
    throw refused(model, 'has an instruction_query_prefix without an {instruction} slot');
  }
  const supports = m['supports'] ?? [];
  if (!Array.isArray(supports) || supports.some((s) => s !== 'instruction')) throw refused(model, `supports options this version does not know (${String(supports)})`);
  if (supports.includes('instruction') && instructionPrefix === undefined) throw refused(model, 'supports instruction without an instruction_query_prefix');
  const dtypes = m['dtypes'];
  if (dtypes !== undefined && (!Array.isArray(dtypes) || dtypes.length === 0 || dtypes.some((d) => !DTYPES.includes(d as Dtype)))) {
    throw refused(model, `lists dtypes this version does not know (${String(dtypes)})`);
  }
  return raw as EmbedderManifest;
}

/** The query prefix with the instruction filled in, or the plain one; an instruction the model has no slot for is refused. */
export function manifestQueryPrefix(manifest: EmbedderManifest, model: string, instruction: string | undefined): string {
  if (instruction === undefined) return manifest.query_prefix;
  if (!manifest.supports.includes('instruction') || manifest.instruction_query_prefix === undefined) {
    throw new RerankerError('invalid-input', `${model} takes no instruction (its export has no instruction slot); leave instruction out.`, {
      details: { argument: 'instruction' },
    });
  }
  return manifest.instruction_query_prefix.split('{instruction}').join(instruction);
}

/**
 * The dtype to load: the one asked for when it was exported; under `dtype: 'auto'`, q4 then fp32 when the
 * device's default (q8 on WASM, fp32 on WebGPU) was not exported. An explicit dtype that was not exported is
 * refused naming the file and what there is.
 */
export function manifestDtype(manifest: EmbedderManifest | undefined, model: string, requested: string | undefined, wanted: Dtype): Dtype {
  const exported = manifest?.dtypes;
  if (exported === undefined || exported.includes(wanted)) return wanted;
  if ((requested ?? 'auto') === 'auto') {
    const fallback = (['q4', 'fp32'] as const).find((d) => exported.includes(d));
    if (fallback !== undefined) return fallback;
  }
  throw new RerankerError(
    'model-not-found',
    `${model} was exported without ${wanted} weights (no ${onnxFile('model', wanted)}); ` +
      `it has ${exported.join(', ')}. Pick one of those dtypes or re-export with --dtypes.`,
    { details: { argument: 'dtype', available: exported.join(',') } },
  );
}
