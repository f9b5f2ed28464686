/**
 * Every manifest field that shapes lengths, prompts or scores is checked: a bad one is an `unsupported-model`
 * naming the field and saying to re-export, never NaN lengths or wrong scores. The fixtures' own manifests pass.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/engine/reranker-manifest.js';

const root = new URL('../../fixtures/models/', import.meta.url);
const configs = readdirSync(root)
  .map((name) => ({ name, config: JSON.parse(readFileSync(new URL(`${name}/config.json`, root), 'utf8')) as { webgpu_reranker?: Record<string, unknown> } }))
  .filter(({ config }) => config.webgpu_reranker !== undefined);

function refusal(config: unknown): { code: string; field: unknown; message: string } | undefined {
  try {
    readManifest(config, 'm');
    return undefined;
  } catch (error) {
    const typed = error as { code: string; details: Record<string, unknown>; message: string };
    return { code: typed.code, field: typed.details['field'], message: typed.message };
  }
}

describe('manifest fields', () => {
  it('the exported fixtures pass', () => {
    expect(configs.length).toBeGreaterThanOrEqual(4);
    for (const { name, config } of configs) expect(refusal(config), name).toBeUndefined();
  });

  const gemma = configs.find(({ name }) => name.includes('gemma'))?.config.webgpu_reranker ?? {};
  const withField = (path: string, value: unknown) => {
    const manifest = structuredClone(gemma) as Record<string, unknown>;
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) manifest[head] = value;
    else (manifest[head] as Record<string, unknown>)[tail] = value;
    return { webgpu_reranker: manifest };
  };

  for (const [field, value] of [
    ['max_positions', 0],
    ['max_positions', -512],
    ['max_positions', 512.5],
    ['max_positions', '512'],
    ['max_positions', Number.NaN],
    ['max_length', 1e12],
    ['pad_token_id', -1],
    ['pad_token_id', 1.5],
    ['bos_token_id', -3],
    ['bos_token_id', '1593'],
    ['bos_token_id', undefined],
    ['card', 42],
    ['scoring_tokens', 'Yes'],
    ['scoring_tokens', ['Yes', 'No', 'Maybe']],
    ['scoring_token_ids', [801, 2, 3]],
    ['scoring_token_ids', [-1]],
    ['scoring_token_ids', [1e9]],
    ['dtypes', ['fp64']],
    ['dtypes', []],
    ['output', ''],
    ['prompt.bos', 'yes'],
    ['prompt.query_template', 'A: {passage}'],
    ['prompt.passage_template', 7],
    ['prompt.separator', null],
  ] as const) {
    it(`refuses ${field} = ${JSON.stringify(value) ?? String(value)}, naming it`, () => {
      const found = refusal(withField(field, value));
      expect(found?.code).toBe('unsupported-model');
      expect(found?.field).toBe(field === 'prompt.bos' ? 'prompt.bos' : field === 'bos_token_id' && value === undefined ? 'bos_token_id' : field);
      expect(found?.message).toContain(String(found?.field));
      expect(found?.message).toMatch(/Re-export/);
    });
  }

  it('checks instruction_query_template and the digit head', () => {
    const minicpm = configs.find(({ config }) => (config.webgpu_reranker?.['prompt'] as { style?: string }).style === 'pair')?.config;
    const lb = configs.find(({ config }) => config.webgpu_reranker?.['head'] === 'digit-expectation')?.config;
    expect(minicpm).toBeDefined();
    expect(lb).toBeDefined();
    const pair = structuredClone(minicpm) as { webgpu_reranker: { prompt: Record<string, unknown> } };
    pair.webgpu_reranker.prompt['instruction_query_template'] = 'Instruction: {instruction}';
    expect(refusal(pair)?.field).toBe('prompt.instruction_query_template');
    pair.webgpu_reranker.prompt['instruction_query_template'] = ['x'];
    expect(refusal(pair)?.field).toBe('prompt.instruction_query_template');
    const digits = structuredClone(lb) as { webgpu_reranker: Record<string, unknown> };
    digits.webgpu_reranker['scoring_token_ids'] = [5];
    digits.webgpu_reranker['scoring_tokens'] = ['1'];
    expect(refusal(digits)?.field).toBe('scoring_token_ids');
  });
});
