/**
 * Reading node placement from onnxruntime's log (src/runtime/placement-log.ts) and capturing that log off the
 * console (src/runtime/ort-log-tap.ts). The logs in fixtures/ort-placement/ are onnxruntime-web 1.31.0-dev's
 * own lines, printed by dynamic WebGPU sessions (SwiftShader, headless Chromium) at log severity 0 for the
 * fixture models: the header, every placement and copy line, and the last lines of each build.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { captureOrtLog, installOrtLogTap, resetOrtLogTapForTests } from '../../src/runtime/ort-log-tap.js';
import { cpuNodesInfo, parsePlacement } from '../../src/runtime/placement-log.js';

function log(name: string): string[] {
  return readFileSync(new URL(`./fixtures/ort-placement/${name}.log`, import.meta.url), 'utf8').split('\n');
}

/** The node counts onnxruntime states in its section headers, to check that every node line was read. */
function statedCounts(lines: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const match = /placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (match !== null) counts[match[1] as string] = Number(match[2]);
  }
  return counts;
}

function total(ops: ReadonlyMap<string, number> | undefined): number {
  return [...(ops ?? new Map<string, number>()).values()].reduce((sum, n) => sum + n, 0);
}

describe('placement log', () => {
  for (const name of ['tiny-bert-reranker-fp32', 'tiny-xlmr-reranker-fp32', 'tiny-bert-reranker-q8']) {
    it(`${name}: reads every node line under the provider that onnxruntime states`, () => {
      const lines = log(name);
      const placement = parsePlacement(lines);
      const stated = statedCounts(lines);
      expect(Object.keys(stated).sort()).toEqual(['CPUExecutionProvider', 'WebGpuExecutionProvider']);
      for (const [provider, count] of Object.entries(stated)) expect(total(placement?.nodes.get(provider))).toBe(count);
    });
  }

  it('eager BERT fp32: shape arithmetic on the CPU fed by host copies only, so nothing to report', () => {
    const placement = parsePlacement(log('tiny-bert-reranker-fp32'));
    expect(total(placement?.nodes.get('CPUExecutionProvider'))).toBe(42);
    expect(placement?.copiedToCpu).toEqual([]);
    expect(cpuNodesInfo(placement)).toBeUndefined();
  });

  it("Hub-style XLM-R: the position ids' running count crosses to the CPU once", () => {
    const placement = parsePlacement(log('tiny-xlmr-reranker-fp32'));
    expect(placement?.copiedToCpu).toEqual(['/m/roberta/embeddings/Cast_1_output_0']);
    const info = cpuNodesInfo(placement);
    expect(info).toMatchObject({ count: 59, gpuToCpuCopies: 1 });
    expect(info?.opTypes).toMatchObject({ GatherElements: 1, Equal: 4, Unsqueeze: 17 });
    // Most first.
    expect(Object.keys(info?.opTypes ?? {})[0]).toBe('Unsqueeze');
    expect(info?.cost).toMatch(/59 nodes .* 1 value the GPU computes must be copied to the CPU mid-graph/);
    expect(info?.advice).toMatch(/--preset cross-encoder.*docs\/export\.md/);
    expect(info?.advice).not.toMatch(/q8/);
  });

  it('q8: every quantized product runs on the CPU, and the advice names the dtypes that do not', () => {
    const info = cpuNodesInfo(parsePlacement(log('tiny-bert-reranker-q8')));
    expect(info).toMatchObject({ count: 66, gpuToCpuCopies: 10 });
    expect(info?.opTypes).toMatchObject({ MatMulInteger: 14, DynamicQuantizeLinear: 10 });
    expect(info?.cost).toMatch(/10 values/);
    expect(info?.advice).toMatch(/fp32, fp16 or q4f16/);
  });

  it('a log without placement lines (a session built at the usual level) reads as unknown', () => {
    const warnings = log('tiny-bert-reranker-fp32').filter((line) => line.includes('[W:onnxruntime'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(parsePlacement(warnings)).toBeUndefined();
    expect(parsePlacement([])).toBeUndefined();
    expect(cpuNodesInfo(undefined)).toBeUndefined();
  });
});

describe('onnxruntime log tap', () => {
  afterEach(() => resetOrtLogTapForTests());

  function fakeConsole(): { error: (...args: unknown[]) => void; printed: unknown[][] } {
    const printed: unknown[][] = [];
    return { printed, error: (...args: unknown[]) => void printed.push(args) };
  }

  const [verbose, info] = log('tiny-xlmr-reranker-fp32').filter((line) => /\[[VI]:onnxruntime/.test(line));
  const warning = log('tiny-xlmr-reranker-fp32').find((line) => line.includes('[W:onnxruntime')) as string;

  it('keeps verbose and info lines of a build off the console, passes warnings and everything else through', async () => {
    const target = fakeConsole();
    installOrtLogTap(target);
    target.error('before');
    const { result, lines } = await captureOrtLog(async () => {
      target.error(verbose);
      target.error(info);
      target.error(warning);
      target.error('a page error', 42);
      return 'built';
    });
    target.error(verbose);
    expect(result).toBe('built');
    expect(lines).toEqual([verbose, info, warning]);
    expect(target.printed).toEqual([['before'], [warning], ['a page error', 42], [verbose]]);
  });

  it('stops capturing when the build fails, and a capture inside a capture gets no lines', async () => {
    const target = fakeConsole();
    installOrtLogTap(target);
    let inner: readonly string[] | undefined;
    await expect(
      captureOrtLog(async () => {
        inner = (await captureOrtLog(async () => target.error(verbose))).lines;
        throw new Error('no session');
      }),
    ).rejects.toThrow('no session');
    expect(inner).toEqual([]);
    target.error(info);
    expect(target.printed).toEqual([[info]]);
  });

  it("onnxruntime-web's WebGPU build still prints its log through console.error, bound when its wasm module starts", () => {
    // The tap relies on it (src/runtime/ort-log-tap.ts): an upgrade that prints elsewhere leaves info.cpuNodes
    // unset everywhere, which e2e/specs/cpu-nodes.spec.ts also catches in a browser.
    const bundle = readFileSync(new URL('../../node_modules/onnxruntime-web/dist/ort.webgpu.bundle.min.mjs', import.meta.url), 'utf8');
    expect(bundle.split('console.error.bind(console)').length - 1).toBe(1);
  });

  it('without the tap installed, a capture runs the work and reads nothing', async () => {
    const { result, lines } = await captureOrtLog(() => Promise.resolve(1));
    expect(result).toBe(1);
    expect(lines).toEqual([]);
  });
});
