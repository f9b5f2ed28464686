/**
 * A static file server on 127.0.0.1 for the browser GPU bench: the page, the standalone build and the
 * model folders, each under its own URL prefix, with the content types a browser needs (`application/wasm`
 * for streaming compilation, JavaScript modules) and the cross-origin isolation headers the README asks
 * self-hosting sites to send.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** `mounts`: URL prefix (`/`, `/models/`) -> folder. The longest matching prefix wins. */
export async function serveMounts(mounts: Readonly<Record<string, string>>): Promise<StaticServer> {
  const table = Object.entries(mounts)
    .map(([prefix, folder]) => ({ prefix, base: normalize(folder) + sep }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const mount = table.find((entry) => path.startsWith(entry.prefix));
    const file = mount === undefined ? '' : normalize(join(mount.base, path.slice(mount.prefix.length) || 'page.html'));
    let size = 0;
    try {
      if (mount === undefined || !file.startsWith(mount.base)) throw new Error('outside');
      const stats = statSync(file);
      if (!stats.isFile()) throw new Error('not a file');
      size = stats.size;
    } catch {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-length': size,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
