import { describe, expect, it } from 'vitest';
import { embeddingSetup, readModules, readPooling, readPrompts } from '../../src/engine/embedding-config.js';
import { RerankerError } from '../../src/shared/errors.js';

const MODULES = [
  { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
  { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
];
const pooling = (mode: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  word_embedding_dimension: 384,
  pooling_mode_cls_token: mode === 'cls',
  pooling_mode_mean_tokens: mode === 'mean',
  pooling_mode_max_tokens: mode === 'max',
  pooling_mode_mean_sqrt_len_tokens: false,
  pooling_mode_weightedmean_tokens: mode === 'weightedmean',
  pooling_mode_lasttoken: mode === 'lasttoken',
  ...extra,
});

function refusal(work: () => unknown): RerankerError {
  try {
    work();
  } catch (error) {
    if (error instanceof RerankerError) return error;
    throw error;
  }
  throw new Error('expected a RerankerError');
}

describe('sentence-transformers files', () => {
  it('reads the pooling folder and Normalize from modules.json', () => {
    expect(readModules('m', MODULES)).toEqual({ poolingPath: '1_Pooling', normalize: true });
    expect(readModules('m', MODULES.slice(0, 2))).toEqual({ poolingPath: '1_Pooling', normalize: false });
  });

  it('refuses a module it does not run (a Dense projection), naming modules.json', () => {
    const error = refusal(() => readModules('m', [...MODULES, { path: '3_Dense', type: 'sentence_transformers.models.Dense' }]));
    expect(error.code).toBe('unsupported-model');
    expect(error.message).toMatch(/modules\.json lists a module .*Dense/);
    expect(error.details['file']).toBe('modules.json');
  });

  it('reads CLS and mean pooling with the dimension', () => {
    expect(readPooling('m', '1_Pooling/config.json', pooling('cls'))).toEqual({ pooling: 'cls', dimensions: 384 });
    expect(readPooling('m', '1_Pooling/config.json', pooling('mean'))).toEqual({ pooling: 'mean', dimensions: 384 });
  });

  it.each(['max', 'weightedmean', 'lasttoken', 'none'])('refuses %s pooling, naming the file and the mode', (mode) => {
    const error = refusal(() => readPooling('org/m', '1_Pooling/config.json', pooling(mode)));
    expect(error.code).toBe('unsupported-model');
    expect(error.message).toContain('org/m: 1_Pooling/config.json');
    expect(error.message).toMatch(mode === 'none' ? /no pooling mode/ : new RegExp(`pooling_mode_${mode}`));
  });

  it('refuses two modes at once and include_prompt false', () => {
    expect(refusal(() => readPooling('m', 'p', { pooling_mode_cls_token: true, pooling_mode_mean_tokens: true })).message).toMatch(/cls_token \+ pooling_mode_mean_tokens/);
    expect(refusal(() => readPooling('m', 'p', pooling('mean', { include_prompt: false }))).message).toMatch(/include_prompt/);
  });

  it('reads the query prompt and the document side under its usual names', () => {
    expect(readPrompts({ prompts: { query: 'q: ', document: 'd: ' } })).toEqual({ query: 'q: ', document: 'd: ' });
    expect(readPrompts({ prompts: { query: 'query: ', passage: 'passage: ' } })).toEqual({ query: 'query: ', document: 'passage: ' });
    expect(readPrompts({ prompts: {} })).toEqual({});
    expect(readPrompts(undefined)).toEqual({});
  });
});

describe('embeddingSetup', () => {
  const files = { modules: MODULES, pooling: pooling('mean'), sbert: { max_seq_length: 256 } };

  it('takes the files, normalizes, and says where each choice came from', () => {
    const setup = embeddingSetup('sentence-transformers/all-MiniLM-L6-v2', files, {});
    expect(setup).toMatchObject({ pooling: 'mean', normalize: true, queryPrefix: '', documentPrefix: '', dimensions: 384, maxSeqLength: 256 });
    expect(setup.source).toContain('pooling: 1_Pooling/config.json');
  });

  it('uses the card prefixes of bge-en-v1.5 and e5 when the config has no prompts', () => {
    const bge = embeddingSetup('BAAI/bge-small-en-v1.5', { ...files, pooling: pooling('cls') }, {});
    expect(bge).toMatchObject({ pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ', documentPrefix: '' });
    const e5 = embeddingSetup('intfloat/multilingual-e5-small', files, {});
    expect(e5).toMatchObject({ queryPrefix: 'query: ', documentPrefix: 'passage: ' });
    expect(e5.source).toContain('e5 card');
  });

  it('prefers the config prompts to the card, and options to both', () => {
    const withPrompts = { ...files, prompts: { prompts: { query: 'Q> ', document: 'D> ' } } };
    expect(embeddingSetup('intfloat/e5-small-v2', withPrompts, {})).toMatchObject({ queryPrefix: 'Q> ', documentPrefix: 'D> ' });
    const overridden = embeddingSetup('intfloat/e5-small-v2', withPrompts, { queryPrefix: '', documentPrefix: 'doc: ', pooling: 'cls', normalize: false });
    expect(overridden).toMatchObject({ queryPrefix: '', documentPrefix: 'doc: ', pooling: 'cls', normalize: false });
    expect(overridden.source).toContain('queryPrefix: option');
  });

  it('refuses a model without a pooling config unless the pooling is given', () => {
    const error = refusal(() => embeddingSetup('org/plain-bert', {}, {}));
    expect(error.code).toBe('unsupported-model');
    expect(error.message).toMatch(/org\/plain-bert: 1_Pooling\/config\.json is missing/);
    expect(embeddingSetup('org/plain-bert', {}, { pooling: 'mean' })).toMatchObject({ pooling: 'mean', normalize: true });
  });

  it('refuses modules.json without a Pooling module, and a Normalize-less model stays unnormalized', () => {
    expect(refusal(() => embeddingSetup('m', { modules: MODULES.slice(0, 1) }, {})).message).toMatch(/lists no Pooling module/);
    expect(embeddingSetup('m', { modules: MODULES.slice(0, 2), pooling: pooling('cls') }, {}).normalize).toBe(false);
  });
});
