/**
 * Crash detection through the worker's life lock, with a stand-in Web Locks manager (Node has none): the
 * lock of a "worker" that ends is released as the browser would, and the proxy must then reject every
 * pending call with worker-crashed and start a new worker for the next call. The real thing runs in
 * e2e/specs/faults.spec.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeHarnesses, expectedScore, harness, until } from './proxy-harness.js';

/** Exclusive locks only, FIFO, with `signal`; `endHolder` drops a held lock as a dying context's would be. */
class FakeLocks {
  readonly held = new Map<string, () => void>();
  readonly waiting = new Map<string, (() => void)[]>();

  request(name: string, options: { signal?: AbortSignal }, callback: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          this.held.delete(name);
          this.waiting.get(name)?.shift()?.();
        };
        this.held.set(name, release);
        Promise.resolve(callback()).then(
          (value) => {
            release();
            resolve(value);
          },
          (error: unknown) => {
            release();
            reject(error);
          },
        );
      };
      if (!this.held.has(name)) {
        grant();
        return;
      }
      const queue = this.waiting.get(name) ?? [];
      queue.push(grant);
      this.waiting.set(name, queue);
      options.signal?.addEventListener('abort', () => {
        const index = queue.indexOf(grant);
        if (index >= 0) queue.splice(index, 1);
        reject(new DOMException('The request was aborted.', 'AbortError'));
      });
    });
  }

  endHolder(name: string): void {
    this.held.get(name)?.();
  }

  waitingCount(): number {
    return [...this.waiting.values()].reduce((sum, queue) => sum + queue.length, 0);
  }
}

let locks: FakeLocks;
beforeEach(() => {
  locks = new FakeLocks();
  Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true, writable: true });
});
afterEach(() => {
  Reflect.deleteProperty(globalThis, 'navigator');
  closeHarnesses();
});

describe('the worker life lock', () => {
  it('a worker that ends silently rejects pending calls with worker-crashed; the next call gets a new worker', async () => {
    const h = await harness();
    await until(() => locks.held.size === 1 && locks.waitingCount() === 1); // the worker holds, the page waits
    const [name] = [...locks.held.keys()];
    h.setGate(true);
    const pending = [h.reranker.score([['a', 'b']]), h.reranker.rerank('q', ['c']), h.reranker.score([['d', 'e']])];
    await until(() => h.controls.batches.length === 2);
    locks.endHolder(name as string); // no error event: only the lock says it
    for (const call of pending) await expect(call).rejects.toMatchObject({ code: 'worker-crashed' });
    h.setGate(false);
    expect((await h.reranker.score([['a', 'b']]))[0]).toBeCloseTo(expectedScore('a', 'b'), 5);
    expect(h.workersStarted).toBe(2);
    // The page let go of the old name at once; the new worker holds a lock of its own, watched again.
    await until(() => locks.held.size === 1 && locks.waitingCount() === 1);
    expect(locks.held.has(name as string)).toBe(false);
  });

  it('dispose stops watching, so ending the worker on purpose is not reported as a crash', async () => {
    const h = await harness();
    await until(() => locks.waitingCount() === 1);
    await h.reranker.dispose();
    expect(locks.waitingCount()).toBe(0);
    await expect(h.reranker.score([['a', 'b']])).rejects.toMatchObject({ code: 'disposed' });
  });
});
