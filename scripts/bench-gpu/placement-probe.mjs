// Where onnxruntime-web's WebGPU EP places the nodes of ONNX exports, read from onnxruntime's own log in
// headless Chromium: for each file, a session with the batch and sequence axes fixed (2 x 32, as the
// library's graph capture builds them) logging at level 0, whose "Node(s) placed on [CPUExecutionProvider]"
// list gives the op types left on the CPU, then whether a graph-capture session builds (it does only when every
// node runs on the GPU). Prints a Markdown table. Placement depends on the EP's kernels, not the adapter:
// SwiftShader (Debian Chromium, any machine) answers for fp32 graphs.
// Usage: node scripts/bench-gpu/placement-probe.mjs MODEL_DIR/onnx/model.onnx [...]   (CHROMIUM_PATH, default /usr/bin/chromium)
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const files = process.argv.slice(2).map((file) => resolve(file));
if (files.length === 0) throw new Error('usage: node scripts/bench-gpu/placement-probe.mjs MODEL.onnx [...]');
const page = mkdtempSync(join(tmpdir(), 'placement-'));
await build({
  entryPoints: [join(root, 'scripts/bench-gpu/browser/placement-page.ts')],
  outfile: join(page, 'page.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
writeFileSync(join(page, 'page.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./page.js"></script>\n');

// Dynamic import after the build: the server module is TypeScript compiled by the same esbuild.
const serverModule = join(page, 'server.mjs');
await build({ entryPoints: [join(root, 'scripts/bench-gpu/browser/static-server.ts')], outfile: serverModule, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
const { serveMounts } = await import(serverModule);
const mounts = { '/': page, '/ort/': join(root, 'node_modules/onnxruntime-web/dist') };
files.forEach((file, index) => {
  mounts[`/m${index}/`] = dirname(file);
});
const server = await serveMounts(mounts);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
const rows = ['| file | CPU nodes with the axes fixed | no WebGPU kernel for | graph capture |', '| --- | --- | --- | --- |'];
try {
  for (const [index, file] of files.entries()) {
    const tab = await browser.newPage();
    const lines = [];
    tab.on('console', (message) => lines.push(message.text()));
    await tab.goto(`${server.origin}/page.html`);
    await tab.waitForFunction(() => window.placementProbe !== undefined);
    const url = `${server.origin}/m${index}/${basename(file)}`;
    const name = `${basename(dirname(dirname(file)))}/${basename(file)}`;
    try {
      const axes = await tab.evaluate((u) => window.placementProbe.axes(u), url);
      if (axes === undefined) throw new Error('input_ids has no symbolic batch and sequence axes');
      lines.length = 0;
      await tab.evaluate(([u, a]) => window.placementProbe.build(u, a, false, 0), [url, axes]);
      const ops = new Map();
      const start = lines.findIndex((line) => line.includes('placed on [CPUExecutionProvider]'));
      for (const line of start < 0 ? [] : lines.slice(start + 1)) {
        const node = /VerifyEachNodeIsAssignedToAnEp\]\s{3}(\w+) \(/.exec(line);
        if (node === null) break;
        ops.set(node[1], (ops.get(node[1]) ?? 0) + 1);
      }
      const noKernel = new Set(lines.map((line) => /kernel not found in registries for Op type: (\w+)/.exec(line)?.[1]).filter(Boolean));
      let capture = 'builds';
      try {
        await tab.evaluate(([u, a]) => window.placementProbe.build(u, a, true, 3), [url, axes]);
      } catch (error) {
        capture = /not been partitioned/.test(String(error)) ? 'refused: not every node on the GPU' : `fails: ${String(error).split('\n')[0].slice(0, 120)}`;
      }
      const cpu = [...ops].map(([op, count]) => `${op} x${count}`).join(', ') || 'none';
      rows.push(`| ${name} | ${cpu} | ${[...noKernel].join(', ') || 'none'} | ${capture} |`);
    } catch (error) {
      rows.push(`| ${name} | error: ${String(error).split('\n')[0].slice(0, 160)} | - | - |`);
    }
    await tab.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(page, { recursive: true, force: true });
}
console.log(rows.join('\n'));
