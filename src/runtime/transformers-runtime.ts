/**
 * The only module that touches transformers.js and onnxruntime-web. It loads a cross-encoder, or a reranker
 * graph exported by scripts/export/export_reranker.py (its manifest in config.json), from the Hub or a
 * self-hosted folder (files cached in Cache Storage), picks the device and dtype, and hands the engine a
 * `LoadedModel`: a tokenizer without special tokens, the prompt format and score head, and a batch runner.
 */
import {
  AutoConfig,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  ModelFileNotFoundError,
  PreTrainedModel,
  Tensor,
  env,
  type PreTrainedTokenizer,
  type ProgressInfo,
} from '@huggingface/transformers';
// The same module instance transformers.js imports: its Tensor wraps GPU buffers for graph capture.
import { Tensor as OrtTensor, type InferenceSession } from 'onnxruntime-web/webgpu';
import type { BatchTensors } from '../engine/batching.js';
import { checkScoringOptions, scoringSetup, type TokenizerTools } from '../engine/manifest-prompt.js';
import type { LoadedModel, LoadRequest } from '../engine/loaded-model.js';
import { deriveTemplate } from '../engine/pair-encoding.js';
import { pairLengthLimit } from '../engine/max-length.js';
import { readManifest, type RerankerManifest } from '../engine/reranker-manifest.js';
import { DEFAULT_BATCH_TOKEN_BUDGET } from '../engine/rerank-engine.js';
import { RerankerError, describeCause, deviceLostError } from '../shared/errors.js';
import type { Device, Dtype, LoadProgress } from '../shared/types.js';
import { DEFAULT_MAX_MODEL_BYTES, MAX_SUPPORTED_LENGTH } from '../shared/validate.js';
import { estimateWeightBytes, planGraphCapture, type CapturePlan } from './capture-policy.js';
import { chooseDevice, type WebGpuProbe } from './device-choice.js';
import { isDeviceLoss, watchDeviceLoss } from './device-loss.js';
import {
  CONFIG_FILES,
  DEFAULT_REVISION,
  HUB_HOST,
  onnxFile,
  evictCachedFiles,
  isContentFailure,
  modelCacheKey,
  modelFileUrl as locatedFileUrl,
  revisionCacheKey,
  usesRevisionKeys,
} from '../shared/model-cache.js';
import { PICKED_FILES_HOST, pickedFilesCache } from './picked-files-cache.js';
import { sizeLimitedFetch, type Fetch } from './size-limited-fetch.js';
import { SessionPool, type BatchRunner } from './session-pool.js';
import { planWasmParallelism, type WasmParallelPlan } from './wasm-parallel-policy.js';
import type { WasmSessionLoad } from './wasm-session-protocol.js';
import { startWasmSessionWorker } from './wasm-session-workers.js';
import { createWebGpuRunner, type CaptureBackend, type WebGpuRunner } from './webgpu-runner.js';
import { wordMemoTokenizer } from './word-memo-tokenizer.js';

/** Rows per batch for float and weight-only-quantized graphs; the token budget usually binds first. */
const MAX_BATCH_ROWS = 64;
const HUB_PATH_TEMPLATE = '{model}/resolve/{revision}/';

/** Cross-encoders: the most tokens a pair may have (their position embeddings stop at 512). */
const CROSS_ENCODER_MAX_LENGTH = 512;

interface SequenceClassificationConfig {
  model_type?: string;
  webgpu_reranker?: unknown;
  architectures?: string[];
  id2label?: Record<string, string>;
  num_labels?: number;
  max_position_embeddings?: number;
  pad_token_id?: number;
  vocab_size?: number;
  hidden_size?: number;
  num_hidden_layers?: number;
  intermediate_size?: number;
}

/**
 * Files (paths in the model folder) to drop from the browser cache when the load fails with this error:
 * the file whose content failed, or the config and tokenizer on a manifest or dtype problem. Recorded where
 * the error is classified; nothing recorded means nothing is dropped.
 */
const evictOnFailure = new WeakMap<RerankerError, readonly string[]>();

/** `error`, which when the load fails drops `files` from the browser cache. */
function evicting(error: RerankerError, files: readonly string[]): RerankerError {
  evictOnFailure.set(error, files);
  return error;
}

export async function loadCrossEncoder(
  request: LoadRequest,
  onProgress: (progress: LoadProgress) => void,
): Promise<LoadedModel> {
  try {
    return await loadModel(request, onProgress);
  } catch (error) {
    // A file that downloaded but did not load may be cached as it is: drop it (by its exact key) so a retry
    // fetches it again. Network, memory and device failures drop nothing: the cached files are fine.
    const files = error instanceof RerankerError ? evictOnFailure.get(error) : undefined;
    if (files !== undefined && request.modelFiles === undefined && (request.useBrowserCache ?? true)) {
      await evictCachedFiles(env.cacheKey, files.map((file) => cacheKeyOf(request, file)));
    }
    throw error;
  }
}

/** With picked files, a missing one is named before transformers.js would fail on it less clearly. */
function requirePickedFiles(request: LoadRequest, files: readonly string[]): void {
  if (request.modelFiles === undefined) return;
  const missing = files.find((file) => request.modelFiles?.[file] === undefined);
  if (missing === undefined) return;
  throw new RerankerError(
    'model-not-found',
    `The picked model folder has no ${missing}. It needs config.json, tokenizer.json, tokenizer_config.json and ` +
      'the onnx/ file of the dtype used (onnx/model.onnx for fp32, onnx/model_quantized.onnx for q8, ...).',
    { details: { file: missing } },
  );
}

async function loadModel(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel> {
  configureEnvironment(request);
  const progress = progressAdapter(onProgress);
  const fileUrl = (file: string): string => modelFileUrl(request, file);
  const revision = request.revision ?? DEFAULT_REVISION;

  requirePickedFiles(request, CONFIG_FILES);
  const config = await step(['config.json'], fileUrl, () =>
    AutoConfig.from_pretrained(request.model, { progress_callback: progress, revision }),
  ) as unknown as SequenceClassificationConfig;
  // Models made by scripts/export/export_reranker.py carry a manifest; plain cross-encoders do not. A refused
  // manifest drops the cached config and tokenizer, so a re-export at the same URL is picked up next time.
  const manifest = refreshOnError(() => {
    const read = readManifest(config, request.model);
    checkScoringOptions(read, request, request.model);
    if (read === undefined) checkHead(config, request.model);
    return read;
  });

  const tokenizer = await step(['tokenizer.json', 'tokenizer_config.json'], fileUrl, () =>
    AutoTokenizer.from_pretrained(request.model, { progress_callback: progress, revision }),
  );
  const tools = tokenizerTools(tokenizer);
  const setup = refreshOnError(() => scoringSetup(manifest, request, tools, request.model));
  const tailLength = setup.prompt.kind === 'segments' ? setup.prompt.tail.length + setup.prompt.lead.length : 0;
  const maxLength = resolveMaxLength(request, tokenizer, config, manifest, tailLength);

  const webgpu = await probeWebGpu();
  const choice = chooseDevice(request.device ?? 'auto', request.dtype ?? 'auto', webgpu);

  let device = choice.device;
  let dtype = refreshOnError(() => availableDtype(manifest, request, choice.dtype));
  let fallbackReason = choice.fallbackReason;
  const outputName = manifest?.output ?? 'logits';
  const planWasm = (): WasmParallelPlan =>
    planWasmParallelism({
      request: request.wasmSessions ?? 'auto',
      cores: globalThis.navigator?.hardwareConcurrency ?? 1,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      weightBytes: estimateWeightBytes(config, dtype),
      refetchesModel: request.modelFiles === undefined && request.useBrowserCache === false,
    });
  // onnxruntime-web fixes its thread count when the first session builds; WebGPU sessions use it for the
  // nodes left on the CPU, and a WebGPU model that falls back to WASM keeps it.
  const wasmPlan = planWasm();
  const wasmEnv = env.backends.onnx.wasm;
  if (wasmEnv !== undefined) wasmEnv.numThreads = wasmPlan.threadsPerSession;
  let model: PreTrainedModel;
  const build = (): Promise<PreTrainedModel> =>
    createSession(request, device, dtype, sessionProgress(progress, onProgress, device, dtype), fileUrl, manifest !== undefined, setup.graph);
  try {
    model = await build();
  } catch (error) {
    if (device !== 'webgpu' || (request.device ?? 'auto') !== 'auto' || !isSessionFailure(error)) throw error;
    // 'auto' promised WebGPU only if the session builds; it did not, so say why and use WASM.
    fallbackReason = `The WebGPU session failed to build (${describeCause(error)}); running on WASM instead.`;
    device = 'wasm';
    dtype = refreshOnError(() => availableDtype(manifest, request, request.dtype === undefined || request.dtype === 'auto' ? 'q8' : request.dtype));
    model = await build();
  }

  const session = modelSession(model);
  const inputNames = modelInputNames(model);
  const needsTokenTypeIds = inputNames.includes('token_type_ids');
  const padTokenId = manifest?.pad_token_id ?? tokenizer.pad_token_id ?? config.pad_token_id ?? 0;
  // After a lost device every later run fails; say so in a way the page can act on (it moves to WASM).
  const deviceLoss = device === 'webgpu' ? watchDeviceLoss(env.backends.onnx.webgpu) : undefined;
  // See LoadedModel.maxBatchRows: q8 activations are quantized per batch, so q8 pairs run one by one.
  const maxBatchRows = dtype === 'q8' ? 1 : MAX_BATCH_ROWS;
  const capture = planGraphCapture({
    request: request.webgpuGraphCapture ?? 'auto',
    device,
    dtype,
    weightBytes: estimateWeightBytes(config, dtype),
    maxLength,
    batchTokenBudget: request.batchTokenBudget ?? DEFAULT_BATCH_TOKEN_BUDGET,
    maxBatchRows,
    outputWidth: session === undefined ? undefined : outputWidthOf(session, outputName),
    refetchesModel: request.modelFiles === undefined && request.useBrowserCache === false,
  });
  const bucketLengths = capture.shapes.map((shape) => shape.length);
  const runDynamic = (batch: BatchTensors): Promise<Float32Array> => runBatch(model, batch, needsTokenTypeIds, outputName);
  const runner =
    capture.enabled && session !== undefined
      ? await captureRunner(session, capture, { request, dtype, manifest, graph: setup.graph, inputNames, outputName, padTokenId, runDynamic })
      : undefined;
  // WASM: more sessions, each in a worker of its own on one thread (a WebGPU model that fell back to WASM may
  // run more threads, and then one session), started now that the first one is built and its files are in
  // the browser cache, and joining the pool as they become ready: the reranker is ready without them.
  const extraSessions = device === 'wasm' && wasmPlan.threadsPerSession === 1 ? planWasm().sessions - 1 : 0;
  const pool = extraSessions > 0 ? new SessionPool({ run: runDynamic, dispose: () => Promise.resolve() }, []) : undefined;
  for (let index = 1; index <= extraSessions; index += 1) {
    pool?.join(startWarmWasmSession({ request, dtype, graph: setup.graph, exported: manifest !== undefined, outputName }, index, padTokenId));
  }
  const runOn = runner !== undefined ? (batch: BatchTensors) => runner.run(batch) : pool !== undefined ? (batch: BatchTensors) => pool.run(batch) : runDynamic;

  return {
    device,
    dtype,
    maxLength,
    wasmThreads: wasmPlan.threadsPerSession,
    get parallelRuns() {
      return pool?.planned ?? 1;
    },
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
    prompt: setup.prompt,
    head: setup.head,
    scoring: setup.info,
    padTokenId,
    maxBatchRows,
    // Buckets only while capture works: a model that could not be captured plans batches as the dynamic path does.
    get batchLengths() {
      return runner === undefined || runner.disabledReason !== undefined ? undefined : bucketLengths;
    },
    // Read after the warm-up batch, which builds the first captured shape: a model that cannot be captured says so.
    get graphCapture() {
      if (capture.enabled && runner === undefined) {
        return { enabled: false, reason: 'the graph has no symbolic batch and sequence axes to fix for capture.' };
      }
      const disabled = runner?.disabledReason;
      if (disabled !== undefined) {
        return { enabled: false, reason: `the graph could not be captured, so batches run on the dynamic session: ${disabled}` };
      }
      return { enabled: capture.enabled, reason: capture.reason };
    },
    tokenize: tools.tokenize,
    run: async (batch) => {
      try {
        return await runOn(batch);
      } catch (error) {
        if (deviceLoss !== undefined && isDeviceLoss(deviceLoss, describeCause(error))) {
          throw deviceLostError(deviceLoss.reason ?? describeCause(error), { cause: error });
        }
        throw error;
      }
    },
    dispose: async () => {
      await runner?.dispose();
      await pool?.dispose();
      await model.dispose();
    },
  };
}

/**
 * One more WASM session in a worker of its own. It runs one short row before it joins the pool, so no call
 * pays its first run; one that fails to load or to run that row is left out rather than failing a model
 * that runs. Measured on the 2-core bench machine (MiniLM q8, two sessions): awaiting it before the reranker
 * is ready made the load 3.9-4.8 s; joining later, 2.2-2.6 s, with the first 100-passage result as soon.
 */
async function startWarmWasmSession(load: WasmSessionLoad, index: number, padTokenId: number): Promise<BatchRunner> {
  const runner = await startWasmSessionWorker(load, index);
  try {
    await runner.run(warmupBatch(padTokenId));
    return runner;
  } catch (error) {
    await runner.dispose().catch(() => undefined);
    throw error;
  }
}

/** Eight pad tokens, attended: a row any of the served graphs takes. */
function warmupBatch(padTokenId: number): BatchTensors {
  const length = 8;
  return {
    batchSize: 1,
    length,
    inputIds: new BigInt64Array(length).fill(BigInt(padTokenId)),
    attentionMask: new BigInt64Array(length).fill(1n),
    tokenTypeIds: new BigInt64Array(length),
  };
}

/**
 * One more WASM session of a model the reranker's worker has loaded, for a WASM session worker: same files
 * (from the browser cache), same dtype, one thread.
 */
export async function loadWasmSession(load: WasmSessionLoad): Promise<BatchRunner> {
  const { request } = load;
  configureEnvironment(request);
  const wasm = env.backends.onnx.wasm;
  if (wasm !== undefined) wasm.numThreads = 1;
  const fileUrl = (file: string): string => modelFileUrl(request, file);
  const model = await createSession(request, 'wasm', load.dtype, () => undefined, fileUrl, load.exported, load.graph);
  const needsTokenTypeIds = modelInputNames(model).includes('token_type_ids');
  return {
    run: (batch) => runBatch(model, batch, needsTokenTypeIds, load.outputName),
    dispose: () => model.dispose().then(() => undefined),
  };
}

interface CaptureContext {
  readonly request: LoadRequest;
  readonly dtype: Dtype;
  readonly manifest: RerankerManifest | undefined;
  readonly graph: string;
  readonly inputNames: readonly string[];
  readonly outputName: string;
  readonly padTokenId: number;
  readonly runDynamic: (batch: BatchTensors) => Promise<Float32Array>;
}

/**
 * The graph-capture runner over sessions that transformers.js builds from the same (cached) files, with
 * the batch and sequence axes fixed to each shape. Undefined when the graph has no such axes to fix.
 */
async function captureRunner(dynamic: InferenceSession, capture: CapturePlan, context: CaptureContext): Promise<WebGpuRunner | undefined> {
  const dims = symbolicDims(dynamic);
  const width = outputWidthOf(dynamic, context.outputName);
  if (dims === undefined || width === undefined) return undefined;
  const device = await env.backends.onnx.webgpu?.device;
  if (device === undefined) return undefined;
  const { request, dtype, manifest, graph } = context;
  const backend: CaptureBackend = {
    device,
    createCapturedSession: async (rows, length) => {
      const session_options: InferenceSession.SessionOptions = {
        // enableGraphCapture reaches the WebGPU EP only when the provider is given as an object.
        executionProviders: [{ name: 'webgpu' }],
        enableGraphCapture: true,
        // Fixed axes let onnxruntime fold the shape arithmetic it would otherwise run on the CPU (capture
        // needs every node on the GPU) and fuse more (Gemm, SkipLayerNorm).
        freeDimensionOverrides: { [dims[0]]: rows, [dims[1]]: length },
        preferredOutputLocation: 'gpu-buffer',
        // A graph onnxruntime cannot capture fails to build with an error it also logs; the failure is
        // reported in info.graphCapture instead, and the batches run on the dynamic session.
        logSeverityLevel: 4,
      };
      const options = { device: 'webgpu' as const, dtype, session_options, revision: request.revision ?? DEFAULT_REVISION };
      const captured =
        manifest === undefined
          ? await AutoModelForSequenceClassification.from_pretrained(request.model, options)
          : await PreTrainedModel.from_pretrained(request.model, { ...options, model_file_name: graph });
      const session = (captured as unknown as { sessions: Record<string, InferenceSession | undefined> }).sessions['model'];
      if (session === undefined) throw new Error('transformers.js built no "model" session');
      return {
        inputNames: session.inputNames,
        run: (feeds, fetches) => session.run(feeds as InferenceSession.FeedsType, fetches as InferenceSession.FetchesType),
        release: () => captured.dispose().then(() => undefined),
      };
    },
    gpuTensor: (buffer, dataType, dims) => OrtTensor.fromGpuBuffer(buffer, { dataType, dims }),
  };
  return createWebGpuRunner({
    backend,
    padTokenId: context.padTokenId,
    inputNames: context.inputNames,
    outputName: context.outputName,
    outputWidth: width,
    shapes: capture.shapes,
    runDynamic: context.runDynamic,
  });
}

/** The graph's names for the batch and sequence axes of `input_ids` (`batch_size`, `sequence_length` in Hub exports). */
function symbolicDims(session: InferenceSession): readonly [string, string] | undefined {
  const meta = session.inputMetadata.find((input) => input.name === 'input_ids');
  const [rows, length] = meta !== undefined && meta.isTensor ? meta.shape : [];
  return typeof rows === 'string' && typeof length === 'string' ? [rows, length] : undefined;
}

/** Values per row of a [batch, width] output, when the graph fixes the width. */
function outputWidthOf(session: InferenceSession, outputName: string): number | undefined {
  const meta = session.outputMetadata.find((output) => output.name === outputName);
  const shape = meta !== undefined && meta.isTensor ? meta.shape : [];
  const width = shape.length === 2 ? shape[1] : shape.length === 1 ? 1 : undefined;
  return typeof width === 'number' && width > 0 ? width : undefined;
}

/** transformers.js's own fetch, before the size limit wraps it. */
const plainFetch = env.fetch as Fetch;

/** The size-limit refusal of the current load, if any (see size-limited-fetch.ts). */
let refusedDownload: RerankerError | undefined;

function configureEnvironment(request: LoadRequest): void {
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  env.useBrowserCache = request.useBrowserCache ?? true;
  env.useCustomCache = false;
  refusedDownload = undefined;
  env.fetch = sizeLimitedFetch(plainFetch, request.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES, (error) => {
    refusedDownload = error;
  });
  if (request.modelFiles !== undefined) {
    // Picked files: every lookup is answered from them, and nothing may be fetched. transformers.js refuses
    // to run with local and remote models both off, so "local" models live under a host that cannot resolve
    // and that the custom cache answers for (it is looked up before any fetch).
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = PICKED_FILES_HOST;
    env.useBrowserCache = false;
    env.useCustomCache = true;
    env.customCache = pickedFilesCache(request.model, request.modelFiles);
  } else if (request.modelBaseUrl === undefined) {
    env.remoteHost = HUB_HOST;
    env.remotePathTemplate = HUB_PATH_TEMPLATE;
  } else {
    env.remoteHost = `${absoluteUrl(request.modelBaseUrl).replace(/\/+$/, '')}/`;
    env.remotePathTemplate = '{model}/';
    if (env.useBrowserCache && usesRevisionKeys(request)) {
      // The URL has no revision in it: cache under keys that do, so two revisions never mix.
      env.useBrowserCache = false;
      env.useCustomCache = true;
      env.customCache = revisionKeyedCache(env.cacheKey, request.revision ?? DEFAULT_REVISION);
    }
  }
  const wasm = env.backends.onnx.wasm;
  if (wasm !== undefined) {
    // transformers.js points onnxruntime at a public CDN by default. Unset, onnxruntime-web finds its
    // .wasm beside its own module (`new URL(..., import.meta.url)`), which bundlers copy into the app:
    // nothing is fetched from a CDN.
    wasm.wasmPaths = undefined as unknown as string;
  }
}

function absoluteUrl(url: string): string {
  const base = globalThis.location?.href;
  return base === undefined ? url : new URL(url, base).href;
}

/**
 * Self-hosted files of a revision other than 'main' in the browser cache, under `?revision=` keys (see
 * model-cache.ts); fetched from their plain URL. transformers.js looks files up here before fetching them.
 */
function revisionKeyedCache(cacheName: string, revision: string): { match(key: string): Promise<Response | undefined>; put(key: string, response: Response): Promise<void> } {
  const open = (): Promise<Cache> => caches.open(cacheName);
  return {
    match: async (key) => (await open()).match(revisionCacheKey(absoluteUrl(key), revision)),
    put: async (key, response) => {
      try {
        await (await open()).put(revisionCacheKey(absoluteUrl(key), revision), response);
      } catch {
        // As transformers.js does with its own cache: a file that cannot be cached (quota) still loads.
      }
    },
  };
}

export function modelFileUrl(request: LoadRequest, file: string): string {
  if (request.modelFiles !== undefined) return `${PICKED_FILES_HOST}${request.model}/${file}`;
  return locatedFileUrl(
    { model: request.model, modelBaseUrl: request.modelBaseUrl === undefined ? undefined : absoluteUrl(request.modelBaseUrl), revision: request.revision },
    file,
  );
}

/** The key `file` of this load has in the browser cache. */
function cacheKeyOf(request: LoadRequest, file: string): string {
  return modelCacheKey({ model: request.model, modelBaseUrl: request.modelBaseUrl === undefined ? undefined : absoluteUrl(request.modelBaseUrl), revision: request.revision }, file);
}

/**
 * Runs a check of the model's config or tokenizer (manifest, head, dtypes): one it refuses drops the cached
 * config and tokenizer files, so a model re-exported at the same URL is read afresh by the next load.
 */
function refreshOnError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof RerankerError && !evictOnFailure.has(error)) throw evicting(error, CONFIG_FILES);
    throw error;
  }
}

/**
 * Runs one loading step and turns its failures into typed errors that name the file (the first of `files`,
 * the files the step reads). A failure on their content drops them from the browser cache.
 */
async function step<T>(files: readonly [string, ...string[]], fileUrl: (file: string) => string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const typed = classifyLoadError(error, files[0], fileUrl);
    if (typed.code === 'model-load-failed' && typed.details['limit'] === undefined && typed !== error && isContentFailure(describeCause(error))) {
      throw evicting(typed, files);
    }
    throw typed;
  }
}

function classifyLoadError(error: unknown, file: string, fileUrl: (file: string) => string): RerankerError {
  if (error instanceof RerankerError) return error;
  // A download refused for its size, whatever transformers.js made of the error on its way here.
  if (refusedDownload !== undefined) return refusedDownload;
  if (error instanceof ModelFileNotFoundError) {
    const url = /"([^"]+)"/.exec(error.message)?.[1] ?? fileUrl(file);
    return new RerankerError(
      'model-not-found',
      `Model file not found: ${url}. Check the model id, that the folder follows the Hub layout ` +
        `(config.json, tokenizer.json, onnx/model*.onnx), and modelBaseUrl if you self-host.`,
      { details: { url }, cause: error },
    );
  }
  const text = describeCause(error);
  if (/fetch|network|Failed to fetch|NetworkError|load failed/i.test(text) && !/parse|JSON/i.test(text)) {
    return new RerankerError(
      'model-load-failed',
      `Could not download ${fileUrl(file)} (${text}). If the Hugging Face Hub is unreachable, self-host the ` +
        `model files and pass modelBaseUrl.`,
      { details: { url: fileUrl(file) }, cause: error },
    );
  }
  return new RerankerError(
    'model-load-failed',
    `Could not load ${fileUrl(file)}: ${text}. The file may be truncated or not what its name says; ` +
      `re-export it or clear the site's cache.`,
    { details: { url: fileUrl(file) }, cause: error },
  );
}

function checkHead(config: SequenceClassificationConfig, model: string): void {
  const labels = config.id2label === undefined ? config.num_labels ?? 1 : Object.keys(config.id2label).length;
  const architectures = config.architectures ?? [];
  const isClassifier = architectures.length === 0 || architectures.some((name) => name.endsWith('ForSequenceClassification'));
  if (!isClassifier) {
    throw new RerankerError(
      'unsupported-model',
      `${model} is a ${architectures.join(', ')}, not a sequence-classification cross-encoder; only ` +
        'one-logit cross-encoders (ms-marco-MiniLM, bge-reranker-base/large/v2-m3, ...) are supported.',
      { details: { architectures: architectures.join(',') } },
    );
  }
  if (labels !== 1) {
    throw new RerankerError(
      'unsupported-model',
      `${model} has a classification head with ${labels} labels; a reranker needs exactly one relevance logit. ` +
        'Pick a cross-encoder reranker (one label).',
      { details: { labels } },
    );
  }
}

/**
 * Cross-encoders: the tokenizer's and the position embeddings' limit, at most 512, by default. Exported LLM
 * rerankers: the manifest's default, up to the position embeddings less the prompt that follows the budget.
 */
function resolveMaxLength(
  request: LoadRequest,
  tokenizer: PreTrainedTokenizer,
  config: SequenceClassificationConfig,
  manifest: RerankerManifest | undefined,
  tailLength: number,
): number {
  // RoBERTa-family position ids start after the padding index, so two positions are never usable.
  const positionOffset = ['roberta', 'xlm-roberta', 'camembert'].includes(config.model_type ?? '') ? 2 : 0;
  const limit = refreshOnError(() =>
    pairLengthLimit(
      {
        cap: manifest === undefined ? CROSS_ENCODER_MAX_LENGTH : MAX_SUPPORTED_LENGTH,
        modelMaxLength: tokenizer.model_max_length,
        maxPositionEmbeddings: config.max_position_embeddings,
        positionOffset,
        maxPositions: manifest?.max_positions,
        tailLength,
      },
      request.model,
    ),
  );
  if (request.maxLength === undefined) return manifest === undefined ? limit : Math.min(manifest.max_length, limit);
  if (request.maxLength > limit) {
    throw new RerankerError(
      'invalid-input',
      `maxLength ${request.maxLength} exceeds what ${request.model} supports (${limit} tokens); use at most ${limit}.`,
      { details: { argument: 'maxLength', limit } },
    );
  }
  return request.maxLength;
}

/** What the engine needs of the tokenizer to build prompts (see manifest-prompt.ts). */
export function tokenizerTools(tokenizer: PreTrainedTokenizer): TokenizerTools {
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
  return {
    // transformers.js keeps the parsed tokenizer.json as a private field; if a release drops it, the memo is
    // simply not used (wordMemoTokenizer takes only configurations it recognises).
    tokenize: wordMemoTokenizer(encode, (tokenizer as unknown as { _tokenizerJSON?: unknown })._tokenizerJSON) ?? encode,
    pairTemplate: () => deriveTemplate(probePair(tokenizer)),
    chatTemplate: () => (tokenizer as unknown as { chat_template?: unknown }).chat_template,
    renderChat: (messages, addGenerationPrompt, template) => {
      const text = tokenizer.apply_chat_template(messages as { role: string; content: string }[], {
        tokenize: false,
        add_generation_prompt: addGenerationPrompt,
        ...(template === undefined ? {} : { chat_template: template }),
      });
      if (typeof text !== 'string') throw new TypeError('apply_chat_template returned token ids where text was asked for');
      return text;
    },
  };
}

/**
 * A dtype the export has: `'auto'` falls back to fp32 when the preferred file was not exported; an explicit
 * dtype that was not exported is refused with the list of those that were.
 */
function availableDtype(manifest: RerankerManifest | undefined, request: LoadRequest, dtype: Dtype): Dtype {
  const exported = manifest?.dtypes;
  if (exported === undefined || exported.includes(dtype)) return dtype;
  if ((request.dtype ?? 'auto') === 'auto' && exported.includes('fp32')) return 'fp32';
  throw new RerankerError(
    'model-not-found',
    `${request.model} was exported without ${dtype} weights; it has ${exported.join(', ')}. Pick one of those dtypes ` +
      'or re-export with scripts/export/export_reranker.py --dtypes.',
    { details: { argument: 'dtype', available: exported.join(',') } },
  );
}

/** Encodes "a" / "b" alone and as a pair, so the template comes from the tokenizer's own post-processor. */
function probePair(tokenizer: PreTrainedTokenizer): Parameters<typeof deriveTemplate>[0] {
  const aIds = tokenizer.encode('a', { add_special_tokens: false });
  const bIds = tokenizer.encode('b', { add_special_tokens: false });
  const pair = tokenizer('a', { text_pair: 'b', add_special_tokens: true, return_tensor: false, return_token_type_ids: true }) as unknown as {
    input_ids: number[];
    token_type_ids?: number[];
  };
  return { aIds, bIds, pairIds: pair.input_ids, pairTypeIds: pair.token_type_ids };
}

async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (gpu === undefined) return { available: false, reason: 'this browser exposes no navigator.gpu (WebGPU is off or unsupported)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null) return { available: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
    return { available: true, shaderF16: adapter.features.has('shader-f16') };
  } catch (error) {
    return { available: false, reason: `requesting a WebGPU adapter failed: ${describeCause(error)}` };
  }
}

async function createSession(
  request: LoadRequest,
  device: Device,
  dtype: Dtype,
  progress: (info: ProgressInfo) => void,
  fileUrl: (file: string) => string,
  exported: boolean,
  graph: string,
): Promise<PreTrainedModel> {
  const file = onnxFile(graph, dtype);
  requirePickedFiles(request, [file]);
  const options = { device, dtype, progress_callback: progress, revision: request.revision ?? DEFAULT_REVISION };
  // An exported reranker graph is no transformers.js architecture: the base class loads it as one plain
  // session (onnx/{graph}{suffix}.onnx) whose outputs come back as they are.
  return step([file], fileUrl, () =>
    !exported
      ? AutoModelForSequenceClassification.from_pretrained(request.model, options)
      : PreTrainedModel.from_pretrained(request.model, { ...options, model_file_name: graph }),
  );
}

/** A download that failed is final; a session that failed to build on WebGPU may still build on WASM. */
function isSessionFailure(error: unknown): boolean {
  return !(error instanceof RerankerError && error.code === 'model-not-found');
}

/** The onnxruntime session transformers.js built for the graph. */
function modelSession(model: PreTrainedModel): InferenceSession | undefined {
  return (model as unknown as { sessions: Record<string, InferenceSession | undefined> }).sessions['model'];
}

function modelInputNames(model: PreTrainedModel): readonly string[] {
  return modelSession(model)?.inputNames ?? ['input_ids', 'attention_mask'];
}

async function runBatch(
  model: PreTrainedModel,
  batch: BatchTensors,
  needsTokenTypeIds: boolean,
  outputName: string,
): Promise<Float32Array> {
  const dims = [batch.batchSize, batch.length];
  const feeds: Record<string, Tensor> = {
    input_ids: new Tensor('int64', batch.inputIds, dims),
    attention_mask: new Tensor('int64', batch.attentionMask, dims),
  };
  if (needsTokenTypeIds) feeds['token_type_ids'] = new Tensor('int64', batch.tokenTypeIds, dims);
  const outputs = await (model as unknown as (inputs: Record<string, Tensor>) => Promise<Record<string, Tensor | undefined>>)(feeds);
  const output = outputs[outputName];
  if (output === undefined) {
    throw new RerankerError('inference-failed', `The model returned no "${outputName}" output; it has ${Object.keys(outputs).join(', ')}.`);
  }
  const data = output.data;
  if (!(data instanceof Float32Array)) {
    throw new RerankerError('inference-failed', `The model returned ${output.type} ${outputName}; expected float32.`);
  }
  return data;
}

/** Download progress as usual, plus the `session` stage once the .onnx file is in (the session builds next). */
function sessionProgress(
  progress: (info: ProgressInfo) => void,
  onProgress: (progress: LoadProgress) => void,
  device: Device,
  dtype: Dtype,
): (info: ProgressInfo) => void {
  return (info) => {
    progress(info);
    if (info.status === 'done' && info.file.endsWith('.onnx')) onProgress({ stage: 'session', device, dtype });
  };
}

/** Turns transformers.js's progress events into the library's `LoadProgress`. */
function progressAdapter(onProgress: (progress: LoadProgress) => void): (info: ProgressInfo) => void {
  return (info) => {
    switch (info.status) {
      case 'progress':
        onProgress({ stage: 'download', file: info.file, loaded: info.loaded, total: info.total, progress: info.progress });
        break;
      case 'progress_total':
        onProgress({ stage: 'download-total', loaded: info.loaded, total: info.total, progress: info.progress });
        break;
      default:
        break;
    }
  };
}
