/**
 * The bench's phases, in the order they run. The default run measures what the README and docs/benchmarks.md
 * quote as the library's figures; investigation phases (answers already recorded in docs/benchmarks.md) run
 * only when named in `--only=`.
 */
import type { Phase } from '../phase.js';
import { embedThroughput } from './embed-throughput.js';
import { loading } from './loading.js';
import { longTasks } from './long-tasks.js';
import { options } from './options.js';
import { profile } from './profile.js';
import { search } from './search.js';
import { sessions } from './sessions.js';
import { sweep } from './sweep.js';
import { threads } from './threads.js';
import { throughput } from './throughput.js';
import { webgpu } from './webgpu.js';

// The phases sharing one browser come first, together, so it is closed before those that launch their own.
export const PHASES: readonly Phase[] = [sessions, threads, options, profile, throughput, sweep, loading, longTasks, embedThroughput, search, webgpu];
