/** Drives probe.worker.ts: one request at a time. */
import type { ProbeLoad, ProbePage, ProbeReply, ProbeRun } from './probe-contract.js';

const worker = new Worker(new URL('./probe.worker.ts', import.meta.url), { type: 'module', name: 'bench-probe' });

function ask(message: ProbeLoad | ProbeRun): Promise<ProbeReply> {
  return new Promise((resolve) => {
    worker.addEventListener('message', (event: MessageEvent<ProbeReply>) => resolve(event.data), { once: true });
    worker.postMessage(message);
  });
}

const probe: ProbePage = {
  load: (message) => ask({ type: 'load', ...message }),
  run: (message) => ask({ type: 'run', ...message }),
};

window.probe = probe;
