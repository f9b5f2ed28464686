/**
 * englishStopWords, the exported list for lexical.stopWords: well formed (lowercase single words, no duplicates,
 * none the tokenizer would split), exported from the package entry, and in the lexical stage a question loses
 * exactly its stop words: "how do I read a file" ranks as "read file" does, while without the list it does not.
 */
import { describe, expect, it } from 'vitest';
import { englishStopWords as exported } from '../../src/index.js';
import { englishStopWords } from '../../src/shared/english-stop-words.js';
import { LexicalIndex } from '../../src/search/lexical-index.js';

const documents = [
  { id: 'read', title: 'read(2)', text: 'read() attempts to read up to count bytes from a file descriptor into the buffer.' },
  { id: 'open', title: 'open(2)', text: 'The open() system call opens the file specified by pathname and returns a file descriptor.' },
  { id: 'how', title: 'intro(2)', text: 'How do I know which of the calls is the one that I should use? It is in the list of the calls.' },
  { id: 'mmap', title: 'mmap(2)', text: 'mmap() creates a new mapping in the virtual address space of the calling process.' },
];

function build(stopWords: readonly string[]): LexicalIndex {
  const index = LexicalIndex.create(['title', 'text'], stopWords);
  for (const document of documents) index.put(document.id, [document.title, document.text]);
  return index;
}

describe('englishStopWords', () => {
  it('is a frozen list of unique lowercase words the tokenizer keeps whole', () => {
    expect(exported).toBe(englishStopWords);
    expect(Object.isFrozen(englishStopWords)).toBe(true);
    expect(englishStopWords.length).toBeGreaterThan(100);
    expect(new Set(englishStopWords).size).toBe(englishStopWords.length);
    for (const word of englishStopWords) expect(word).toMatch(/^[a-z]+$/);
    for (const word of ['the', 'a', 'of', 'how', 'do', 'i', 'is', 'not']) expect(englishStopWords).toContain(word);
    for (const word of ['read', 'file', 'process', 'memory', 'signal']) expect(englishStopWords).not.toContain(word);
  });

  it('drops exactly the stop words of a question in the lexical stage', () => {
    const stopped = build(englishStopWords);
    const options = { prefix: false as const };
    const boosts = { title: 2, text: 1 };
    const question = stopped.search('how do I read a file', 10, options, boosts);
    expect(question).toEqual(stopped.search('read file', 10, options, boosts));
    expect(question.map((hit) => hit.id)).not.toContain('how');
    expect(stopped.search('How do I', 10, options, boosts)).toEqual([]);

    // Without the list the stop words match: the passage made of them is found.
    const plain = build([]);
    expect(plain.search('how do I read a file', 10, options, boosts).map((hit) => hit.id)).toContain('how');
  });
});
