/**
 * Passage sets for the GPU benchmark, drawn from the English sentences of the fixture corpus
 * (scripts/fixtures/corpus.py), which the fixture tokenizers cover without unknown tokens.
 */
import { readFileSync } from 'node:fs';
import { seededRandom } from '../shared/seeded-random.js';

export function corpusSentences(corpusPath: string): string[] {
  const source = readFileSync(corpusPath, 'utf8');
  const match = /ENGLISH = """([\s\S]*?)"""/.exec(source);
  if (match?.[1] === undefined) throw new Error(`no ENGLISH block in ${corpusPath}`);
  return match[1]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** A passage of at least `words` words made of whole corpus sentences. */
export function passageOfWords(sentences: readonly string[], words: number, random: () => number): string {
  const parts: string[] = [];
  let count = 0;
  while (count < words) {
    const sentence = sentences[Math.floor(random() * sentences.length)] ?? '';
    parts.push(sentence);
    count += sentence.split(/\s+/).length;
  }
  return parts.join(' ');
}

/** `count` passages with word counts spread uniformly in [minWords, maxWords]. */
export function mixedPassages(
  sentences: readonly string[],
  count: number,
  minWords: number,
  maxWords: number,
  seed: number,
): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    passageOfWords(sentences, minWords + Math.floor(random() * (maxWords - minWords + 1)), random),
  );
}

export const QUERIES = [
  'what does the giant panda eat?',
  'how do central banks fight inflation?',
  'which animal is the fastest on land?',
];
