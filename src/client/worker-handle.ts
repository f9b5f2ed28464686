/**
 * A started worker as the proxy sees it: a Comlink endpoint, a way to end it, and a signal when it dies.
 * Browser workers and the MessageChannel pairs used in tests both fit this shape.
 */
import type { Endpoint } from 'comlink';

export interface WorkerHandle {
  readonly endpoint: Endpoint;
  terminate(): void;
  /** Calls `listener` once if the worker dies or fails to start (uncaught error, unreadable message). */
  onFailure(listener: (reason: string) => void): void;
}

export type WorkerFactory = () => WorkerHandle;

/** The library's own worker, bundled by Vite (dev, apps, the standalone build) as a module worker. */
export function startBrowserWorker(): WorkerHandle {
  // The URL must be written out in each `new Worker(new URL(...))` for bundlers to find the worker.
  return handleOf(new Worker(new URL('../../workers/reranker.worker.js', import.meta.url), { type: 'module', name: 'webgpu-reranker' }));
}

/** The embedding worker (createEmbedder), bundled the same way. */
export function startEmbedderWorker(): WorkerHandle {
  return handleOf(new Worker(new URL('../../workers/embedder.worker.js', import.meta.url), { type: 'module', name: 'webgpu-reranker-embedder' }));
}

function handleOf(worker: Worker): WorkerHandle {
  return {
    endpoint: worker,
    terminate: () => worker.terminate(),
    onFailure: (listener) => {
      let failed = false;
      const fail = (reason: string): void => {
        if (failed) return;
        failed = true;
        listener(reason);
      };
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        fail(event.message || 'the worker script failed to load or threw an uncaught error');
      });
      worker.addEventListener('messageerror', () => fail('a message from the worker could not be read'));
    },
  };
}
