/**
 * The GPU benchmark proper: the library's engine (RerankEngine) over the library's runtime
 * (loadReranker: transformers.js + onnxruntime-web's WebGPU EP, with graph capture as configured), in
 * Node with Dawn as WebGPU. Variants: `library` (graph capture as 'auto' gives MiniLM in a page),
 * `library+capture` (webgpuGraphCapture: true), `library+dynamic` (false: the dynamic-shape session for
 * every batch).
 *
 * Per model and variant: throughput by rows x tokens, a 100-passage rerank's latency, time to first result,
 * kernel profiles (WebGPU timestamp queries) and the scores of a fidelity set, which check_fidelity.py
 * compares with onnxruntime on the CPU.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, cpus } from 'node:os';
import { join } from 'node:path';
import type { LoadedModel } from '../../src/engine/loaded-model.js';
import { planRows } from '../../src/engine/pair-rows.js';
import { DEFAULT_BATCH_TOKEN_BUDGET, RerankEngine } from '../../src/engine/rerank-engine.js';
import { loadReranker } from '../../src/runtime/transformers-runtime.js';
import type { LoadProgress } from '../../src/shared/types.js';
// The onnxruntime-web instance transformers.js uses (bundled once): its env takes the .wasm bytes.
import * as ort from 'onnxruntime-web/webgpu';
import type { DawnSetup, ProfileWindow } from './node-webgpu.js';
import { QUERY as BENCH_QUERY, makePassages, type PassageKind } from '../bench/text.js';
import { seededRandom } from '../shared/seeded-random.js';
import { corpusSentences, passageOfWords, QUERIES } from './passages.js';
import { serveFolder } from './serve.js';
import { captureSettled } from './capture-settled.js';

export interface BenchConfig {
  readonly modelsDir: string;
  readonly models: readonly string[];
  readonly variants: readonly string[];
  readonly lengths: readonly number[];
  readonly rows: readonly number[];
  readonly minSeconds: number;
  readonly maxTokensPerBatch: number;
  readonly profileShapes: readonly (readonly [number, number])[];
  readonly rerankBudgets: readonly number[];
  readonly rerankLengths: readonly number[];
  /** Passage sets of `npm run bench` (scripts/bench/text.ts) for the 100-passage rerank. */
  readonly rerankSets: readonly PassageKind[];
  /** maxLength of the first (time-to-first-result) rerank; the model's own unless lowered for a quick local run. */
  readonly firstResultMaxLength: number;
  /** maxLength the library loads with (0: the model's own); it sets the last captured length bucket. */
  readonly loadMaxLength: number;
  readonly fidelity: boolean;
  readonly corpus: string;
  readonly wasmPath: string;
  readonly outDir: string;
  readonly tag: string;
  readonly dawnFlags: readonly string[];
  /** Longest pair of the fidelity set (and its engine's maxLength). */
  readonly fidelityLength: number;
  /** Seconds after start past which no new measurement starts (what ran is written). */
  readonly deadlineSeconds: number;
}

interface Variant {
  readonly name: string;
  /** webgpuGraphCapture: `library` and `library+capture` true (see parseVariant), `library+dynamic` false. */
  readonly capture: 'auto' | boolean;
}

interface GridRow {
  rows: number;
  length: number;
  batches: number;
  pairs: number;
  pairsPerSecond: number;
  inferencePairsPerSecond: number;
  msPerBatchMedian: number;
  msPerBatchMin: number;
  paddedShape: readonly [number, number];
  gflopsPerSecond: number;
}

interface RerankRow {
  /** Median of calls on a new engine (empty token cache); medianMs is of repeated calls (passages cached). */
  coldMsMedian: number;
  coldTokenizeMsMedian: number;
  /** Tokenizing in the first call after the model loaded (word memo empty; the call also captures shapes). */
  firstCallTokenizeMs: number;
  set: PassageKind;
  maxLength: number;
  budget: number;
  passages: number;
  batches: number;
  shapes: string[];
  medianMs: number;
  minMs: number;
  p90Ms: number;
  tokenizeMsMedian: number;
  inferenceMsMedian: number;
  firstCallMs: number;
}

const log = (message: string): void => {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
};

export async function runBench(config: BenchConfig, setup: DawnSetup): Promise<void> {
  const deadline = performance.now() + config.deadlineSeconds * 1000;
  const late = (): boolean => performance.now() > deadline;
  mkdirSync(config.outDir, { recursive: true });
  const wasmPath = config.wasmPath || 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm';
  const wasmBinary = readFileSync(wasmPath);
  ort.env.wasm.wasmBinary = wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength);
  ort.env.wasm.numThreads = 1;
  ort.env.webgpu.powerPreference = 'high-performance';

  const sentences = corpusSentences(config.corpus);
  const server = await serveFolder(config.modelsDir);
  const report: Record<string, unknown> = {
    tag: config.tag,
    date: new Date().toISOString(),
    host: { hostname: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version },
    adapter: setup.adapter,
    dawnFlags: config.dawnFlags,
    config,
    models: {} as Record<string, unknown>,
  };
  const write = (): void => writeFileSync(join(config.outDir, `bench-${config.tag}.json`), JSON.stringify(report, null, 1));

  try {
    for (const modelName of config.models) {
      const modelReport: Record<string, unknown> = { variants: {} };
      (report['models'] as Record<string, unknown>)[modelName] = modelReport;
      const modelConfig = JSON.parse(readFileSync(join(config.modelsDir, modelName, 'config.json'), 'utf8')) as Record<string, unknown>;
      modelReport['config'] = pick(modelConfig, ['model_type', 'num_hidden_layers', 'hidden_size', 'num_attention_heads', 'intermediate_size', 'vocab_size', 'max_position_embeddings']);
      const flopsPerPair = (length: number): number => pairFlops(modelConfig, length);
      const rerankSets = new Map(config.rerankSets.map((kind) => [kind, makePassages(100, kind)] as const));
      /** The library as an app loads it: loadReranker (transformers.js + onnxruntime-web) at this budget. */
      const load = (capture: 'auto' | boolean, batchTokenBudget: number, onProgress: (progress: LoadProgress) => void = () => undefined): Promise<LoadedModel> =>
        loadReranker(
          { model: modelName, modelBaseUrl: server.baseUrl, device: 'webgpu', dtype: 'fp32', useBrowserCache: false, webgpuGraphCapture: capture, batchTokenBudget,
            ...(config.loadMaxLength > 0 ? { maxLength: config.loadMaxLength } : {}) },
          onProgress,
        );

      const fidelity: { tag: string; model: string; pairs: { inputIds: number[]; tokenTypeIds: number[] }[]; scores: Record<string, number[]> } = {
        tag: config.tag,
        model: modelName,
        pairs: [],
        scores: {},
      };

      for (const variantName of config.variants) {
        if (late()) {
          log(`${modelName}: deadline reached, ${variantName} not run`);
          continue;
        }
        const variant = parseVariant(variantName);
        log(`${modelName}: variant ${variant.name}`);
        const variantReport: Record<string, unknown> = {};
        (modelReport['variants'] as Record<string, unknown>)[variant.name] = variantReport;
        // One loaded model at a time (each holds the weights, and captured shapes a copy each), per budget.
        let held: { budget: number; model: LoadedModel } | undefined;
        const modelAt = async (budget: number): Promise<LoadedModel> => {
          if (held?.budget === budget) return held.model;
          await held?.model.dispose();
          held = undefined;
          const model = await load(variant.capture, budget);
          held = { budget, model };
          return model;
        };
        try {
          // --- Time to first result in a fresh load (default budget): session, warm-up, one 100-passage rerank.
          const loadStart = performance.now();
          let progressSessionAt = 0;
          const first = await load(variant.capture, DEFAULT_BATCH_TOKEN_BUDGET, (progress) => {
            if (progress.stage === 'session') progressSessionAt = performance.now() - loadStart;
          });
          const loadedAt = performance.now() - loadStart;
          const firstEngine = await engineFor(first, modelName, DEFAULT_BATCH_TOKEN_BUDGET, config.firstResultMaxLength);
          const warmedAt = performance.now() - loadStart;
          await firstEngine.rerank(1, BENCH_QUERY, makePassages(100, 'mixed'));
          const firstResultAt = performance.now() - loadStart;
          variantReport['timeToFirstResult'] = {
            downloadMs: progressSessionAt,
            sessionReadyMs: loadedAt,
            warmedUpMs: warmedAt,
            firstRerank100Ms: firstResultAt,
            graphCapture: firstEngine.info.graphCapture,
            note: 'fresh load: model fetch over localhost, session build, warm-up pair (after the 128-token shape is captured), first rerank of the 100 mixed passages of npm run bench (budget 4096; shapes not captured yet run on the dynamic session and are captured in idle time after)',
          };
          log(`${modelName}: ${variant.name} first result after ${firstResultAt.toFixed(0)} ms (session ${loadedAt.toFixed(0)} ms); ${firstEngine.info.graphCapture.reason}`);
          await first.dispose();
          held = undefined;
          write();

          const fidelityLength = Math.min(config.fidelityLength, first.maxLength);
          const fidelityPairs = fidelitySet(sentences, fidelityLength);
          if (config.fidelity) {
            const model = await modelAt(16 * fidelityLength);
            if (fidelity.pairs.length === 0) {
              for (const encoded of planRows(fidelityPairs, { ...model, maxLength: fidelityLength }, false).rows) {
                fidelity.pairs.push({ inputIds: encoded.inputIds, tokenTypeIds: encoded.tokenTypeIds });
              }
            }
            const engine = await engineFor(model, modelName, 16 * fidelityLength, fidelityLength);
            // Twice: graph capture replays from the second batch of a shape on; both must agree.
            await engine.score(1, fidelityPairs);
            await captureSettled(() => engine.lastTimings());
            fidelity.scores[variant.name] = await engine.score(2, fidelityPairs);
            write();
          }

          // --- Throughput by rows x length (all pairs truncated to exactly `length` tokens), budget rows x length.
          const grid: GridRow[] = [];
          variantReport['grid'] = grid;
          const cells = config.lengths.flatMap((length) => config.rows.map((rows) => ({ rows, length, budget: rows * length })));
          cells.sort((a, b) => a.budget - b.budget || a.length - b.length);
          for (const { rows, length, budget } of cells) {
            if (length > first.maxLength || rows > 64 || budget > config.maxTokensPerBatch || late()) continue;
            const timed = timedRuns(await modelAt(budget));
            const longPassage = passageOfWords(sentences, length * 2, seededRandom(length));
            const engine = await engineFor(memoTokenize(timed.model), modelName, budget, length);
            const pairs = (count: number): [string, string][] =>
              Array.from({ length: count }, (_, i) => [QUERIES[i % QUERIES.length] ?? '', longPassage]);
            await engine.score(1, pairs(rows)); // compile this shape; its captured session is built in idle time
            await captureSettled(() => engine.lastTimings());
            timed.reset();
            const probeStart = performance.now();
            await engine.score(2, pairs(rows));
            const oneBatch = performance.now() - probeStart;
            const batches = Math.max(2, Math.min(60, Math.ceil((config.minSeconds * 1000) / Math.max(oneBatch, 0.01))));
            // Calls stay under the engine's per-call limits (documents, characters).
            const perCall = Math.max(1, Math.floor(Math.min(9000, 9e6 / (longPassage.length + 80)) / rows));
            timed.reset();
            let inferenceMs = 0;
            let callId = 3;
            const start = performance.now();
            for (let done = 0; done < batches; done += perCall) {
              await engine.score(callId++, pairs(rows * Math.min(perCall, batches - done)));
              inferenceMs += engine.lastTimings()?.inferenceMs ?? 0;
            }
            const wallMs = performance.now() - start;
            const pairsDone = rows * batches;
            const row: GridRow = {
              rows,
              length,
              batches,
              pairs: pairsDone,
              pairsPerSecond: (pairsDone / wallMs) * 1000,
              inferencePairsPerSecond: (pairsDone / inferenceMs) * 1000,
              msPerBatchMedian: median(timed.times()),
              msPerBatchMin: Math.min(...timed.times()),
              paddedShape: [rows, length],
              gflopsPerSecond: (pairsDone * flopsPerPair(length)) / inferenceMs / 1e6,
            };
            grid.push(row);
            log(
              `  ${variant.name} ${rows}x${length}: ${row.pairsPerSecond.toFixed(1)} pairs/s ` +
                `(inference ${row.inferencePairsPerSecond.toFixed(1)}), ${row.msPerBatchMedian.toFixed(2)} ms/batch, ${row.gflopsPerSecond.toFixed(0)} GFLOP/s`,
            );
            write();
          }

          // --- Where the time goes: call counts, and per-kernel GPU time from timestamp queries.
          const profiles: unknown[] = [];
          variantReport['profiles'] = profiles;
          for (const [rows, length] of config.profileShapes) {
            if (length > first.maxLength || late()) continue;
            const timed = timedRuns(await modelAt(rows * length));
            const longPassage = passageOfWords(sentences, length * 2, seededRandom(length));
            const engine = await engineFor(memoTokenize(timed.model), modelName, rows * length, length);
            const pairs = Array.from({ length: rows }, (_, i): [string, string] => [QUERIES[i % QUERIES.length] ?? '', longPassage]);
            await engine.score(1, pairs);
            await captureSettled(() => engine.lastTimings());
            await engine.score(2, pairs);
            const windows: Record<string, ProfileWindow> = {};
            for (const timing of [false, true]) {
              timed.reset();
              setup.profiler.open(timing);
              for (let repeat = 0; repeat < 3; repeat++) {
                setup.profiler.countRun();
                await engine.score(10 + repeat, pairs);
              }
              windows[timing ? 'timed' : 'counted'] = await setup.profiler.close();
            }
            const counted = windows['counted'];
            const timedWindow = windows['timed'];
            profiles.push({ rows, length, counted, timed: timedWindow, msPerBatchCounted: counted === undefined ? 0 : counted.wallMs / counted.runs });
            if (counted !== undefined && timedWindow !== undefined) {
              log(
                `  profile ${variant.name} ${rows}x${length}: wall ${(counted.wallMs / counted.runs).toFixed(2)} ms/batch, ` +
                  `${(counted.dispatches / counted.runs).toFixed(0)} dispatches, GPU busy ${(timedWindow.gpuBusyMs / timedWindow.runs).toFixed(2)} ms/batch; top: ` +
                  timedWindow.kernels
                    .slice(0, 5)
                    .map((k) => `${k.name} ${(k.totalMs / timedWindow.runs).toFixed(2)}`)
                    .join(', '),
              );
            }
            write();
          }

          // --- A 100-passage rerank, as an app calls it.
          const reranks: RerankRow[] = [];
          variantReport['rerank100'] = reranks;
          for (const budget of config.rerankBudgets) for (const [kind, rerankPassages] of rerankSets) for (const maxLength of config.rerankLengths) {
            if (late()) continue;
            const timed = timedRuns(await modelAt(budget));
            const cappedLength = Math.min(maxLength, timed.model.maxLength);
            const engine = await engineFor(timed.model, modelName, budget, cappedLength);
            const firstStart = performance.now();
            await engine.rerank(1, BENCH_QUERY, rerankPassages);
            const firstCallMs = performance.now() - firstStart;
            // A model loaded for this budget: its tokenizer's word memo was empty for this first call.
            const firstCallTokenizeMs = engine.lastTimings()?.tokenizeMs ?? 0;
            // Repeated and cold calls are measured once the shapes the first call met are captured.
            await captureSettled(() => engine.lastTimings());
            // Slow variants get fewer repeats, so the whole plan fits a device call.
            const repeats = firstCallMs > 3000 ? 2 : firstCallMs > 800 ? 4 : 10;
            for (let warm = 0; warm < (repeats > 4 ? 2 : 1); warm++) await engine.rerank(2 + warm, BENCH_QUERY, rerankPassages);
            const totals: number[] = [];
            const tokenize: number[] = [];
            const inference: number[] = [];
            let batches = 0;
            const shapes = new Set<string>();
            for (let repeat = 0; repeat < repeats; repeat++) {
              timed.reset();
              const start = performance.now();
              await engine.rerank(10 + repeat, BENCH_QUERY, rerankPassages);
              totals.push(performance.now() - start);
              const timings = engine.lastTimings();
              tokenize.push(timings?.tokenizeMs ?? 0);
              inference.push(timings?.inferenceMs ?? 0);
              batches = timings?.batches ?? 0;
              for (const [rows, length] of timed.shapes()) shapes.add(`${rows}x${length}`);
            }
            // Cold: passages never seen (another seed of the same kind) on a new engine, so none is in its token
            // cache; their words mostly are in the runtime's word memo (this synthetic prose has a small vocabulary).
            const cold: number[] = [];
            const coldTokenize: number[] = [];
            for (let repeat = 0; repeat < Math.min(repeats, 5); repeat++) {
              const fresh = await engineFor(timed.model, modelName, budget, cappedLength);
              const unseen = makePassages(100, kind, 7_000 + 100 * budget + repeat);
              const start = performance.now();
              await fresh.rerank(1, BENCH_QUERY, unseen);
              cold.push(performance.now() - start);
              coldTokenize.push(fresh.lastTimings()?.tokenizeMs ?? 0);
              // Unseen passages may meet a shape the repeated ones did not: captured before the next cold call.
              await captureSettled(() => fresh.lastTimings());
            }
            const row: RerankRow = {
              coldMsMedian: median(cold),
              firstCallTokenizeMs,
              coldTokenizeMsMedian: median(coldTokenize),
              set: kind,
              maxLength: cappedLength,
              budget,
              passages: rerankPassages.length,
              batches,
              shapes: [...shapes],
              medianMs: median(totals),
              minMs: Math.min(...totals),
              p90Ms: quantile(totals, 0.9),
              tokenizeMsMedian: median(tokenize),
              inferenceMsMedian: median(inference),
              firstCallMs,
            };
            reranks.push(row);
            log(
              `  rerank100 ${kind} ${variant.name} maxLength ${cappedLength} budget ${budget}: median ${row.medianMs.toFixed(1)} ms, ` +
                `cold ${row.coldMsMedian.toFixed(1)} ms (tokenize ${row.coldTokenizeMsMedian.toFixed(1)}); repeated ` +
                `(tokenize ${row.tokenizeMsMedian.toFixed(1)}, rest ${row.inferenceMsMedian.toFixed(1)}), ${batches} batches [${row.shapes.join(' ')}]`,
            );
            write();
          }
        } catch (error) {
          variantReport['error'] = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
          log(`  ${variant.name} failed: ${String(error)}`);
        } finally {
          await held?.model.dispose();
          write();
        }
      }
      writeFileSync(join(config.outDir, `fidelity-${config.tag}-${modelName}.json`), JSON.stringify(fidelity));
    }
  } finally {
    write();
    await server.close();
  }
}

function parseVariant(name: string): Variant {
  // `library` is what 'auto' gives a MiniLM-size model in a page, where the browser cache holds the files.
  // Node has no Cache Storage (the bench loads with useBrowserCache: false, under which 'auto' declines, as
  // every captured shape would download the model again), so it asks for capture outright; for a model 'auto'
  // would leave uncaptured for its size, use library+dynamic.
  const capture = ({ library: true, 'library+capture': true, 'library+dynamic': false } as const)[name as 'library'];
  if (capture === undefined) throw new Error(`unknown variant ${name} (library, library+capture, library+dynamic)`);
  return { name, capture };
}

async function engineFor(model: LoadedModel, name: string, budget: number, maxLength: number): Promise<RerankEngine> {
  const sized: LoadedModel = { ...model, maxLength: Math.min(maxLength, model.maxLength) };
  const engine = new RerankEngine(async () => sized);
  await engine.load({ model: name, batchTokenBudget: budget });
  return engine;
}

/** Times each batch the engine runs and remembers its shape. */
function timedRuns(model: LoadedModel): { model: LoadedModel; times(): number[]; shapes(): [number, number][]; reset(): void } {
  let times: number[] = [];
  let shapes: [number, number][] = [];
  return {
    model: {
      ...model,
      run: async (batch) => {
        const start = performance.now();
        const logits = await model.run(batch);
        times.push(performance.now() - start);
        shapes.push([batch.batchSize, batch.length]);
        return logits;
      },
    },
    times: () => times,
    shapes: () => shapes,
    reset: () => {
      times = [];
      shapes = [];
    },
  };
}

/** The grid scores one passage many times: tokenize it once, so the grid measures the GPU path. */
function memoTokenize(model: LoadedModel): LoadedModel {
  const cache = new Map<string, number[]>();
  return {
    ...model,
    tokenize: (text) => {
      let ids = cache.get(text);
      if (ids === undefined) {
        ids = model.tokenize(text);
        cache.set(text, ids);
      }
      return ids;
    },
  };
}

/** Pairs of many lengths (1 to ~maxLength tokens), an empty passage and repeated queries. */
function fidelitySet(sentences: readonly string[], maxLength: number): [string, string][] {
  const random = seededRandom(11);
  const pairs: [string, string][] = [];
  for (let i = 0; i < 60; i++) {
    const words = Math.max(1, Math.round((0.6 * maxLength * (i + 1)) / 60));
    pairs.push([QUERIES[i % QUERIES.length] ?? '', passageOfWords(sentences, words, random)]);
  }
  pairs.push([QUERIES[0] ?? '', '']);
  pairs.push(['panda', 'bamboo']);
  return pairs;
}

/** Forward-pass FLOPs of one pair: the encoder's matrix products and attention (embeddings and head left out). */
function pairFlops(config: Record<string, unknown>, length: number): number {
  const layers = Number(config['num_hidden_layers']);
  const hidden = Number(config['hidden_size']);
  const inner = Number(config['intermediate_size']);
  const linear = 2 * length * (4 * hidden * hidden + 2 * hidden * inner);
  const attention = 2 * 2 * length * length * hidden;
  return layers * (linear + attention);
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, source[key]]));
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (position - low);
}
