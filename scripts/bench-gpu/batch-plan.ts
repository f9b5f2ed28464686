/**
 * Padded tokens of the GPU bench's 100-passage reranks under graph capture, without a GPU or a model: the
 * bench's `short` and `mixed` passages (scripts/bench/text.ts) are tokenized as the library does
 * (bert-base-uncased's tokenizer from fixtures/bench, the runtime's tokenizerTools: word memo and pair
 * template), planned into rows (RowPlanner) and fed in order to the streamed path's BucketBatcher on the
 * shapes planGraphCapture gives MiniLM-L6 in fp32. Printed beside the plan before finer buckets and
 * packed leftovers (power-of-two buckets, each bucket's leftovers in a batch of its own), which is what
 * the H200 figures in docs/benchmarks.md ran.
 *
 *   npx esbuild scripts/bench-gpu/batch-plan.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=bench/.build/batch-plan.mjs && node bench/.build/batch-plan.mjs [--budget 4096]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { QUERY, makePassages, type PassageKind } from '../bench/text.js';
import type { BatchPlan } from '../../src/engine/batching.js';
import { BucketBatcher, bucketOf } from '../../src/engine/bucket-batches.js';
import { planRows } from '../../src/engine/pair-rows.js';
import { crossEncoderFormat } from '../../src/engine/prompt-format.js';
import { CAPTURE_LENGTHS, captureShapes, estimateWeightBytes, planGraphCapture } from '../../src/runtime/capture-policy.js';
import { tokenizerTools, type LoadedTokenizer } from '../../src/runtime/tokenizer-tools.js';
import type { CaptureShape } from '../../src/runtime/webgpu-runner.js';

const { values } = parseArgs({ options: { budget: { type: 'string', default: '4096' } } });
const budget = Number(values.budget);
const MAX_LENGTH = 512;
const MAX_ROWS = 64;
/** ms-marco-MiniLM-L-6-v2's shape, as scripts/bench-gpu/make_models.py writes it. */
const MINILM_L6 = { model_type: 'bert', vocab_size: 30522, hidden_size: 384, num_hidden_layers: 6, intermediate_size: 1536, max_position_embeddings: 512 };

interface Plan {
  readonly name: string;
  readonly shapes: readonly CaptureShape[];
  readonly batches: (lengths: readonly number[]) => BatchPlan[];
}

const rowsIn = (shapes: readonly CaptureShape[]) => (length: number): number => shapes.find((shape) => shape.length === length)?.rows ?? 1;

/** The shapes planGraphCapture gives the model (finer buckets: its copies fit), or the powers of two alone. */
function shapesOf(finer: boolean): readonly CaptureShape[] {
  if (!finer) return captureShapes(MAX_LENGTH, budget, MAX_ROWS, undefined, CAPTURE_LENGTHS);
  return planGraphCapture({
    request: 'auto',
    device: 'webgpu',
    dtype: 'fp32',
    weightBytes: estimateWeightBytes(MINILM_L6, 'fp32'),
    maxLength: MAX_LENGTH,
    batchTokenBudget: budget,
    maxBatchRows: MAX_ROWS,
    outputWidth: 1,
    refetchesModel: false,
  }).shapes;
}

/**
 * Full buckets as rows come (the streamed path); leftovers packed longest first (BucketBatcher, the
 * library's) or, as before, each bucket's leftover rows in a batch of their own.
 */
function makePlan(name: string, finer: boolean, packed: boolean): Plan {
  const shapes = shapesOf(finer);
  const buckets = shapes.map((shape) => shape.length);
  const rows = rowsIn(shapes);
  return {
    name,
    shapes,
    batches: (lengths) => {
      if (packed) {
        const batcher = new BucketBatcher(buckets, rows);
        const full = lengths.flatMap((length, row) => batcher.add(row, length) ?? []);
        return [...full, ...batcher.finish()];
      }
      // Unpacked: the same full batches, then one batch per bucket of what is left.
      const waiting = new Map<number, number[]>();
      const batches: BatchPlan[] = [];
      lengths.forEach((length, row) => {
        const bucket = bucketOf(length, buckets);
        const members = [...(waiting.get(bucket) ?? []), row];
        waiting.set(bucket, members);
        if (members.length >= rows(bucket)) {
          batches.push({ members, length: bucket });
          waiting.delete(bucket);
        }
      });
      for (const bucket of [...waiting.keys()].sort((a, b) => a - b)) batches.push({ members: waiting.get(bucket) ?? [], length: bucket });
      return batches;
    },
  };
}

const PLANS: readonly Plan[] = [
  makePlan('before: powers of two, a batch per bucket', false, false),
  makePlan('powers of two, packed leftovers', false, true),
  makePlan('finer buckets, a batch per bucket', true, false),
  makePlan('now: finer buckets, packed leftovers', true, true),
];

async function rowLengths(kind: PassageKind): Promise<number[]> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = fileURLToPath(new URL('../../fixtures/bench/', import.meta.url));
  const tokenizer = await AutoTokenizer.from_pretrained('ms-marco-minilm-l6-shape');
  const tools = tokenizerTools(tokenizer as unknown as LoadedTokenizer);
  const model = { prompt: crossEncoderFormat(tools.pairTemplate()), maxLength: MAX_LENGTH, tokenize: tools.tokenize };
  const planned = planRows(makePassages(100, kind).map((passage) => [QUERY, passage] as const), model, false, 'documents');
  return planned.rows.map((row) => row.inputIds.length);
}

function describePlan(plan: Plan, lengths: readonly number[]): string {
  const batches = plan.batches(lengths);
  const rows = rowsIn(plan.shapes);
  const real = lengths.reduce((sum, length) => sum + length, 0);
  const padded = batches.reduce((sum, batch) => sum + batch.length * rows(batch.length), 0);
  const used = new Map<string, number>();
  for (const batch of batches) {
    const key = `${rows(batch.length)}x${batch.length}`;
    used.set(key, (used.get(key) ?? 0) + 1);
  }
  const shapes = [...used].map(([shape, count]) => `${count} x ${shape}`).join(', ');
  const pairs = batches.reduce((sum, batch) => sum + batch.members.length, 0);
  return `| ${plan.name} | ${plan.shapes.length} | ${batches.length} | ${padded.toLocaleString('en-US')} | ${(padded / real).toFixed(2)}x | ${shapes} | ${pairs} |`;
}

for (const kind of ['mixed', 'short'] as const) {
  const lengths = await rowLengths(kind);
  const real = lengths.reduce((sum, length) => sum + length, 0);
  console.log(`\n100 ${kind} passages, budget ${budget}: ${lengths.length} rows of ${Math.min(...lengths)}-${Math.max(...lengths)} tokens, ${real.toLocaleString('en-US')} real tokens`);
  console.log('| plan | captured shapes | batches | padded tokens | padded / real | batches by shape | pairs |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const plan of PLANS) console.log(describePlan(plan, lengths));
}
