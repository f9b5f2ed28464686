/**
 * Turning the passages textarea into documents: one passage per paragraph, paragraphs separated by a
 * blank line (a line that is empty or holds only spaces/tabs). Each passage is trimmed; empty ones are
 * dropped. Single line breaks inside a paragraph are kept, so a passage may span several lines.
 */
export function splitPassages(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((passage) => passage.trim())
    .filter((passage) => passage.length > 0);
}
