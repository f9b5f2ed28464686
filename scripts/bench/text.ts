/**
 * Deterministic benchmark text: passages of pseudo-English drawn from a fixed word list by a seeded
 * generator, so every run (and every contender within a run) scores the very same inputs.
 */
import { seededRandom } from '../shared/seeded-random.js';

/** Common English words; most are one WordPiece token in bert-base-uncased, some split into two or three. */
const WORDS = (
  'the of and to in is was for on that with as by at from his her their its this which were are be ' +
  'had has have not but one two three first new after also other some many most more than about into ' +
  'over time year years people city world state government during between under while where when ' +
  'water river mountain forest island village valley coast harbour bridge road railway station market ' +
  'school university library museum church castle tower garden park field farm house building street ' +
  'king queen army battle war peace treaty empire republic council parliament election law court ' +
  'music song album band film novel poem painting theatre festival dance language history science ' +
  'animal bird fish tree plant flower seed leaf root bamboo panda bear wolf horse cattle insect ' +
  'species habitat climate winter summer spring autumn rain snow wind storm temperature season ' +
  'energy power engine machine computer network software system data signal device battery ' +
  'medicine disease patient doctor hospital treatment vaccine blood heart brain protein cell ' +
  'company industry trade price market bank money tax export import factory worker product ' +
  'large small long short high low early late old young great major local national public private ' +
  'northern southern eastern western central ancient modern traditional popular important famous ' +
  'built founded named known called used made found became began moved opened closed produced ' +
  'described reported studied developed designed published released recorded married elected ' +
  'population area region province district capital border population century period decade ' +
  'remains fossil evidence sample experiment method result theory model measurement analysis ' +
  'gradually rapidly usually often rarely nearly largely mainly widely mostly slowly quietly ' +
  'approximately consequently nevertheless furthermore meanwhile photosynthesis infrastructure ' +
  'archaeological hydroelectric metamorphosis cartographer philanthropist biodiversity'
).split(' ');

function integerBetween(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** `count` words in sentences of 6-18 words, each capitalised and ending with a full stop (some with a comma inside). */
function prose(random: () => number, count: number): string {
  const sentences: string[] = [];
  let left = count;
  while (left > 0) {
    const length = Math.min(left, integerBetween(random, 6, 18));
    const words: string[] = [];
    for (let i = 0; i < length; i += 1) words.push(WORDS[Math.floor(random() * WORDS.length)] as string);
    if (length > 8 && random() < 0.4) words[Math.floor(length / 2)] += ',';
    const first = words[0] as string;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    sentences.push(`${words.join(' ')}.`);
    left -= length;
  }
  return sentences.join(' ');
}

export type PassageKind = 'short' | 'mixed';

/** Where a set's passages come from: this generator, or real documentation prose (docs-text.ts). */
export type PassageText = 'generated' | 'docs';

/** Word-count range of each kind: short 20-60 words, mixed-length 60-300 words. */
export const WORD_RANGE: Record<PassageKind, readonly [number, number]> = { short: [20, 60], mixed: [60, 300] };

/** The same (count, kind) always gives the same passages; a larger count extends a smaller one. */
/** `seed`: another set of the same kind (the bench's sets use the default). */
export function makePassages(count: number, kind: PassageKind, seed = kind === 'short' ? 20_60 : 60_300): string[] {
  const random = seededRandom(seed);
  const [low, high] = WORD_RANGE[kind];
  return Array.from({ length: count }, () => prose(random, integerBetween(random, low, high)));
}

export const QUERY = 'what does the giant panda eat in the mountain forest during winter?';
