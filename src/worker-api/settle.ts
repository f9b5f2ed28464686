/**
 * A worker call's outcome: its value, or its error in wire form (never a throw across Comlink). A module of its
 * own so that a worker needing only this (the search worker) does not load the rerank engine with it.
 */
import { toWireError } from '../shared/errors.js';
import type { Outcome } from '../shared/protocol.js';

export async function settle<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}
