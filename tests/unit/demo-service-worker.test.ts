/** The demo service worker's strategies (src/demo/sw-strategies.ts), with stand-in network and cache. */
import { describe, expect, it } from 'vitest';
import { cacheFirst, networkFirst } from '../../src/demo/sw-strategies.js';

const page = (body: string, status = 200): Response => new Response(body, { status, headers: { 'content-type': 'text/html' } });

describe('the demo page: network first', () => {
  const cachedPage = async (): Promise<Response | undefined> => page('cached demo');
  const nothingCached = async (): Promise<Response | undefined> => undefined;

  for (const status of [500, 502, 503, 504]) {
    it(`serves the cached copy instead of a ${status} page`, async () => {
      const response = await networkFirst(async () => page(`<h1>${status} Bad gateway</h1>`, status), cachedPage);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('cached demo');
    });
  }

  it('serves the 5xx page as it is when nothing is cached', async () => {
    const response = await networkFirst(async () => page('Bad gateway', 502), nothingCached);
    expect(response.status).toBe(502);
    expect(await response.text()).toBe('Bad gateway');
  });

  it("serves the network's page when it answers 2xx or 4xx (a new deploy, the server's word)", async () => {
    expect(await (await networkFirst(async () => page('new deploy'), cachedPage)).text()).toBe('new deploy');
    const notFound = await networkFirst(async () => page('not here', 404), cachedPage);
    expect(notFound.status).toBe(404);
  });

  it('serves the cached copy when the network fails, and fails without one', async () => {
    const offline = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch');
    };
    expect(await (await networkFirst(offline, cachedPage)).text()).toBe('cached demo');
    await expect(networkFirst(offline, nothingCached)).rejects.toThrow('Failed to fetch');
  });
});

describe('assets: cache first', () => {
  it('uses the network only for what is not cached', async () => {
    let fetched = 0;
    const network = async (): Promise<Response> => (fetched++, page('from network'));
    expect(await (await cacheFirst(network, async () => page('cached'))).text()).toBe('cached');
    expect(fetched).toBe(0);
    expect(await (await cacheFirst(network, async () => undefined)).text()).toBe('from network');
    expect(fetched).toBe(1);
  });
});
