/**
 * The main-thread proxy and the worker-side engine over a real MessageChannel with Comlink, as in the
 * browser, with the fake model of fake-model.ts: shared by the proxy, chunking and fuzz tests.
 */
import { expose } from 'comlink';
import { BERT_LIKE_TEMPLATE, charIds, fakeLoader, fakeLogit, type FakeModelControls } from './fake-model.js';
import type { WorkerHandle } from '../../src/client/worker-handle.js';
import { WorkerReranker } from '../../src/client/worker-reranker.js';
import type { ModelLoader } from '../../src/engine/loaded-model.js';
import { encodePair } from '../../src/engine/pair-encoding.js';
import type { RerankerOptions } from '../../src/shared/reranker-options.js';
import type { LoadProgress } from '../../src/shared/types.js';
import { createWorkerApi } from '../../src/worker-api/worker-api.js';

export const MAX_LENGTH = 64;

export function expectedScore(query: string, passage: string): number {
  return fakeLogit(encodePair(charIds(query), charIds(passage), BERT_LIKE_TEMPLATE, MAX_LENGTH).inputIds);
}

export interface Harness {
  controls: FakeModelControls;
  workersStarted: number;
  crash(reason: string): void;
  reranker: WorkerReranker;
  progress: LoadProgress[];
  /** While on, every model run waits for `release()`. */
  setGate(on: boolean): void;
  release(): void;
}

const opened: MessagePort[] = [];
/** Call from `afterEach`: closes the channels of every harness so the test process can exit. */
export function closeHarnesses(): void {
  for (const port of opened.splice(0)) port.close();
}

/**
 * A worker as the client sees it, run in process: the worker API over `loader`, exposed on a MessageChannel
 * whose ports closeHarnesses closes. `onFailure` gets the client's crash listener; `onTerminate` runs when
 * the client ends the worker.
 */
export function inProcessWorker(
  loader: ModelLoader,
  hooks: { onFailure?: (listener: (reason: string) => void) => void; onTerminate?: () => void } = {},
): WorkerHandle {
  const channel = new MessageChannel();
  opened.push(channel.port1, channel.port2);
  expose(createWorkerApi(loader), channel.port2);
  return {
    endpoint: channel.port1,
    terminate: () => {
      hooks.onTerminate?.();
      channel.port1.close();
      channel.port2.close();
    },
    onFailure: hooks.onFailure ?? (() => undefined),
  };
}

/** `loader` wraps the fake model's loader (to give it other behaviour); default: the fake model as it is. */
export async function harness(
  options: Partial<RerankerOptions> = {},
  loader: (fake: ModelLoader) => ModelLoader = (fake) => fake,
): Promise<Harness> {
  const controls: FakeModelControls = { batches: [], disposed: false };
  const waiting: (() => void)[] = [];
  let crashListener: ((reason: string) => void) | undefined;
  const state = { workersStarted: 0 };
  const startWorker = (): WorkerHandle => {
    state.workersStarted++;
    return inProcessWorker(loader(fakeLoader(controls, MAX_LENGTH)), {
      onFailure: (listener) => {
        crashListener = listener;
      },
    });
  };
  const progress: LoadProgress[] = [];
  const reranker = await WorkerReranker.create(startWorker, {
    model: 'fake',
    onProgress: (p) => progress.push(p),
    ...options,
  });
  return {
    controls,
    get workersStarted() {
      return state.workersStarted;
    },
    crash: (reason) => crashListener?.(reason),
    reranker,
    progress,
    release: () => waiting.shift()?.(),
    setGate: (on) => {
      controls.gate = on ? () => new Promise<void>((resolve) => waiting.push(resolve)) : undefined;
      if (!on) for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`condition never became true: ${condition.toString()}`);
}

