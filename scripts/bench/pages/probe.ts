/** Drives probe.worker.ts: one request at a time. */
import type { ProbeLoad, ProbePage, ProbeProfile, ProbeReply, ProbeRun } from './probe-contract.js';

const worker = new Worker(new URL('./probe.worker.ts', import.meta.url), { type: 'module', name: 'bench-probe' });

function ask(message: ProbeLoad | ProbeRun | ProbeProfile): Promise<ProbeReply> {
  return new Promise((resolve) => {
    worker.addEventListener('message', (event: MessageEvent<ProbeReply>) => resolve(event.data), { once: true });
    worker.postMessage(message);
  });
}

const probe: ProbePage = {
  load: (message) => ask({ type: 'load', ...message }),
  run: (message) => ask({ type: 'run', ...message }),
  profile: (message) => ask({ type: 'profile', ...message }),
};

window.probe = probe;
