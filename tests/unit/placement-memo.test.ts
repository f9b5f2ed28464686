/**
 * info.cpuNodes read once per model file (src/runtime/placement-memo.ts): the second WebGPU build that reads the
 * placement runs at the first load of a cached graph file, and later loads of the same file, under the same
 * onnxruntime version, read the stored placement; a changed file, another runtime version, a failed check or a
 * file not in the cache run the check again. Placements are onnxruntime-web's own log lines of the fixtures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuNodesInfo, parsePlacement, type Placement } from '../../src/runtime/placement-log.js';
import { placementOnce, type PlacementLookup, type ResponseStore } from '../../src/runtime/placement-memo.js';

const XLMR = parsePlacement(readFileSync(new URL('./fixtures/ort-placement/tiny-xlmr-reranker-fp32.log', import.meta.url), 'utf8').split('\n'));
const FILE = 'https://example.com/models/m/onnx/model.onnx';

/** A Cache Storage cache in memory: responses kept as bytes and headers, a fresh Response at every match. */
function memoryStore(): ResponseStore & { keys(): string[] } {
  const entries = new Map<string, { body: ArrayBuffer; headers: [string, string][] }>();
  return {
    match: async (key) => {
      const entry = entries.get(key);
      return entry === undefined ? undefined : new Response(entry.body.slice(0), { headers: entry.headers });
    },
    put: async (key, response) => {
      entries.set(key, { body: await response.arrayBuffer(), headers: [...response.headers] });
    },
    keys: () => [...entries.keys()],
  };
}

async function cachedFile(store: ResponseStore, headers: Record<string, string>): Promise<void> {
  await store.put(FILE, new Response(new Uint8Array(64), { headers }));
}

function lookup(files: ResponseStore, placements: ResponseStore, runtimeVersion = '1.31.0'): PlacementLookup {
  return { files, fileUrl: FILE, placements, placementKey: FILE, runtimeVersion };
}

/** A check that counts its runs and answers `placement` (or fails: `undefined`). */
function counted(placement: Placement | undefined, fails = false) {
  const check = async () => {
    check.runs += 1;
    return fails ? undefined : { placement };
  };
  check.runs = 0;
  return check;
}

describe('placementOnce', () => {
  it('checks the first load of a file, reads the stored placement at the next: the same info.cpuNodes', async () => {
    expect(cpuNodesInfo(XLMR)).toBeDefined();
    const files = memoryStore();
    const placements = memoryStore();
    await cachedFile(files, { etag: '"abc"', 'content-length': '64' });
    const check = counted(XLMR);
    const first = await placementOnce(lookup(files, placements), check);
    const second = await placementOnce(lookup(files, placements), check);
    expect(check.runs).toBe(1);
    expect(placements.keys()).toEqual([FILE]);
    expect(second).toEqual(first);
    expect(cpuNodesInfo(second?.placement)).toEqual(cpuNodesInfo(XLMR));
  });

  it('keeps "no placement in the log" too, as no placement', async () => {
    const files = memoryStore();
    const placements = memoryStore();
    await cachedFile(files, { 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' });
    const check = counted(undefined);
    await placementOnce(lookup(files, placements), check);
    expect(await placementOnce(lookup(files, placements), check)).toEqual({ placement: undefined });
    expect(check.runs).toBe(1);
  });

  it('checks again when the file changed (its validators) or onnxruntime did', async () => {
    const files = memoryStore();
    const placements = memoryStore();
    await cachedFile(files, { etag: '"v1"', 'content-length': '64' });
    const check = counted(XLMR);
    await placementOnce(lookup(files, placements), check);
    await cachedFile(files, { etag: '"v2"', 'content-length': '64' });
    await placementOnce(lookup(files, placements), check);
    expect(check.runs).toBe(2);
    await placementOnce(lookup(files, placements, '1.32.0'), check);
    expect(check.runs).toBe(3);
    await placementOnce(lookup(files, placements, '1.32.0'), check);
    expect(check.runs).toBe(3);
  });

  it('stores nothing when the check failed, the file is not cached, or nothing tells a changed file apart', async () => {
    const placements = memoryStore();
    const failing = counted(XLMR, true);
    const withFile = memoryStore();
    await cachedFile(withFile, { etag: '"abc"' });
    expect(await placementOnce(lookup(withFile, placements), failing)).toBeUndefined();
    expect(await placementOnce(lookup(withFile, placements), failing)).toBeUndefined();
    expect(failing.runs).toBe(2);

    const noFile = counted(XLMR);
    await placementOnce(lookup(memoryStore(), placements), noFile);
    await placementOnce(lookup(memoryStore(), placements), noFile);
    expect(noFile.runs).toBe(2);

    const bare = memoryStore();
    await cachedFile(bare, {});
    const unversioned = counted(XLMR);
    await placementOnce(lookup(bare, placements), unversioned);
    await placementOnce(lookup(bare, placements), unversioned);
    expect(unversioned.runs).toBe(2);
    expect(placements.keys()).toEqual([]);
  });

  it('a stored entry it cannot read is checked again and replaced', async () => {
    const files = memoryStore();
    const placements = memoryStore();
    await cachedFile(files, { etag: '"abc"' });
    await placements.put(FILE, new Response('not json'));
    const check = counted(XLMR);
    await placementOnce(lookup(files, placements), check);
    await placementOnce(lookup(files, placements), check);
    expect(check.runs).toBe(1);
  });
});
