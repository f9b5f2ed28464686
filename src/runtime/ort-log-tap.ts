/**
 * Captures onnxruntime's log while a session builds. onnxruntime-web's wasm build prints its C++ log through
 * `console.error`, bound once when the wasm module starts (`console.error.bind(console)`): so the tap must wrap
 * `console.error` before the first session of the worker, and stays in place. Outside a capture every call
 * passes through unchanged; during one, onnxruntime's lines are kept, and its verbose and info lines (the
 * placement log asked for at severity 0) are not printed, so the console shows what it showed before.
 * Session builds run one after another in a worker (a load awaits each), so one capture at a time.
 */

/** An onnxruntime log line: `2026-12-03 06:18:40.467960 [I:onnxruntime:, file.cc:666 Function] text`. */
const ORT_LINE = /\[([VIWEF]):onnxruntime:/;

interface Tap {
  lines: string[] | undefined;
}

let tap: Tap | undefined;

/** Wraps `console.error` once; call before onnxruntime-web starts its wasm module. */
export function installOrtLogTap(target: { error: (...args: unknown[]) => void } = console): void {
  if (tap !== undefined) return;
  const state: Tap = { lines: undefined };
  tap = state;
  const original = target.error.bind(target);
  target.error = (...args: unknown[]): void => {
    const lines = state.lines;
    if (lines !== undefined && args.length === 1 && typeof args[0] === 'string') {
      const severity = ORT_LINE.exec(args[0])?.[1];
      if (severity !== undefined) {
        lines.push(args[0]);
        if (severity === 'V' || severity === 'I') return;
      }
    }
    original(...args);
  };
}

/** Runs `work` (a session build) and returns onnxruntime's log lines printed meanwhile. */
export async function captureOrtLog<T>(work: () => Promise<T>): Promise<{ readonly result: T; readonly lines: readonly string[] }> {
  const state = tap;
  if (state === undefined || state.lines !== undefined) return { result: await work(), lines: [] };
  const lines: string[] = [];
  state.lines = lines;
  try {
    return { result: await work(), lines };
  } finally {
    state.lines = undefined;
  }
}

/** Forgets the tap (unit tests install it on their own console objects). */
export function resetOrtLogTapForTests(): void {
  tap = undefined;
}
