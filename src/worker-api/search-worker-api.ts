/**
 * What the search worker exposes over Comlink: one `SearchCore`, created by `configure`, with every failure
 * turned into an `Outcome`. Kept apart from the worker entry so tests can serve it over a MessageChannel.
 */
import { RerankerError } from '../shared/errors.js';
import { holdLifeLock } from '../shared/life-lock.js';
import type { SearchWorkerApi } from '../shared/search-protocol.js';
import type { SearchDocument } from '../shared/search-types.js';
import { SearchCore } from '../search/search-core.js';
import { settle } from './worker-api.js';

export function createSearchWorkerApi(): SearchWorkerApi {
  let core: SearchCore | undefined;
  const received: SearchDocument[] = [];
  const ready = (): SearchCore => {
    if (core === undefined) throw new RerankerError('invalid-input', 'The search worker was used before configure(); this is a bug of the page side.');
    return core;
  };
  return {
    holdLifeLock,
    configure: (config) =>
      settle(async () => {
        core = new SearchCore(config);
        received.length = 0;
      }),
    receive: (documents) =>
      settle(async () => {
        ready();
        received.push(...documents);
      }),
    load: () => settle(() => ready().load(received.splice(0))),
    upsert: () => settle(() => ready().upsert(received.splice(0))),
    putVectors: (ids, vectors) => settle(() => ready().putVectors(ids, vectors)),
    dropPending: () => settle(async () => ready().dropPending()),
    remove: (ids) => settle(async () => ready().remove(ids)),
    commit: () => settle(() => ready().commit()),
    firstStage: (request) => settle(async () => ready().firstStage(request)),
  };
}
