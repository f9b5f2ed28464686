/**
 * The rooms of src/ (docs/design.md): adapters -> client -> worker-api -> engine <- runtime, shared beneath all of them.
 * Each room may import only the rooms below it, no file may import itself back in a circle, and no source
 * file grows past 400 lines. Read from the import statements, so a change that breaks the picture fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** What each room may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  shared: [],
  engine: ['shared'],
  runtime: ['engine', 'shared'],
  // The search worker's first stage, fusion and IndexedDB store (createSearch).
  search: ['shared'],
  'worker-api': ['engine', 'runtime', 'search', 'shared'],
  client: ['shared'],
  // Framework adapters (webgpu-reranker/ai-sdk, /langchain, /llamaindex): thin wrappers over the client.
  adapters: ['client', 'shared'],
  // The demo page uses the public entry (src/index.ts) and the shared model-cache rules.
  demo: ['shared', 'client', '.'],
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC);
const imports = new Map(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)].map((match) =>
      normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'))),
    );
    return [file, targets] as const;
  }),
);

function roomOf(file: string): string {
  const path = relative(SRC, file);
  return path.includes('/') ? (path.split('/')[0] as string) : '.';
}

describe('the rooms of src/', () => {
  it('import only the rooms below them', () => {
    const leaks: string[] = [];
    for (const [file, targets] of imports) {
      const room = roomOf(file);
      const allowed = ALLOWED[room];
      if (allowed === undefined) continue;
      for (const target of targets) {
        const other = roomOf(target);
        if (other !== room && !allowed.includes(other)) leaks.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('have no import circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      state.set(file, 'open');
      for (const target of imports.get(file) ?? []) {
        if (state.get(target) === 'open') circles.push([...path.slice(path.indexOf(target)), target].map((f) => relative(SRC, f)).join(' -> '));
        else if (!state.has(target)) visit(target, [...path, target]);
      }
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    expect(circles).toEqual([]);
  });

  it('keep every source file under 400 lines', () => {
    const long = files.filter((file) => readFileSync(file, 'utf8').split('\n').length > 400).map((file) => relative(SRC, file));
    expect(long).toEqual([]);
  });

  it('import transformers.js and onnxruntime-web from one module only', () => {
    const importers = files
      .filter((file) => /from\s+'(?:@huggingface\/transformers|onnxruntime-web[^']*)'/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(importers).toEqual(['runtime/transformers-runtime.ts']);
  });
});
