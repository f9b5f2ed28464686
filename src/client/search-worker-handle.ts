/**
 * The search worker as the page holds it: a Comlink proxy, and a promise that rejects with `worker-crashed` once
 * the worker is gone (an error event, or its life lock released without one), so no call waits on a dead worker.
 */
import { releaseProxy, wrap, type Remote } from 'comlink';
import { RerankerError, fromWireError } from '../shared/errors.js';
import { lifeLockName, watchLifeLock } from '../shared/life-lock.js';
import type { Outcome } from '../shared/protocol.js';
import type { SearchWorkerApi } from '../shared/search-protocol.js';
import { workerStartError } from './call-errors.js';

export class SearchWorkerHandle {
  readonly remote: Remote<SearchWorkerApi>;
  readonly #worker: Worker;
  readonly #gone: Promise<never>;
  #fail: (error: RerankerError) => void = () => undefined;
  #stopWatching: () => void = () => undefined;
  #ended = false;

  constructor() {
    try {
      this.#worker = new Worker(new URL('../../workers/search.worker.js', import.meta.url), { type: 'module', name: 'webgpu-reranker-search' });
    } catch (error) {
      throw workerStartError(error);
    }
    this.remote = wrap<SearchWorkerApi>(this.#worker);
    this.#gone = new Promise<never>((_, reject) => {
      this.#fail = reject;
    });
    this.#gone.catch(() => undefined);
    const crashed = (reason: string): void =>
      this.#fail(new RerankerError('worker-crashed', `The search worker stopped (${reason}). Create the search again; a persisted index reloads from IndexedDB.`));
    this.#worker.addEventListener('error', (event) => {
      event.preventDefault();
      crashed(event.message || 'an uncaught error, or its script failed to load');
    });
    const lock = lifeLockName();
    void this.remote.holdLifeLock(lock).then(
      (held) => {
        if (held) this.#stopWatching = watchLifeLock(lock, () => crashed('it ended without an error event'));
      },
      () => undefined,
    );
  }

  /** The call's value, its `RerankerError`, or `worker-crashed` / `disposed` when the worker goes first. */
  async call<T>(outcome: Promise<Outcome<T>>): Promise<T> {
    const settled = await Promise.race([outcome, this.#gone]);
    if (!settled.ok) throw fromWireError(settled.error);
    return settled.value;
  }

  /** Ends the worker; later calls reject with `reason`. Ending twice does nothing. */
  end(reason: RerankerError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopWatching();
    this.#fail(reason);
    this.remote[releaseProxy]();
    this.#worker.terminate();
  }
}
