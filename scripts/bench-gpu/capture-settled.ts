/**
 * Graph capture builds a shape's session in idle time after a batch first needs it (src/runtime/webgpu-runner.ts):
 * until then that shape's batches run on the dynamic session. The benches' steady-state figures ("repeated",
 * pairs/s) are of captured sessions, so they wait here, after the unmeasured first call, until no shape is
 * pending. First-call figures do not wait: they are what a user sees.
 */
import type { CallTimings } from '../../src/shared/types.js';

/** Polls `timings` until `graphCapture.pendingShapes` is empty (or capture is off); returns the ms waited. */
export async function captureSettled(timings: () => CallTimings | undefined | Promise<CallTimings | undefined>, pollMs = 20): Promise<number> {
  const start = performance.now();
  for (;;) {
    const state = (await timings())?.graphCapture;
    if (state === undefined || state.pendingShapes.length === 0) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
