/** Where transformers.js is told to look for a load's files (src/runtime/environment-settings.ts). */
import { describe, expect, it } from 'vitest';
import { environmentSettings } from '../../src/runtime/environment-settings.js';
import { PICKED_FILES_HOST } from '../../src/runtime/picked-files-cache.js';

describe('environmentSettings', () => {
  it('the Hub by default, through the browser cache unless it is turned off', () => {
    expect(environmentSettings({ model: 'org/model' }, 'transformers-cache')).toEqual({
      allowLocalModels: false,
      allowRemoteModels: true,
      useBrowserCache: true,
      useCustomCache: false,
      remoteHost: 'https://huggingface.co/',
      remotePathTemplate: '{model}/resolve/{revision}/',
    });
    expect(environmentSettings({ model: 'org/model', useBrowserCache: false }, 'transformers-cache').useBrowserCache).toBe(false);
  });

  it('a base URL: {base}/{model}/, trailing slashes dropped; revision main keeps the plain browser cache', () => {
    const settings = environmentSettings({ model: 'm', modelBaseUrl: 'https://example.com/models//', revision: 'main' }, 'transformers-cache');
    expect(settings).toMatchObject({ remoteHost: 'https://example.com/models/', remotePathTemplate: '{model}/', useBrowserCache: true, useCustomCache: false });
    expect(settings.customCache).toBeUndefined();
  });

  it('a base URL with another revision: revision-keyed entries in a custom cache, unless caching is off', () => {
    const settings = environmentSettings({ model: 'm', modelBaseUrl: 'https://example.com/models', revision: 'v2' }, 'transformers-cache');
    expect(settings).toMatchObject({ useBrowserCache: false, useCustomCache: true, remoteHost: 'https://example.com/models/' });
    expect(settings.customCache).toBeDefined();
    const uncached = environmentSettings({ model: 'm', modelBaseUrl: 'https://example.com/models', revision: 'v2', useBrowserCache: false }, 'transformers-cache');
    expect(uncached).toMatchObject({ useBrowserCache: false, useCustomCache: false });
  });

  it('picked files: answered from them under the picked-files host, nothing remote, no browser cache', async () => {
    const settings = environmentSettings({ model: 'folder', modelFiles: { 'config.json': new Blob(['{"a":1}']) } }, 'transformers-cache');
    expect(settings).toMatchObject({ allowRemoteModels: false, allowLocalModels: true, localModelPath: PICKED_FILES_HOST, useBrowserCache: false, useCustomCache: true });
    const response = await settings.customCache?.match(`${PICKED_FILES_HOST}folder/config.json`);
    expect(await response?.text()).toBe('{"a":1}');
  });
});
