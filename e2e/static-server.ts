/**
 * A plain static file server for the tests that must see files exactly as a web host would serve them
 * (no Vite transforms): the standalone bundle and built consumer apps. Sends COOP/COEP so WASM threads work.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sirv from 'sirv';

/**
 * `cut`: the full Content-Length is promised, half the bytes are sent, then the connection drops.
 * `reset`: the connection drops before any answer (the network failing, as offline).
 * `stall`: no answer at all, until the fault is lifted or the server closes.
 */
export type Fault = 'cut' | 'reset' | 'stall';

export interface StaticServer {
  readonly origin: string;
  /** Paths requested so far, in order (to prove what was, or was not, fetched). */
  readonly requests: readonly string[];
  /**
   * Serve `path` (e.g. `/model/onnx/model.onnx`; `/model/*` for every file of that folder, not below it) with
   * `fault` from now on; `undefined` serves it normally again.
   */
  setFault(path: string, fault: Fault | undefined): void;
  close(): Promise<void>;
}

/** `headers`: sent with every answer besides the defaults (e.g. a Content-Security-Policy). */
export async function serveStatic(root: string, headers: Readonly<Record<string, string>> = {}): Promise<StaticServer> {
  const files = sirv(root, { dev: true, etag: true });
  const requests: string[] = [];
  const faults = new Map<string, Fault>();
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    // Model files are also fetched cross-origin, as from a CDN or the Hub.
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    const path = (request.url ?? '').split('?')[0] ?? '';
    const fault = faults.get(path) ?? faults.get(path.replace(/[^/]*$/, '*'));
    if (fault === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault === 'stall') return;
    if (fault === 'cut' && request.method === 'GET') {
      const body = readFileSync(join(root, path));
      response.writeHead(200, { 'Content-Length': String(body.length), 'Content-Type': 'application/octet-stream' });
      response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
      return;
    }
    files(request, response, () => {
      response.statusCode = 404;
      response.end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    requests,
    setFault: (path, fault) => {
      if (fault === undefined) faults.delete(path);
      else faults.set(path, fault);
    },
    // Kept-alive connections too: a test that stops the server means no more answers, at once.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
