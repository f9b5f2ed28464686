// Speed of ONNX files on onnxruntime-web's WASM backend in Node (one thread), alternating between the files
// in rounds: what a graph change (the cross-encoder preset's fused ops, a quantization) gives on WASM by
// itself, without the library's tokenizing and batching around it. Prints a Markdown table: per file and
// shape, the median ms per run over the rounds (each round's figure: the median of its runs) and their range,
// and the largest |logit| difference to the first file on the same inputs.
// Usage: node scripts/bench/graph-wasm.mjs [--rounds 3] [--runs 10] [--shapes 1x128,1x256,8x128] A.onnx B.onnx ...
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' }, runs: { type: 'string', default: '10' }, shapes: { type: 'string', default: '1x128,1x256,8x128' } },
});
if (positionals.length === 0) throw new Error('usage: node scripts/bench/graph-wasm.mjs [--rounds N] [--runs N] [--shapes RxL,...] MODEL.onnx ...');
ort.env.wasm.numThreads = 1;
const rounds = Number(values.rounds);
const runs = Number(values.runs);
const shapes = values.shapes.split(',').map((shape) => shape.split('x').map(Number));

let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
/** Right-padded rows of random ids with [CLS] ... [SEP] ... [SEP] and type ids, the last row a third shorter. */
function feeds(session, rows, length) {
  const size = rows * length;
  const ids = new BigInt64Array(size);
  const mask = new BigInt64Array(size);
  const types = new BigInt64Array(size);
  for (let r = 0; r < rows; r += 1) {
    const used = r === rows - 1 && rows > 1 ? Math.floor((length * 2) / 3) : length;
    for (let i = 0; i < used; i += 1) {
      ids[r * length + i] = BigInt(i === 0 ? 101 : i === used - 1 || i === Math.floor(used / 3) ? 102 : 1000 + Math.floor(random() * 29000));
      mask[r * length + i] = 1n;
      types[r * length + i] = i > Math.floor(used / 3) ? 1n : 0n;
    }
  }
  const all = { input_ids: ids, attention_mask: mask, token_type_ids: types };
  return Object.fromEntries(session.inputNames.map((name) => [name, new ort.Tensor('int64', all[name], [rows, length])]));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sessions = [];
for (const file of positionals) sessions.push(await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'] }));
const rows = ['| file | shape | ms per run, median of rounds (range) | pairs/s | max abs diff to the first file |', '| --- | --- | --- | --- | --- |'];
for (const [r, l] of shapes) {
  const input = feeds(sessions[0], r, l);
  const first = [];
  const times = sessions.map(() => []);
  const diffs = sessions.map(() => 0);
  for (const [index, session] of sessions.entries()) {
    const feed = Object.fromEntries(session.inputNames.map((name) => [name, input[name] ?? feeds(session, r, l)[name]]));
    const out = (await session.run(feed)).logits.data;
    if (index === 0) first.push(...out);
    diffs[index] = Math.max(...Array.from(out, (v, i) => Math.abs(v - first[i])));
    await session.run(feed); // warm-up
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, session] of sessions.entries()) {
      const feed = Object.fromEntries(session.inputNames.map((name) => [name, input[name]]));
      const each = [];
      for (let i = 0; i < runs; i += 1) {
        const start = performance.now();
        await session.run(feed);
        each.push(performance.now() - start);
      }
      times[index].push(median(each));
    }
  }
  for (const [index, file] of positionals.entries()) {
    const ms = median(times[index]);
    rows.push(`| ${file.split('/').slice(-3).join('/')} | ${r}x${l} | ${ms.toFixed(1)} (${Math.min(...times[index]).toFixed(1)}-${Math.max(...times[index]).toFixed(1)}) | ${((1000 * r) / ms).toFixed(0)} | ${diffs[index].toExponential(1)} |`);
  }
}
console.log(rows.join('\n'));
