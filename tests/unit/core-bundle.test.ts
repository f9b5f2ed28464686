/**
 * The framework adapters are subpath exports: bundling the core entry must not pull any framework (nor the
 * adapters) in, and each adapter subpath must point at a file the ESM build emits.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FRAMEWORKS = /node_modules\/(?:ai|@ai-sdk\/[^/]+|@langchain\/[^/]+|langchain|@llamaindex\/[^/]+|llamaindex|zod)\//;

async function bundleInputs(entry: string): Promise<{ inputs: string[]; bytes: number }> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    minify: true,
    logLevel: 'silent',
  });
  return { inputs: Object.keys(result.metafile.inputs), bytes: result.outputFiles.reduce((sum, file) => sum + file.contents.length, 0) };
}

describe('the core entry', () => {
  it('bundles without any framework package or adapter module', async () => {
    const core = await bundleInputs('src/index.ts');
    expect(core.inputs.filter((input) => FRAMEWORKS.test(input) || input.startsWith('src/adapters/'))).toEqual([]);
    // The adapters' bundles do hold their frameworks: the check above looks at the right names.
    const langchain = await bundleInputs('src/adapters/langchain.ts');
    expect(langchain.inputs.some((input) => input.includes('node_modules/@langchain/core/'))).toBe(true);
    expect(langchain.bytes).toBeGreaterThan(core.bytes);
  });

  it('exports each adapter from a file the ESM build emits, with framework peers optional', () => {
    const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      exports: Record<string, { types: string; import: string } | string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      dependencies: Record<string, string>;
    };
    const build = JSON.parse(readFileSync(`${root}tsconfig.build.json`, 'utf8')) as { include: string[] };
    for (const name of ['ai-sdk', 'langchain', 'llamaindex']) {
      expect(manifest.exports[`./${name}`]).toEqual({ types: `./dist/esm/src/adapters/${name}.d.ts`, import: `./dist/esm/src/adapters/${name}.js` });
    }
    expect(build.include).toContain('src/adapters');
    for (const peer of Object.keys(manifest.peerDependencies)) {
      expect(manifest.peerDependenciesMeta[peer]?.optional).toBe(true);
      expect(manifest.dependencies[peer]).toBeUndefined();
    }
  });
});
