/** The native contender: native.ts (compiled beside this file) forked as a child process, one request at a time over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MODEL } from './config.js';
import type { NativeError, NativeProfileReply, NativeProfileRequest, NativeReply, NativeRequest } from './native.js';

export class NativeRunner {
  readonly #child: ChildProcess;
  readonly #ready: Promise<void>;

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./native.js', import.meta.url)), ['fixtures/bench', MODEL], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#ready = new Promise((done, fail) => {
      this.#child.once('message', () => done());
      this.#child.once('error', fail);
    });
  }

  run(request: NativeRequest): Promise<NativeReply> {
    return this.#ask<NativeReply>('run', 'result', request);
  }

  profile(request: NativeProfileRequest): Promise<NativeProfileReply> {
    return this.#ask<NativeProfileReply>('profile', 'profile', request);
  }

  /** One request to the child, answered by one message of type `replyType` or an error. */
  async #ask<T extends { readonly type: string }>(type: string, replyType: T['type'], request: object): Promise<T> {
    await this.#ready;
    return new Promise((done, fail) => {
      this.#child.once('message', (message: T | NativeError) => {
        if (message.type === replyType) done(message as T);
        else fail(new Error((message as NativeError).message));
      });
      this.#child.send({ type, ...request });
    });
  }

  close(): void {
    this.#child.send({ type: 'exit' });
  }
}
