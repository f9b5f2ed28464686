/**
 * `npm run bench:gpu` entry: installs Dawn as WebGPU, then runs the benchmark (bench-main.ts).
 * Dawn must be in place before transformers.js and onnxruntime-web load, hence the dynamic import.
 */
import { parseArgs } from 'node:util';
import { installDawn } from './node-webgpu.js';

const { values } = parseArgs({
  options: {
    'models-dir': { type: 'string', default: 'bench-models' },
    model: { type: 'string', multiple: true },
    variants: { type: 'string', default: 'library,library+dynamic' },
    lengths: { type: 'string', default: '32,128,512' },
    rows: { type: 'string', default: '1,8,32,64' },
    'min-seconds': { type: 'string', default: '0.6' },
    'max-tokens-per-batch': { type: 'string', default: '65536' },
    'profile-shapes': { type: 'string', default: '' },
    'rerank-budgets': { type: 'string', default: '4096' },
    'rerank-lengths': { type: 'string', default: '512' },
    'rerank-sets': { type: 'string', default: 'mixed,short' }, // 'none': no rerank measurement
    'first-result-max-length': { type: 'string', default: '512' },
    'max-length': { type: 'string', default: '0' },
    'fidelity-length': { type: 'string', default: '512' },
    fidelity: { type: 'string', default: 'true' },
    corpus: { type: 'string', default: 'scripts/fixtures/corpus.py' },
    wasm: { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/gpu/raw' },
    tag: { type: 'string', default: 'run' },
    'deadline-seconds': { type: 'string', default: '100000' },
    'dawn-flags': { type: 'string', default: 'disable-dawn-features=timestamp_quantization' },
  },
  strict: true,
});

const dawnFlags = values['dawn-flags'].split(/[ ;]+/).filter((flag) => flag.length > 0);
const setup = await installDawn(dawnFlags);
console.log(`adapter: ${JSON.stringify(setup.adapter)}`);
const { runBench } = await import('./bench-main.js');
await runBench(
  {
    modelsDir: values['models-dir'],
    models: values.model ?? ['minilm-l6'],
    variants: values.variants.split(',').filter((v) => v.length > 0),
    lengths: numbers(values.lengths),
    rows: numbers(values.rows),
    minSeconds: Number(values['min-seconds']),
    maxTokensPerBatch: Number(values['max-tokens-per-batch']),
    profileShapes: values['profile-shapes']
      .split(',')
      .filter((s) => s.length > 0)
      .map((s) => {
        const [rows, length] = s.split('x').map(Number);
        return [rows ?? 1, length ?? 128] as const;
      }),
    rerankBudgets: numbers(values['rerank-budgets']),
    rerankLengths: numbers(values['rerank-lengths']),
    firstResultMaxLength: Number(values['first-result-max-length']),
    loadMaxLength: Number(values['max-length']),
    rerankSets: values['rerank-sets'].split(',').filter((kind): kind is 'short' | 'mixed' => kind === 'short' || kind === 'mixed'),
    fidelity: values.fidelity !== 'false',
    corpus: values.corpus,
    wasmPath: values.wasm,
    outDir: values.out,
    tag: values.tag,
    dawnFlags,
    deadlineSeconds: Number(values['deadline-seconds']),
    fidelityLength: Number(values['fidelity-length']),
  },
  setup,
);
// Dawn keeps the process alive while a GPU object is referenced.
process.exit(0);

function numbers(list: string): number[] {
  return list
    .split(',')
    .filter((item) => item.length > 0)
    .map(Number);
}
