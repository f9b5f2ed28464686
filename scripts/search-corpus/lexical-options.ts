/**
 * The lexical stage's options measured in one Node process over the search demo's man-page paragraphs repeated to
 * 100,000 (as the search bench does), queries interleaved: each round runs every variant on every question, the
 * variants' order rotating per question, so load changes hit them alike. CPU time (process.cpuUsage) and wall time
 * per query; each variant's top 50 compared with its reference (same stop words, the library's defaults).
 *
 *   npx esbuild scripts/search-corpus/lexical-options.ts --bundle --platform=node --format=esm \
 *     --outfile=/tmp/lexical-options.mjs && node /tmp/lexical-options.mjs [passages] [rounds]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { englishStopWords } from '../../src/shared/english-stop-words.js';
import type { LexicalOptions } from '../../src/shared/search-types.js';
import { LexicalIndex } from '../../src/search/lexical-index.js';
import { MAN_PAGE_QUESTIONS, repeatManPages, type ManPageParagraph } from '../bench/pages/man-page-copies.js';

interface Variant {
  readonly name: string;
  readonly index: LexicalIndex;
  readonly k: number;
  readonly options: LexicalOptions;
  readonly boosts: Readonly<Record<string, number>>;
  /** The variant whose top k this one's is compared with. */
  readonly reference: string;
}

const passages = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 4);
const paragraphs = JSON.parse(readFileSync('demo-data/man-pages.json', 'utf8')) as ManPageParagraph[];
const documents = repeatManPages(paragraphs, passages);

function build(fields: readonly string[], stopWords: readonly string[]): LexicalIndex {
  const index = LexicalIndex.create(fields, stopWords);
  for (const document of documents) index.put(document.id, fields.map((field) => document[field as 'title' | 'text']));
  return index;
}

const plain = build(['title', 'text'], []);
const stopped = build(['title', 'text'], englishStopWords);
const textOnly = build(['text'], englishStopWords);
const boosts = { title: 2, text: 1 };
const variants: Variant[] = [
  { name: 'no stop words (default)', index: plain, k: 50, options: {}, boosts, reference: 'no stop words (default)' },
  { name: 'englishStopWords', index: stopped, k: 50, options: {}, boosts, reference: 'englishStopWords' },
  { name: 'englishStopWords, prefix false', index: stopped, k: 50, options: { prefix: false }, boosts, reference: 'englishStopWords' },
  { name: 'englishStopWords, prefix true', index: stopped, k: 50, options: { prefix: true }, boosts, reference: 'englishStopWords' },
  { name: 'englishStopWords, fuzzy 0.2', index: stopped, k: 50, options: { fuzzy: 0.2 }, boosts, reference: 'englishStopWords' },
  { name: 'englishStopWords, AND', index: stopped, k: 50, options: { combineWith: 'AND' }, boosts, reference: 'englishStopWords' },
  { name: 'englishStopWords, text field only', index: textOnly, k: 50, options: {}, boosts: { text: 1 }, reference: 'englishStopWords' },
  { name: 'englishStopWords, 10 candidates', index: stopped, k: 10, options: {}, boosts, reference: 'englishStopWords' },
];

const cpu = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
const wall = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
const overlap = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
const load = loadavg();
for (let round = 0; round < rounds; round++) {
  MAN_PAGE_QUESTIONS.forEach((question, q) => {
    const top = new Map<string, string[]>();
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + q + round) % variants.length] as Variant;
      const startCpu = process.cpuUsage();
      const start = performance.now();
      const hits = variant.index.search(question, variant.k, variant.options, variant.boosts);
      const ms = performance.now() - start;
      const used = process.cpuUsage(startCpu);
      top.set(variant.name, hits.map((hit) => hit.id));
      if (round === 0) continue; // the first round warms up
      cpu.get(variant.name)?.push((used.user + used.system) / 1000);
      wall.get(variant.name)?.push(ms);
    }
    if (round === 0) return;
    for (const variant of variants) {
      const mine = top.get(variant.name) ?? [];
      const reference = new Set((top.get(variant.reference) ?? []).slice(0, mine.length));
      overlap.get(variant.name)?.push(mine.filter((id) => reference.has(id)).length / Math.max(1, mine.length));
    }
  });
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
console.log(`${passages} passages, ${MAN_PAGE_QUESTIONS.length} questions x ${rounds - 1} measured rounds; load average ${load.map((v) => v.toFixed(2)).join(' ')} at start, ${loadavg().map((v) => v.toFixed(2)).join(' ')} at end`);
console.log('| variant | CPU ms median (min-max) | wall ms median | top k shared with its reference |');
console.log('| --- | --- | --- | --- |');
for (const variant of variants) {
  const c = cpu.get(variant.name) ?? [];
  const shared = overlap.get(variant.name) ?? [];
  const mean = shared.reduce((sum, value) => sum + value, 0) / Math.max(1, shared.length);
  console.log(`| ${variant.name} | ${median(c).toFixed(1)} (${Math.min(...c).toFixed(1)}-${Math.max(...c).toFixed(1)}) | ${median(wall.get(variant.name) ?? []).toFixed(1)} | ${(mean * 100).toFixed(0)}% of ${variant.k} (vs ${variant.reference}) |`);
}
