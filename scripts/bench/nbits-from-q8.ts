/**
 * Rewrites a dynamically quantized (q8) graph, as onnxruntime's `quantize_dynamic` writes it, into weight-only
 * `MatMulNBits` (com.microsoft) products with float activations: every DynamicQuantizeLinear -> MatMulInteger
 * -> Cast -> Mul(scale) chain becomes one MatMulNBits on the chain's float input. With `--bits 8` the weights
 * are the q8 file's own int8 values (its per-tensor scale and zero point repeated per block: the same weights
 * exactly), so any score change comes from the activations alone; `--bits 4` re-quantizes the q8 weights
 * symmetrically in blocks of `--block` along K. The embedding tables stay as the q8 file has them.
 * `--accuracy-level` is MatMulNBits' attribute (4: int8 compute, activations quantized per row and block).
 * `--bits 32` writes plain float MatMuls of the dequantized weights instead: an fp32 graph of the same shape and
 * weights, for fp32 speed where the fp32 file is not at hand.
 *
 * A bench tool: it lets this machine (no Python onnxruntime) make weight-only files of the bench model for
 * wasm-native.ts. The export tool's own weight-only files come from scripts/export/quantize_weights.py.
 *
 *   npx tsc -p scripts/bench && node bench/.build/bench/nbits-from-q8.js IN_quantized.onnx OUT.onnx [--bits 8|4|32] [--block 32] [--accuracy-level 4]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AttributeType, DataType, readModel, tensorValues, toNumber, writeModel, type Node, type Tensor } from './onnx-proto.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { bits: { type: 'string', default: '8' }, block: { type: 'string', default: '32' }, 'accuracy-level': { type: 'string', default: '4' } },
});
const [src, dst] = positionals;
if (src === undefined || dst === undefined) throw new Error('usage: nbits-from-q8.js IN.onnx OUT.onnx [--bits 8|4|32] [--block 32] [--accuracy-level 4]');
const bits = Number(values.bits);
const block = Number(values.block);
const accuracyLevel = Number(values['accuracy-level']);
if (bits !== 8 && bits !== 4 && bits !== 32) throw new Error('--bits must be 8, 4 or 32');

const model = readModel(readFileSync(src));
const graph = model.graph;
const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
const producer = new Map<string, Node>();
for (const node of graph.node) for (const output of node.output) producer.set(output, node);
const consumers = (name: string): Node[] => graph.node.filter((node) => node.input.includes(name));
const scalar = (name: string | undefined): number => {
  const tensor = name === undefined ? undefined : initializers.get(name);
  if (tensor === undefined) throw new Error(`${String(name)} is not an initializer`);
  return Number(tensorValues(tensor)[0]);
};
const only = (nodes: Node[], opType: string, what: string): Node => {
  const node = nodes.find((candidate) => candidate.opType === opType);
  if (node === undefined) throw new Error(`${what}: no ${opType} consumer`);
  return node;
};

/** The MatMulNBits initializers for weight Wq [K, N] (uint8, one scale and zero point): B [N, K/block, blob], scales, zero points. */
function nbitsWeights(name: string, weight: Tensor, scale: number, zeroPoint: number): Tensor[] {
  const [k, n] = weight.dims.map(toNumber) as [number, number];
  if (k % block !== 0) throw new Error(`${name}: K = ${k} is not a multiple of the block ${block}`);
  const q = tensorValues(weight);
  const blocks = k / block;
  const blob = (block * bits) / 8;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zeros = new Uint8Array(n * blocks);
  for (let col = 0; col < n; col += 1) {
    for (let b = 0; b < blocks; b += 1) {
      const at = col * blocks + b;
      if (bits === 8) {
        scales[at] = scale;
        zeros[at] = zeroPoint;
        for (let j = 0; j < block; j += 1) packed[at * blob + j] = Number(q[(b * block + j) * n + col]);
        continue;
      }
      const w = Array.from({ length: block }, (_, j) => scale * (Number(q[(b * block + j) * n + col]) - zeroPoint));
      const step = Math.max(...w.map(Math.abs)) / 7 || 1;
      scales[at] = step;
      w.forEach((value, j) => {
        const code = Math.min(15, Math.max(0, Math.round(value / step) + 8));
        const byte = at * blob + (j >> 1);
        packed[byte] = (packed[byte] ?? 0) | (j % 2 === 0 ? code : code << 4);
      });
    }
  }
  const tensors: Tensor[] = [
    { name: `${name}_nbits`, dims: [n, blocks, blob], dataType: DataType.UINT8, rawData: packed },
    { name: `${name}_nbits_scales`, dims: [n * blocks], dataType: DataType.FLOAT, rawData: new Uint8Array(scales.buffer) },
  ];
  if (bits === 8) tensors.push({ name: `${name}_nbits_zero_points`, dims: [n * blocks], dataType: DataType.UINT8, rawData: zeros });
  return tensors;
}

const removed = new Set<Node>();
let rewritten = 0;
for (const matmul of graph.node.filter((node) => node.opType === 'MatMulInteger')) {
  const [aq, wName, , wZero] = matmul.input;
  const quantizer = producer.get(aq ?? '');
  const weight = initializers.get(wName ?? '');
  if (quantizer?.opType !== 'DynamicQuantizeLinear' || weight === undefined || weight.dataType !== DataType.UINT8) {
    throw new Error(`${matmul.name ?? '?'}: not a DynamicQuantizeLinear -> MatMulInteger on a uint8 weight`);
  }
  const cast = only(consumers(matmul.output[0] ?? ''), 'Cast', matmul.name ?? '?');
  const mul = only(consumers(cast.output[0] ?? ''), 'Mul', matmul.name ?? '?');
  const scaleName = mul.input.find((input) => input !== cast.output[0]);
  const scaleMul = producer.get(scaleName ?? '');
  if (scaleMul?.opType !== 'Mul') throw new Error(`${matmul.name ?? '?'}: no scale product`);
  const weightScale = scalar(scaleMul.input.find((input) => initializers.has(input)));
  const [k, n] = weight.dims.map(toNumber) as [number, number];
  if (bits === 32) {
    const q = tensorValues(weight);
    const zero = scalar(wZero);
    const floats = Float32Array.from(q, (value) => weightScale * (Number(value) - zero));
    const tensor: Tensor = { name: `${wName ?? ''}_float`, dims: [k, n], dataType: DataType.FLOAT, rawData: new Uint8Array(floats.buffer) };
    graph.initializer.push(tensor);
    Object.assign(matmul, { opType: 'MatMul', domain: '', input: [quantizer.input[0] ?? '', tensor.name], output: [mul.output[0] ?? ''], attribute: [] });
    removed.add(cast).add(mul).add(scaleMul);
    rewritten += 1;
    continue;
  }
  const tensors = nbitsWeights(wName ?? '', weight, weightScale, scalar(wZero));
  graph.initializer.push(...tensors);
  const attribute = (name: string, i: number) => ({ name, type: AttributeType.INT, i });
  Object.assign(matmul, {
    opType: 'MatMulNBits',
    domain: 'com.microsoft',
    input: [quantizer.input[0] ?? '', ...tensors.map((tensor) => tensor.name)],
    output: [mul.output[0] ?? ''],
    attribute: [attribute('K', k), attribute('N', n), attribute('bits', bits), attribute('block_size', block), attribute('accuracy_level', accuracyLevel)],
  });
  removed.add(cast).add(mul).add(scaleMul);
  rewritten += 1;
}

// Drop what no longer feeds anything: the quantizers, their scale products, unused initializers.
graph.node = graph.node.filter((node) => !removed.has(node));
const graphOutputs = new Set((graph.output as { name: string }[]).map((output) => output.name));
for (let changed = true; changed; ) {
  const used = new Set(graph.node.flatMap((node) => node.input));
  const before = graph.node.length;
  graph.node = graph.node.filter((node) => node.output.some((output) => used.has(output) || graphOutputs.has(output)));
  changed = graph.node.length !== before;
}
const used = new Set(graph.node.flatMap((node) => node.input));
graph.initializer = graph.initializer.filter((tensor) => used.has(tensor.name));
graph.valueInfo = [];
if (!model.opsetImport.some((opset) => opset.domain === 'com.microsoft')) model.opsetImport.push({ domain: 'com.microsoft', version: 1 });

const bytes = writeModel(model);
writeFileSync(dst, bytes);
const ops = new Map<string, number>();
for (const node of graph.node) ops.set(node.opType, (ops.get(node.opType) ?? 0) + 1);
const made = bits === 32 ? 'float MatMul' : `MatMulNBits (bits ${bits}, block ${block}, accuracy_level ${accuracyLevel})`;
console.log(`${dst}: ${bytes.length} bytes; ${rewritten} MatMulInteger -> ${made}; ops ${JSON.stringify(Object.fromEntries(ops))}`);
