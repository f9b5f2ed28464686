/** What every part of the bench measures on: the bench model, where the dev server serves it, the pages. */
import { resolve } from 'node:path';

export const MODEL = 'ms-marco-minilm-l6-shape';
export const MODEL_DIR = resolve('fixtures/bench', MODEL);
export const MODEL_BASE = '/fixtures/bench';
export const LIBRARY_PAGE = '/scripts/bench/pages/library.html';
export const PROBE_PAGE = '/scripts/bench/pages/probe.html';
export const NAIVE_PAGE = '/scripts/bench/pages/naive.html';
/** The library's default batch token budget (src/engine/rerank-engine.ts); native batches use it too. */
export const TOKEN_BUDGET = 4096;
export const NATIVE_MAX_ROWS = 64;

export type Dtype = 'q8' | 'fp32';
export type ContenderName = 'library' | 'naive' | 'native' | 'nativeOneRow';
