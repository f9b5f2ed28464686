/**
 * Real benchmark text: the prose of Node.js's API documentation as it ships in the JSDoc comments of
 * `@types/node` (a devDependency, MIT; its version is pinned by package-lock.json), cut into passages of the
 * bench's word ranges. Generated text draws on a vocabulary of ~400 words; this has tens of thousands of
 * distinct words, identifiers, numbers and punctuation, which changes tokenization cost and token counts,
 * and so the ratios between contenders.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { seededRandom } from '../shared/seeded-random.js';
import { WORD_RANGE, type PassageKind } from './text.js';

/** A question a developer would type over these docs (the query of every docs-text run). */
export const DOCS_QUERY = 'how do I read a file line by line without loading all of it into memory?';

const packageFolder = (): string => dirname(createRequire(import.meta.url).resolve('@types/node/package.json'));

/** `@types/node`'s version, recorded with the results so a later run knows whether its text was the same. */
export function docsTextSource(): string {
  const { version } = JSON.parse(readFileSync(join(packageFolder(), 'package.json'), 'utf8')) as { version: string };
  return `@types/node@${version} JSDoc prose`;
}

function declarationFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : declarationFiles(path);
      return entry.name.endsWith('.d.ts') ? [path] : [];
    });
}

/** The prose of one comment block: no code examples, no `@tags`, links reduced to their text. */
function commentProse(block: string): string {
  const lines = block.split('\n').map((line) => line.replace(/^\s*\/?\*+\/?\s?/, '').trimEnd());
  const kept: string[] = [];
  let inCode = false;
  for (const line of lines) {
    if (line.trimStart().startsWith('```')) {
      inCode = !inCode;
      continue;
    }
    if (inCode || line.trimStart().startsWith('@')) continue;
    kept.push(line);
  }
  return kept
    .join(' ')
    .replace(/\{@link\s+([^}|\s]+)(?:[|\s]+([^}]*))?\}/g, (_match, target: string, label?: string) => label?.trim() || target)
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

let sentencesMemo: string[] | undefined;

/** Every sentence of the docs' prose, in file order (files sorted by path). */
function docsSentences(): string[] {
  if (sentencesMemo !== undefined) return sentencesMemo;
  const sentences: string[] = [];
  for (const file of declarationFiles(packageFolder())) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const prose = commentProse(match[0]);
      // One-line member notes ("Free blocks in file system.") are labels, not documentation prose.
      if (prose.split(' ').length < 8) continue;
      sentences.push(...prose.split(/(?<=[.!?])\s+(?=[A-Z`'"(])/));
    }
  }
  sentencesMemo = sentences;
  return sentences;
}

/**
 * `count` passages of `kind`'s word range made of consecutive docs sentences, starting at a seeded place.
 * The same (count, kind, seed) always gives the same passages while @types/node's version is the same.
 */
export function makeDocsPassages(count: number, kind: PassageKind, seed = kind === 'short' ? 20_61 : 60_301): string[] {
  const sentences = docsSentences();
  const random = seededRandom(seed);
  const [low, high] = WORD_RANGE[kind];
  let at = Math.floor(random() * sentences.length);
  const passages: string[] = [];
  while (passages.length < count) {
    const target = low + Math.floor(random() * (high - low + 1));
    const words: string[] = [];
    while (words.length < target) {
      words.push(...(sentences[at % sentences.length] as string).split(' '));
      at += 1;
    }
    passages.push(words.slice(0, Math.min(words.length, high)).join(' '));
  }
  return passages;
}
