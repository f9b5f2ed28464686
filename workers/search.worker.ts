/// <reference lib="webworker" />
/** Worker entry: serves `createSearch`'s first stage (lexical, dense, fusion) and its IndexedDB store over Comlink. */
import { expose } from 'comlink';
import { createSearchWorkerApi } from '../src/worker-api/search-worker-api.js';

expose(createSearchWorkerApi());
