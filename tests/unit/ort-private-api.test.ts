/**
 * src/runtime/captured-slot.ts (pinRegistrations) reaches into a private part of onnxruntime-web: the record
 * `[handle, count]` it keeps on each user GPUBuffer under `Symbol('gpuBufferMetadata')`, whose count it
 * raises so a graph-capture session's first-run handles are never released. Nothing public promises that
 * record, so this test reads the installed package's code and fails, saying what to re-check, when an
 * upgrade renames the symbol or changes the record's shape. (Run in Node: the WebGPU code itself only runs in
 * a browser; e2e/specs/fidelity.spec.ts and the GPU bench exercise the pinned path there.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REGISTRATION } from '../../src/runtime/captured-slot.js';

/** The installed copy (the only one: transformers.js shares it; package.json is not in its exports). */
const packageRoot = fileURLToPath(new URL('../../node_modules/onnxruntime-web', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, { import?: Record<string, string> | string }>;
};

const UPGRADE_HINT =
  `onnxruntime-web ${packageJson.version} no longer keeps the GPU buffer registration record that ` +
  'pinRegistrations in src/runtime/captured-slot.ts relies on (a [handle, count] array under ' +
  `Symbol("${REGISTRATION}") on each registered GPUBuffer, count raised per run, handle released at 0). ` +
  'Graph capture would turn itself off ("no registration to pin") or replay released handles. Read the new ' +
  "webgpuRegisterBuffer / webgpuUnregisterBuffer in onnxruntime-web's dist/*.mjs, adapt pinRegistrations (or " +
  'drop it if captured sessions now keep their bindings), then update this test.';

/** The file `import 'onnxruntime-web/webgpu'` loads (what transformers-runtime.ts imports and Vite bundles). */
function webgpuEntry(): string {
  const entry = packageJson.exports['./webgpu']?.import;
  const file = typeof entry === 'string' ? entry : entry?.['default'];
  if (file === undefined) throw new Error(`onnxruntime-web ${packageJson.version}: no "./webgpu" import entry in package.json exports. ${UPGRADE_HINT}`);
  return join(packageRoot, file);
}

/** Checks one file of onnxruntime-web; returns what is wrong (empty when all is as pinRegistrations expects). */
function problemsIn(code: string): string[] {
  const symbol = new RegExp(`(?:const|let|var) ([\\w$]+)=Symbol\\("${REGISTRATION}"\\)`).exec(code);
  if (symbol === null) return [`no Symbol("${REGISTRATION}")`];
  const key = (symbol[1] as string).replace(/\$/g, '\\$');
  const id = '[\\w$]+';
  const expectations: [string, RegExp][] = [
    ['a first registration stores [handle, 1] under the symbol', new RegExp(`${id}\\[${key}\\]=\\[${id},1\\]`)],
    ['a repeated registration raises record[1]', new RegExp(`if\\((${id})=${id}\\[${key}\\]\\)return \\1\\[1\\]\\+\\+,\\1\\[0\\]`)],
    ['unregistering lowers record[1] and releases the handle at 0', new RegExp(`(${id})=${id}\\[${key}\\];[^;]*;\\1\\[1\\]--[;,](?:0===\\1\\[1\\]|\\1\\[1\\]===0)&&`)],
  ];
  return expectations.filter(([, pattern]) => !pattern.test(code)).map(([what]) => `not found: ${what}`);
}

describe("onnxruntime-web's private GPU buffer registration (pinned by captured-slot.ts)", () => {
  const files = [webgpuEntry(), join(packageRoot, 'dist/ort-wasm-simd-threaded.asyncify.mjs')];
  for (const file of files) {
    it(`is as pinRegistrations expects in ${file.slice(packageRoot.length + 1)}`, () => {
      const code = readFileSync(file, 'utf8');
      const problems = problemsIn(code);
      expect(problems, `${problems.join('; ')}. ${UPGRADE_HINT}`).toEqual([]);
    });
  }

  it('the check itself notices a renamed symbol and a changed record', () => {
    const current = readFileSync(webgpuEntry(), 'utf8');
    expect(problemsIn(current.replace(`Symbol("${REGISTRATION}")`, 'Symbol("gpuBufferInfo")'))).not.toEqual([]);
    expect(problemsIn(current.replace(/\[([\w$]+),1\]/g, '{handle:$1,count:1}'))).not.toEqual([]);
  });
});
