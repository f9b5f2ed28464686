/**
 * How a sentence-embedding model turns text into a vector, read from its sentence-transformers files
 * (`modules.json`, `1_Pooling/config.json`, `config_sentence_transformers.json`, `sentence_bert_config.json`),
 * the card table below when the files say nothing of prefixes, and the caller's overrides. Pure: the runtime
 * fetches the files (an absent file is `undefined`) and passes them in.
 */
import { RerankerError } from '../shared/errors.js';
import type { EmbedderPooling, EmbeddingPooling } from '../shared/embedder-types.js';
import { manifestQueryPrefix, type EmbedderManifest } from './embedding-manifest.js';

export interface SentenceTransformersFiles {
  readonly modules?: unknown;
  /** `1_Pooling/config.json`, or the folder `modules.json` names for its Pooling module. */
  readonly pooling?: unknown;
  readonly poolingPath?: string;
  readonly prompts?: unknown;
  readonly sbert?: unknown;
}

export interface EmbeddingOverrides {
  readonly pooling?: EmbeddingPooling;
  readonly normalize?: boolean;
  readonly queryPrefix?: string;
  readonly documentPrefix?: string;
  readonly instruction?: string;
}

export interface EmbeddingSetup {
  readonly pooling: EmbedderPooling;
  /** The graph returns one pooled vector per text (an exported embedder's manifest), not token vectors. */
  readonly pooledInGraph: boolean;
  /** The graph output to read when `pooledInGraph` (the manifest's `output`). */
  readonly graphOutput?: string;
  readonly normalize: boolean;
  readonly queryPrefix: string;
  readonly documentPrefix: string;
  /**
   * The query prompt with an `{instruction}` slot, for a call's own `instruction` (an exported embedder that
   * takes one, when no `queryPrefix` option replaced its query prompt); absent otherwise.
   */
  readonly instructionTemplate?: string;
  /** `word_embedding_dimension` of the pooling config, when it has one. */
  readonly dimensions?: number;
  /** `sentence_bert_config.json`'s `max_seq_length`, when present. */
  readonly maxSeqLength?: number;
  readonly source: string;
}

const POOLING_TYPE = 'sentence_transformers.models.Pooling';
const NORMALIZE_TYPE = 'sentence_transformers.models.Normalize';
const TRANSFORMER_TYPE = 'sentence_transformers.models.Transformer';
/** Prompt names sentence-transformers configs use for the document side, in the order they are tried. */
const DOCUMENT_PROMPT_NAMES = ['document', 'passage', 'doc', 'corpus'] as const;

/** Prefixes the model cards prescribe, for families whose configs do not carry them. */
const CARD_PREFIXES: readonly { readonly match: RegExp; readonly query: string; readonly document: string; readonly card: string }[] = [
  { match: /(^|\/)bge-(small|base|large)-en-v1\.5$/i, query: 'Represent this sentence for searching relevant passages: ', document: '', card: 'bge-en-v1.5 card' },
  { match: /(^|\/)(multilingual-)?e5-(small|base|large)(-v2)?$/i, query: 'query: ', document: 'passage: ', card: 'e5 card' },
];

function unsupported(model: string, file: string, what: string): RerankerError {
  return new RerankerError(
    'unsupported-model',
    `${model}: ${file} ${what}. This library embeds with CLS or mean pooling over a "last_hidden_state" output; ` +
      'pass `pooling` to createEmbedder if you know the model\'s pooling, or use a sentence-transformers model.',
    { details: { file } },
  );
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The modules of `modules.json`, checked: a Transformer, then Pooling, then optionally Normalize, nothing else. */
export function readModules(model: string, modules: unknown): { readonly poolingPath?: string; readonly normalize: boolean } {
  if (!Array.isArray(modules)) throw unsupported(model, 'modules.json', 'is not a list of modules');
  let poolingPath: string | undefined;
  let normalize = false;
  for (const entry of modules) {
    const type = record(entry)?.['type'];
    if (type === TRANSFORMER_TYPE) continue;
    if (type === POOLING_TYPE) {
      const path = record(entry)?.['path'];
      poolingPath = typeof path === 'string' && path !== '' ? path : '1_Pooling';
    } else if (type === NORMALIZE_TYPE) {
      normalize = true;
    } else {
      throw unsupported(model, 'modules.json', `lists a module this library does not run (${String(type)}, e.g. a Dense projection)`);
    }
  }
  return poolingPath === undefined ? { normalize } : { poolingPath, normalize };
}

/** The pooling of `1_Pooling/config.json`: exactly one of CLS or mean, prompts included. */
export function readPooling(model: string, file: string, config: unknown): { readonly pooling: EmbeddingPooling; readonly dimensions?: number } {
  const cfg = record(config);
  if (cfg === undefined) throw unsupported(model, file, 'is not a JSON object');
  const modes = Object.entries(cfg).filter(([key, value]) => key.startsWith('pooling_mode_') && value === true).map(([key]) => key);
  const supported: Record<string, EmbeddingPooling> = { pooling_mode_cls_token: 'cls', pooling_mode_mean_tokens: 'mean' };
  const [mode] = modes;
  const pooling = mode === undefined ? undefined : supported[mode];
  if (modes.length !== 1 || pooling === undefined) {
    throw unsupported(model, file, `sets ${modes.length === 0 ? 'no pooling mode' : modes.join(' + ')}; only pooling_mode_cls_token or pooling_mode_mean_tokens alone is supported`);
  }
  if (cfg['include_prompt'] === false) throw unsupported(model, file, 'sets include_prompt false (the prompt left out of pooling), which is not supported');
  const dims = cfg['word_embedding_dimension'];
  return typeof dims === 'number' && Number.isInteger(dims) && dims > 0 ? { pooling, dimensions: dims } : { pooling };
}

/** The query and document prompts of `config_sentence_transformers.json`, when it has any. */
export function readPrompts(config: unknown): { readonly query?: string; readonly document?: string } {
  const prompts = record(record(config)?.['prompts']);
  if (prompts === undefined) return {};
  const query = prompts['query'];
  const documentName = DOCUMENT_PROMPT_NAMES.find((name) => typeof prompts[name] === 'string');
  const document = documentName === undefined ? undefined : prompts[documentName];
  return {
    ...(typeof query === 'string' ? { query } : {}),
    ...(typeof document === 'string' ? { document } : {}),
  };
}

/** Everything at once; overrides win, then the files, then the card table. */
export function embeddingSetup(model: string, files: SentenceTransformersFiles, overrides: EmbeddingOverrides): EmbeddingSetup {
  const sources: string[] = [];
  const modules = files.modules === undefined ? undefined : readModules(model, files.modules);
  const poolingFile = `${modules?.poolingPath ?? '1_Pooling'}/config.json`;
  const read = files.pooling === undefined ? undefined : readPooling(model, poolingFile, files.pooling);
  if (modules !== undefined && modules.poolingPath === undefined && overrides.pooling === undefined) {
    throw unsupported(model, 'modules.json', 'lists no Pooling module');
  }
  if (overrides.instruction !== undefined) {
    throw new RerankerError('invalid-input', `${model} takes no instruction (only exported embedders with an instruction slot do); put it in queryPrefix instead.`, {
      details: { argument: 'instruction' },
    });
  }
  const pooling = overrides.pooling ?? read?.pooling;
  if (pooling === undefined) {
    throw unsupported(model, poolingFile, 'is missing (no sentence-transformers pooling config)');
  }
  sources.push(overrides.pooling !== undefined ? 'pooling: option' : `pooling: ${poolingFile}`);
  const normalize = overrides.normalize ?? modules?.normalize ?? true;
  sources.push(overrides.normalize !== undefined ? 'normalize: option' : modules !== undefined ? 'normalize: modules.json' : 'normalize: default');

  const prompts = readPrompts(files.prompts);
  const card = CARD_PREFIXES.find((entry) => entry.match.test(model));
  const side = (option: string | undefined, fromFile: string | undefined, fromCard: string | undefined, name: string): string => {
    if (option !== undefined) return sources.push(`${name}: option`), option;
    if (fromFile !== undefined) return sources.push(`${name}: config_sentence_transformers.json`), fromFile;
    if (fromCard !== undefined && card !== undefined) return sources.push(`${name}: ${card.card}`), fromCard;
    return '';
  };
  const queryPrefix = side(overrides.queryPrefix, prompts.query, card?.query, 'queryPrefix');
  const documentPrefix = side(overrides.documentPrefix, prompts.document, card?.document, 'documentPrefix');

  const maxSeq = record(files.sbert)?.['max_seq_length'];
  return {
    pooling,
    pooledInGraph: false,
    normalize,
    queryPrefix,
    documentPrefix,
    ...(read?.dimensions === undefined ? {} : { dimensions: read.dimensions }),
    ...(typeof maxSeq === 'number' && Number.isInteger(maxSeq) && maxSeq > 0 ? { maxSeqLength: maxSeq } : {}),
    source: sources.join(', '),
  };
}

/**
 * The setup of an exported embedder (embedding-manifest.ts): pooling and normalization are in the graph, the
 * prompts and the token limit come from the manifest; `queryPrefix` / `documentPrefix` options still win.
 */
export function manifestSetup(model: string, manifest: EmbedderManifest, overrides: EmbeddingOverrides): EmbeddingSetup {
  const inGraph = (argument: string): RerankerError =>
    new RerankerError('invalid-input', `${model} pools and L2-normalizes inside its graph (${manifest.card}); leave ${argument} out.`, {
      details: { argument },
    });
  if (overrides.pooling !== undefined) throw inGraph('pooling');
  if (overrides.normalize === false) throw inGraph('normalize');
  const sources = [`pooling: graph (config.json ${manifest.preset})`];
  const manifestQuery = manifestQueryPrefix(manifest, model, overrides.instruction);
  const side = (option: string | undefined, fromManifest: string, name: string, what: string): string => {
    sources.push(`${name}: ${option !== undefined ? 'option' : what}`);
    return option ?? fromManifest;
  };
  return {
    pooling: manifest.pooling,
    pooledInGraph: true,
    graphOutput: manifest.output,
    normalize: true,
    queryPrefix: side(overrides.queryPrefix, manifestQuery, 'queryPrefix', overrides.instruction === undefined ? 'config.json' : 'config.json + instruction'),
    documentPrefix: side(overrides.documentPrefix, manifest.document_prefix, 'documentPrefix', 'config.json'),
    ...(overrides.queryPrefix === undefined && manifest.supports.includes('instruction') && manifest.instruction_query_prefix !== undefined
      ? { instructionTemplate: manifest.instruction_query_prefix }
      : {}),
    dimensions: manifest.dimensions,
    maxSeqLength: manifest.max_length,
    source: sources.join(', '),
  };
}

/**
 * The prompt before a query: the embedder's own, or with a call's `instruction` in the slot. A model without
 * the slot (or whose query prompt a `queryPrefix` option replaced) refuses the call's instruction.
 */
export function queryPrefixFor(setup: EmbeddingSetup, model: string, instruction: string | undefined): string {
  if (instruction === undefined) return setup.queryPrefix;
  if (setup.instructionTemplate === undefined) {
    throw new RerankerError(
      'invalid-input',
      `${model} takes no per-call instruction: only exported embedders with an instruction slot do, and not when createEmbedder's ` +
        'queryPrefix replaced the query prompt. Leave instruction out (or put the text in queryPrefix).',
      { details: { argument: 'instruction' } },
    );
  }
  return setup.instructionTemplate.split('{instruction}').join(instruction);
}
