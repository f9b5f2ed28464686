/**
 * A long passage for the tiny BERT fixture (maxLength 128) whose windows can be computed by hand: every
 * word is one token of its vocabulary, so word windows are token windows.
 */
export const LONG_QUERY = 'giant panda bamboo';
const FILLER = ['river', 'city', 'water', 'mountain'];
export const LONG_WORDS: readonly string[] = [
  ...Array.from({ length: 280 }, (_, i) => FILLER[i % FILLER.length] as string),
  ...'giant panda eats bamboo '.repeat(5).trim().split(' '),
];
export const LONG_PASSAGE = LONG_WORDS.join(' ');
/**
 * maxLength 128, a 3-token query and 3 special tokens leave 122 passage tokens per window; the default
 * overlap of 32 gives a stride of 90. 300 tokens: [0, 122), [90, 212), and the last window aligned to the
 * end, [178, 300).
 */
export const LONG_WINDOWS: readonly (readonly [number, number])[] = [
  [0, 122],
  [90, 212],
  [178, 300],
];
export const LONG_WINDOW_TEXTS = LONG_WINDOWS.map(([start, end]) => LONG_WORDS.slice(start, end).join(' '));
