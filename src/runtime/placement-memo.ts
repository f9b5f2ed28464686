/**
 * The placement behind `info.cpuNodes`, read once per model file rather than at every WebGPU load. Reading it
 * costs a second build of the WebGPU graph at log severity 0 (transformers-runtime.ts, design.md "Why a second
 * build"): for a 2B LLM export, a second copy of its weights on the GPU and a second partitioning. The parsed
 * placement is kept in a Cache Storage cache of its own under the graph file's cache key, with what would make
 * it stale: the cached file's validators (ETag, Last-Modified, Content-Length) and onnxruntime-web's version.
 * A later load of the same file reads it and builds nothing more. No model library here.
 */
import type { Placement } from './placement-log.js';

import { PLACEMENT_CACHE_NAME } from '../shared/model-cache.js';

export { PLACEMENT_CACHE_NAME };

/** Bump when the stored form changes: older entries are then checked again. */
const FORMAT = 1;

/** The part of a Cache Storage cache used here. */
export interface ResponseStore {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

/** Where the graph file is cached: transformers.js's custom caches may answer with other things than a Response. */
export interface FileStore {
  match(key: string): Promise<unknown>;
}

export interface PlacementLookup {
  /** Where the graph file is cached (the store transformers.js loaded it from), to read its validators. */
  readonly files: FileStore;
  /** The graph file's key in `files`. */
  readonly fileUrl: string;
  /** Where placements are kept (PLACEMENT_CACHE_NAME). */
  readonly placements: ResponseStore;
  /** The key a placement is kept under: the file's cache key (revision included). */
  readonly placementKey: string;
  /** onnxruntime-web's version: another version may place the nodes elsewhere. */
  readonly runtimeVersion: string;
}

interface Stored {
  readonly format: number;
  readonly fingerprint: string;
  /** `null`: the log named no placement. */
  readonly placement: { readonly nodes: Record<string, Record<string, number>>; readonly copiedToCpu: readonly string[] } | null;
}

/**
 * The placement of the graph file: the stored one when it was read from this very file under this onnxruntime
 * version, else `check()`'s, stored for next time. `check()` resolving to `undefined` means the check failed:
 * nothing is stored, so the next load tries again. A file not in the cache, or cached without validators, is
 * checked at every load as before (nothing tells a changed file apart); so is one a custom cache answers with
 * something else than a Response.
 */
export async function placementOnce(
  lookup: PlacementLookup,
  check: () => Promise<{ readonly placement: Placement | undefined } | undefined>,
): Promise<{ readonly placement: Placement | undefined } | undefined> {
  const fingerprint = await fileFingerprint(lookup).catch(() => undefined);
  if (fingerprint !== undefined) {
    const stored = await readStored(lookup).catch(() => undefined);
    if (stored !== undefined && stored.format === FORMAT && stored.fingerprint === fingerprint) return { placement: fromStored(stored.placement) };
  }
  const checked = await check();
  if (checked !== undefined && fingerprint !== undefined) {
    const stored: Stored = { format: FORMAT, fingerprint, placement: toStored(checked.placement) };
    // A placement that cannot be kept (quota) is checked again next time; the load goes on.
    await lookup.placements.put(lookup.placementKey, new Response(JSON.stringify(stored), { headers: { 'Content-Type': 'application/json' } })).catch(() => undefined);
  }
  return checked;
}

/** What identifies the cached graph file and the runtime that placed it; undefined when the file is not cached or has no validators. */
async function fileFingerprint(lookup: PlacementLookup): Promise<string | undefined> {
  const file = await lookup.files.match(lookup.fileUrl);
  if (!(file instanceof Response)) return undefined;
  const validators = ['etag', 'last-modified', 'content-length'].map((name) => file.headers.get(name) ?? '');
  // Only the headers are read; the body (the weights) is left unread.
  await file.body?.cancel().catch(() => undefined);
  if (validators.every((value) => value === '')) return undefined;
  return JSON.stringify([lookup.runtimeVersion, ...validators]);
}

async function readStored(lookup: PlacementLookup): Promise<Stored | undefined> {
  const response = await lookup.placements.match(lookup.placementKey);
  return response === undefined ? undefined : ((await response.json()) as Stored);
}

function toStored(placement: Placement | undefined): Stored['placement'] {
  if (placement === undefined) return null;
  const nodes = Object.fromEntries([...placement.nodes].map(([provider, ops]) => [provider, Object.fromEntries(ops)]));
  return { nodes, copiedToCpu: [...placement.copiedToCpu] };
}

function fromStored(stored: Stored['placement']): Placement | undefined {
  if (stored === null) return undefined;
  const nodes = new Map(Object.entries(stored.nodes).map(([provider, ops]) => [provider, new Map(Object.entries(ops))]));
  return { nodes, copiedToCpu: stored.copiedToCpu };
}

/**
 * The stores of a load in the browser: where transformers.js cached the graph file (its custom cache when it
 * uses one: revision-keyed entries) and the placements' cache. Undefined where Cache Storage cannot be opened.
 */
export async function browserPlacementStores(customCache: FileStore | undefined, filesCacheName: string): Promise<{ files: FileStore; placements: ResponseStore } | undefined> {
  if (typeof caches === 'undefined') return undefined;
  try {
    return { files: customCache ?? (await caches.open(filesCacheName)), placements: await caches.open(PLACEMENT_CACHE_NAME) };
  } catch {
    return undefined;
  }
}
