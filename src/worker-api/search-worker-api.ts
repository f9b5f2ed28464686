/**
 * What the search worker exposes over Comlink: one `SearchCore`, created by `configure`, with every failure
 * turned into an `Outcome`. Kept apart from the worker entry so tests can serve it over a MessageChannel.
 */
import { RerankerError } from '../shared/errors.js';
import { holdLifeLock } from '../shared/life-lock.js';
import type { PrepareAnswer, PrepareResult, SearchWorkerApi } from '../shared/search-protocol.js';
import type { SearchDocument } from '../shared/search-types.js';
import { SearchCore } from '../search/search-core.js';
import { settle } from './settle.js';

export function createSearchWorkerApi(): SearchWorkerApi {
  let core: SearchCore | undefined;
  const received: SearchDocument[] = [];
  /** Texts the page has yet to embed, handed out in batches. */
  let toEmbed: { id: string; text: string }[] = [];
  const answer = (prepared: PrepareResult): PrepareAnswer => {
    toEmbed = [...prepared.toEmbed];
    return { reused: prepared.reused, lexicalFromStore: prepared.lexicalFromStore, timings: prepared.timings, embedCount: toEmbed.length };
  };
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
    load: () => settle(async () => answer(await ready().load(received.splice(0)))),
    upsert: () => settle(async () => answer(await ready().upsert(received.splice(0)))),
    nextToEmbed: (count) => settle(async () => toEmbed.splice(0, count)),
    putVectors: (ids, vectors) => settle(() => ready().putVectors(ids, vectors)),
    dropPending: () =>
      settle(async () => {
        toEmbed = [];
        ready().dropPending();
      }),
    remove: (ids) => settle(async () => ready().remove(ids)),
    commit: () => settle(() => ready().commit()),
    firstStage: (request) => settle(async () => ready().firstStage(request)),
  };
}
