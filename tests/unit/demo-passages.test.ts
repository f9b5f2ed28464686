import { describe, it, expect } from 'vitest';
import { splitPassages } from '../../src/demo/passages.js';

describe('splitPassages (demo textarea)', () => {
  it('splits paragraphs separated by a blank line and trims them', () => {
    expect(splitPassages('  first passage \n\nsecond passage\n\n\n third ')).toEqual([
      'first passage',
      'second passage',
      'third',
    ]);
  });

  it('keeps single line breaks inside a passage', () => {
    expect(splitPassages('line one\nline two\n\nother')).toEqual(['line one\nline two', 'other']);
  });

  it('treats whitespace-only lines and Windows line endings as blank lines', () => {
    expect(splitPassages('a\r\n\r\nb\n   \t\nc\r\n \r\nd')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops empty paragraphs and returns [] for blank input', () => {
    expect(splitPassages('')).toEqual([]);
    expect(splitPassages('\n\n  \n\n')).toEqual([]);
    expect(splitPassages('\n\nonly one\n\n\n\n')).toEqual(['only one']);
  });

  it('keeps non-Latin text as it is', () => {
    expect(splitPassages('大熊猫吃竹子。\n\nPandas eat bamboo.')).toEqual(['大熊猫吃竹子。', 'Pandas eat bamboo.']);
  });
});
