/**
 * onnxruntime-web's WASM kernels against native onnxruntime-node, one thread each, in one Node process, on the
 * same ONNX files and the same tokenized pairs: what a graph (a quantization) or an onnxruntime-web release
 * gives on WASM by itself and how far that is from native, without the browser, the worker or the library's
 * batching around it. Rounds alternate (every file's WASM then native run, round after round, after one
 * unmeasured warm-up pass each, so V8's tier-up is behind every contender alike); a figure is the median of the
 * rounds with their range. It also prints, per file, the largest |score WASM - score native| over all pairs and
 * the largest change of a WASM score between the pair run alone and inside a length-sorted batch.
 *
 *   npx tsc -p scripts/bench && node bench/.build/bench/wasm-native.js [--ort PATH/ort.node.min.mjs ...] \
 *     [--rounds 5] [--short 32] [--mixed 12] [--docs 24] [--rows 1] A.onnx B.onnx ...
 *
 * `--ort` (repeatable) loads onnxruntime-web builds in place of the project's, each beside the others in the
 * same process (e.g. the project's and a release installed elsewhere: every file runs on each, alternating);
 * `--rows N` times batches of N length-sorted pairs instead of one pair per run.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as native from 'onnxruntime-node';
import { MODEL } from './config.js';
import { DOCS_QUERY, makeDocsPassages } from './docs-text.js';
import { encodePair, padBatch, templateOfTokenizer, type EncodedPair } from './encode.js';
import { makePassages, QUERY } from './text.js';
import { median } from './util.js';

type Web = typeof import('onnxruntime-web');
interface Runner {
  readonly run: (pairs: readonly EncodedPair[]) => Promise<Float32Array>;
}
interface PairSet {
  readonly name: string;
  readonly pairs: readonly EncodedPair[];
}

const { values, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    ort: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '5' },
    short: { type: 'string', default: '32' },
    mixed: { type: 'string', default: '12' },
    docs: { type: 'string', default: '24' },
    rows: { type: 'string', default: '1' },
  },
});
if (files.length === 0) throw new Error('usage: node bench/.build/bench/wasm-native.js [--ort PATH] [--rounds N] [--rows N] MODEL.onnx ...');
const rows = Number(values.rows);

const webs: Web[] = values.ort === undefined ? [await import('onnxruntime-web')] : await Promise.all(values.ort.map(async (path) => (await import(pathToFileURL(resolve(path)).href)) as Web));
for (const web of webs) web.env.wasm.numThreads = 1;

env.allowRemoteModels = false;
env.localModelPath = `${resolve('fixtures/bench')}/`;
const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
const template = templateOfTokenizer(tokenizer);
function encodeSet(name: string, query: string, passages: readonly string[]): PairSet {
  const queryIds = tokenizer.encode(query, { add_special_tokens: false });
  const pairs = passages.map((passage) => encodePair(template, queryIds, tokenizer.encode(passage, { add_special_tokens: false }), 512));
  return { name, pairs: [...pairs].sort((a, b) => a.ids.length - b.ids.length) };
}
const sets = [
  encodeSet('short, generated', QUERY, makePassages(Number(values.short), 'short')),
  encodeSet('mixed, generated', QUERY, makePassages(Number(values.mixed), 'mixed')),
  encodeSet('short, docs text', DOCS_QUERY, makeDocsPassages(Number(values.docs), 'short')),
].filter((set) => set.pairs.length > 0);

function feedsOf<T>(make: (type: 'int64', data: BigInt64Array, dims: number[]) => T, names: readonly string[], pairs: readonly EncodedPair[]): Record<string, T> {
  const { ids, mask, types, dims } = padBatch(pairs);
  const all: Record<string, BigInt64Array> = { input_ids: ids, attention_mask: mask, token_type_ids: types };
  return Object.fromEntries(names.map((name) => [name, make('int64', all[name] ?? ids, dims)]));
}

async function webRunner(web: Web, file: string): Promise<Runner> {
  const session = await web.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return {
    run: async (pairs) => (await session.run(feedsOf((t, d, s) => new web.Tensor(t, d, s), session.inputNames, pairs)))['logits']?.data as Float32Array,
  };
}

async function nativeRunner(file: string): Promise<Runner> {
  const session = await native.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  return {
    run: async (pairs) => (await session.run(feedsOf((t, d, s) => new native.Tensor(t, d, s), session.inputNames, pairs)))['logits']?.data as Float32Array,
  };
}

/** Scores of a set in batches of `size` (1: each pair alone), in the set's order. */
async function scoreSet(runner: Runner, set: PairSet, size: number): Promise<number[]> {
  const scores: number[] = [];
  for (let i = 0; i < set.pairs.length; i += size) scores.push(...(await runner.run(set.pairs.slice(i, i + size))));
  return scores;
}

async function pairsPerSecond(runner: Runner, set: PairSet): Promise<number> {
  const started = performance.now();
  await scoreSet(runner, set, rows);
  return (set.pairs.length * 1000) / (performance.now() - started);
}

const maxDiff = (a: readonly number[], b: readonly number[]): number => Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))));
const fmt = (xs: readonly number[], digits: number): string =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

interface Contender {
  readonly label: string;
  readonly wasm: Runner;
  readonly native: Runner;
}
const contenders: Contender[] = [];
for (const file of files) {
  const nat = await nativeRunner(file);
  for (const web of webs) contenders.push({ label: `${basename(file)} on ${web.env.versions.web ?? '?'}`, wasm: await webRunner(web, file), native: nat });
}

const fidelity: string[] = ['| file on onnxruntime-web | max \\|WASM - native\\| | WASM alone vs in batches of 7 and 16 |', '| --- | --- | --- |'];
for (const { label, wasm, native: nat } of contenders) {
  let diff = 0;
  let batchDiff = 0;
  for (const set of sets) {
    const alone = await scoreSet(wasm, set, 1);
    diff = Math.max(diff, maxDiff(alone, await scoreSet(nat, set, 1)));
    for (const size of [7, 16]) batchDiff = Math.max(batchDiff, maxDiff(alone, await scoreSet(wasm, set, size)));
  }
  fidelity.push(`| ${label} | ${diff.toExponential(1)} | ${batchDiff.toExponential(1)} |`);
}

const times = new Map<string, number[]>();
const push = (key: string, value: number): void => {
  times.set(key, [...(times.get(key) ?? []), value]);
};
for (const { wasm, native: nat } of contenders) for (const set of sets) await scoreSet(wasm, set, rows).then(() => scoreSet(nat, set, rows)); // warm-up
for (let round = 0; round < Number(values.rounds); round += 1) {
  for (const set of sets) {
    for (const { label, wasm, native: nat } of round % 2 === 0 ? contenders : [...contenders].reverse()) {
      const w = await pairsPerSecond(wasm, set);
      const n = await pairsPerSecond(nat, set);
      push(`${label}|${set.name}|wasm`, w);
      push(`${label}|${set.name}|native`, n);
      push(`${label}|${set.name}|ratio`, w / n);
    }
  }
}

const lines = [
  `onnxruntime-web (WASM, 1 thread) vs onnxruntime-node ${native.env.versions.node ?? '?'} (1 thread); ${rows === 1 ? 'one pair per run' : `batches of ${rows}`}; ${values.rounds} alternating rounds; median (range)`,
  '',
  '| file on onnxruntime-web | pairs | tokens | WASM pairs/s | native pairs/s | WASM ÷ native |',
  '| --- | --- | --- | --- | --- | --- |',
];
for (const set of sets) {
  const lengths = set.pairs.map((pair) => pair.ids.length);
  for (const { label } of contenders) {
    const get = (what: string): number[] => times.get(`${label}|${set.name}|${what}`) ?? [];
    lines.push(`| ${label} | ${set.pairs.length} ${set.name} | ${Math.min(...lengths)}-${Math.max(...lengths)} | ${fmt(get('wasm'), 1)} | ${fmt(get('native'), 1)} | ${fmt(get('ratio'), 2)}x |`);
  }
}
console.log([...lines, '', ...fidelity].join('\n'));
process.exit(0);
