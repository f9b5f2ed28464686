/**
 * Token windows over a long passage, as hosted rerank APIs (Cohere, Jina: `max_chunks_per_doc`) score
 * long documents: the passage's tokens are cut into windows that each fit the pair budget beside the
 * query, windows overlap by `chunkOverlap` tokens, and the document scores as its best window.
 *
 * Pure arithmetic on token counts, so the rules are unit-tested against hand-computed cases.
 */
import type { ChunkingOptions, ChunkingSettings } from '../shared/types.js';

/** See `ChunkingOptions.maxChunksPerDoc` for why. */
export const DEFAULT_MAX_CHUNKS_PER_DOC = 8;
/** See `ChunkingOptions.chunkOverlap` for why. */
export const DEFAULT_CHUNK_OVERLAP = 32;

/** `[start, end)` in the passage's tokens (no special tokens). */
export interface TokenWindow {
  readonly start: number;
  readonly end: number;
}

export interface WindowPlan {
  /** The windows to score, in passage order; at most `maxChunksPerDoc`. */
  readonly windows: readonly TokenWindow[];
  /** Windows needed to cover the whole passage (more than `windows.length` when the cap cut some off). */
  readonly total: number;
  /** True when some passage tokens are in no scored window. */
  readonly truncated: boolean;
}

/**
 * Fills in defaults. `undefined` means "not said here": the `fallback` applies (the reranker's own setting
 * for a call, `false` for the reranker). An object's unset fields take the library defaults.
 */
export function resolveChunking(
  option: boolean | ChunkingOptions | undefined,
  fallback: ChunkingSettings | false,
): ChunkingSettings | false {
  if (option === undefined) return fallback;
  if (option === false) return false;
  const given = option === true ? {} : option;
  return {
    maxChunksPerDoc: given.maxChunksPerDoc ?? DEFAULT_MAX_CHUNKS_PER_DOC,
    chunkOverlap: given.chunkOverlap ?? DEFAULT_CHUNK_OVERLAP,
  };
}

/**
 * Plans the windows of a passage of `passageLength` tokens when `room` passage tokens fit in one pair.
 *
 * Windows start every `room - overlap` tokens; the last one is aligned to the passage's end, so every
 * window is full (a short tail window would be scored on a few tokens, which cross-encoders rate
 * erratically) and still overlaps the one before it by at least `overlap`. The overlap is capped at half
 * the window so windows advance by at least half a window whatever the query length.
 */
export function planWindows(passageLength: number, room: number, settings: ChunkingSettings): WindowPlan {
  if (room <= 0 || passageLength <= room) {
    // Everything fits, or the query left no room at all: one (possibly empty) window.
    const end = Math.max(0, Math.min(passageLength, room));
    return { windows: [{ start: 0, end }], total: 1, truncated: end < passageLength };
  }
  const overlap = Math.min(settings.chunkOverlap, Math.floor(room / 2));
  const stride = room - overlap;
  const total = 1 + Math.ceil((passageLength - room) / stride);
  const scored = Math.min(total, settings.maxChunksPerDoc);
  const windows: TokenWindow[] = [];
  for (let index = 0; index < scored; index++) {
    const start = index === total - 1 ? passageLength - room : index * stride;
    windows.push({ start, end: start + room });
  }
  return { windows, total, truncated: scored < total };
}
