/**
 * Several sessions of one model behind one `run(batch)`: each batch goes to a session that is free, or waits
 * for the first one that frees up. The engine keeps as many batches in flight as there are sessions, running
 * or still loading (`LoadedModel.parallelRuns`): sessions in workers of their own `join` once loaded, so
 * the reranker is ready as soon as its first session is, and a batch that waits is handed to a session
 * the moment it joins. No ORT here: the sessions are `BatchRunner`s, so the dispatch rules are unit-tested
 * with plain functions.
 *
 * The local session runs on this worker's own thread and blocks it while it computes; the others are in
 * workers of their own. A free remote session is therefore picked before the local one, so a batch handed
 * out while the local session computes is already running elsewhere.
 */
import type { BatchTensors } from '../engine/batching.js';
import { nextTask } from '../engine/pair-scorer.js';

export interface BatchRunner {
  run(batch: BatchTensors): Promise<Float32Array>;
  dispose(): Promise<void>;
}

interface Member {
  readonly runner: BatchRunner;
  readonly remote: boolean;
}

export class SessionPool {
  readonly #local: Member;
  #members: Member[];
  readonly #idle: Member[];
  readonly #waiting: ((member: Member) => void)[] = [];
  readonly #waitingForLocal: ((member: Member) => void)[] = [];
  readonly #yield: () => Promise<void>;
  #joining = 0;
  #disposed = false;

  /**
   * `yieldToEvents`: resolves after pending events have been handled. The local session's run never leaves
   * the microtask queue, so without a yield after it the next batch would go to the local session again
   * before a remote's reply (an event) is read, and the remote would sit idle (two sessions then ran no
   * faster than one).
   */
  constructor(local: BatchRunner, remotes: readonly BatchRunner[], yieldToEvents: () => Promise<void> = nextTask) {
    this.#local = { runner: local, remote: false };
    this.#members = [this.#local, ...remotes.map((runner) => ({ runner, remote: true }))];
    this.#idle = [...this.#members];
    this.#yield = yieldToEvents;
  }

  /** Sessions that take batches now (a remote that failed where the local one succeeded is dropped). */
  get size(): number {
    return this.#members.length;
  }

  /** Sessions that take batches now or will once loaded: how many batches are worth keeping in flight. */
  get planned(): number {
    return this.#members.length + this.#joining;
  }

  /**
   * Adds a remote session once `starting` resolves (it goes straight to a waiting batch, if any). One that
   * fails to start is left out; one that starts after `dispose` is disposed.
   */
  join(starting: Promise<BatchRunner>): void {
    this.#joining += 1;
    starting.then(
      (runner) => {
        this.#joining -= 1;
        if (this.#disposed) {
          void runner.dispose().catch(() => undefined);
          return;
        }
        const member: Member = { runner, remote: true };
        this.#members.push(member);
        this.#release(member);
      },
      () => {
        this.#joining -= 1;
      },
    );
  }

  async run(batch: BatchTensors): Promise<Float32Array> {
    const member = await this.#acquire();
    let ranLocally = !member.remote;
    try {
      return await member.runner.run(batch);
    } catch (error) {
      if (!member.remote) throw error;
      // A remote session failed. Run the batch here: if it fails here too the batch itself is at fault (and
      // the remote stays); if it succeeds, the remote is broken (its worker died, its memory ran out) and is
      // dropped, so no batch is lost and none goes to it again.
      ranLocally = true;
      const result = await this.#runLocally(batch);
      this.#drop(member);
      return result;
    } finally {
      // Before the session is handed on: a remote that replied meanwhile is free again and goes first, and
      // a session still loading gets its messages read (without the yield it joined only after the call, and
      // took no batch of the call it was started for).
      if (ranLocally && this.planned > 1) await this.#yield();
      if (this.#members.includes(member)) this.#release(member);
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const members = this.#members;
    this.#members = [];
    await Promise.all(members.map((member) => member.runner.dispose().catch(() => undefined)));
  }

  async #runLocally(batch: BatchTensors): Promise<Float32Array> {
    const local = await this.#acquireLocal();
    try {
      return await local.runner.run(batch);
    } finally {
      this.#release(local);
    }
  }

  /** A free session, remote first (see the file comment); the first to free up when none is. */
  #acquire(): Promise<Member> {
    const remote = this.#idle.findIndex((member) => member.remote);
    const [member] = this.#idle.splice(remote >= 0 ? remote : this.#idle.length - 1, 1);
    if (member !== undefined) return Promise.resolve(member);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** The local session, for a batch a remote one failed on; it goes before batches that wait for any session. */
  #acquireLocal(): Promise<Member> {
    const index = this.#idle.indexOf(this.#local);
    if (index >= 0) {
      this.#idle.splice(index, 1);
      return Promise.resolve(this.#local);
    }
    return new Promise((resolve) => this.#waitingForLocal.push(resolve));
  }

  #release(member: Member): void {
    const waiter = (member === this.#local ? this.#waitingForLocal.shift() : undefined) ?? this.#waiting.shift();
    if (waiter !== undefined) waiter(member);
    else this.#idle.push(member);
  }

  #drop(member: Member): void {
    this.#members = this.#members.filter((candidate) => candidate !== member);
    void member.runner.dispose().catch(() => undefined);
  }
}
