/**
 * The search demo's man-page paragraphs (demo-data/man-pages.json) repeated to a passage count, for the search bench
 * page and scripts/search-corpus/lexical-options.ts. No library imports.
 */

export interface ManPageParagraph {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

/**
 * The paragraphs, copy after copy, to `count`. Copy `c` of a paragraph has its words rotated by `c` places: the same
 * words (so the same lexical statistics as the paragraph) in a distinct text (so a distinct synthetic vector).
 */
export function repeatManPages(paragraphs: readonly ManPageParagraph[], count: number): ManPageParagraph[] {
  if (paragraphs.length === 0) throw new Error('no man-page paragraphs');
  const documents: ManPageParagraph[] = [];
  for (let index = 0; index < count; index++) {
    const paragraph = paragraphs[index % paragraphs.length] as ManPageParagraph;
    const copy = Math.floor(index / paragraphs.length);
    const words = paragraph.text.split(' ');
    const shift = copy % words.length;
    const text = shift === 0 ? paragraph.text : [...words.slice(shift), ...words.slice(0, shift)].join(' ');
    documents.push({ id: `${paragraph.id}~${copy}`, title: paragraph.title, text });
  }
  return documents;
}

/** Plain questions a reader of the man pages would type, and the search demo's placeholder. */
export const MAN_PAGE_QUESTIONS: readonly string[] = [
  'how do I read a file',
  'allocate memory aligned to a page',
  'set the signal mask of a thread',
  'what happens to open file descriptors when a process exits',
  'wait for a child process to change state',
  'how to create a new socket and connect it to an address',
  'copy a string safely',
  'get the current time with nanosecond precision',
  'map a file into memory',
  'why does the call fail with EINTR',
  'change the permissions of a file',
  'convert a string to an integer and check for errors',
];
