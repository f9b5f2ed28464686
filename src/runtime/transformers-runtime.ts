/**
 * The only module that imports transformers.js and onnxruntime-web. A load runs in three stages:
 *   plan      (load-plan.ts, pure): the config checks, pair length, dtype, WASM sessions, batch rows, capture;
 *   build     (here): configure transformers.js, read config and tokenizer, pick the device, build the session
 *             (falling back to WASM when 'auto' WebGPU fails), the capture runner and extra WASM sessions;
 *   assemble  (assemble-model.ts): the parts as the `LoadedModel` the engine drives.
 * Models come from the Hub or a self-hosted folder (files cached in Cache Storage, see shared/model-cache.ts)
 * or from picked files; exported LLM rerankers carry a manifest in config.json (engine/reranker-manifest.ts).
 */
import {
  AutoConfig,
  AutoModelForSequenceClassification,
  AutoTokenizer,
  ModelFileNotFoundError,
  PreTrainedModel,
  Tensor,
  env,
  type ProgressInfo,
} from '@huggingface/transformers';
// The same module instance transformers.js imports: its Tensor wraps GPU buffers for graph capture.
import { Tensor as OrtTensor, env as ortEnv, type InferenceSession } from 'onnxruntime-web/webgpu';
import type { BatchTensors } from '../engine/batching.js';
import { scoringSetup } from '../engine/manifest-prompt.js';
import type { LoadedModel, LoadRequest } from '../engine/loaded-model.js';
import { RerankerError } from '../shared/errors.js';
import type { Device, Dtype, LoadProgress } from '../shared/types.js';
import { DEFAULT_MAX_MODEL_BYTES } from '../shared/validate.js';
import type { CapturePlan } from './capture-policy.js';
import { chooseDevice, probeWebGpu } from './device-choice.js';
import { watchDeviceLoss } from './device-loss.js';
import { CONFIG_FILES, DEFAULT_REVISION, onnxFile } from '../shared/model-cache.js';
import { requirePickedFiles } from './picked-files-cache.js';
import { environmentSettings } from './environment-settings.js';
import { sizeLimitedFetch, type Fetch } from './size-limited-fetch.js';
import { SessionPool, type BatchRunner } from './session-pool.js';
import type { WasmSessionLoad } from './wasm-session-protocol.js';
import { sideBySideRuns } from './embedder-sessions.js';
import { startWarmWasmSession } from './wasm-session-workers.js';
import { createWebGpuRunner, type CaptureBackend, type WebGpuRunner } from './webgpu-runner.js';
import { progressAdapter, sessionProgress } from './load-progress.js';
import { singleTemplate, tokenizerTools, vocabularyLookup } from './tokenizer-tools.js';
import { completeManifest, publishedChunkTokens, publishedPlan, resolveManifest } from './published-load.js';
import { graphUsesGroupQueryAttention } from './graph-head.js';
import { evictingLoad, loadStep, refreshOnError, type FailureContext } from './load-errors.js';
import { MAX_BATCH_ROWS, availableDtype, loadsAsPlainSession, memoryPlanFor, resolveMaxLength, runPlanFor, wasmPlanFor, webgpuRefusal, type ModelConfig } from './load-plan.js';
import { assembleModel } from './assemble-model.js';
import { cacheKeyOf, modelFileUrl } from './model-urls.js';
import { floatOutput, modelInputNames, modelSession, outputWidthOf, symbolicDims, type SessionShape } from './session-facts.js';
import type { EmbedderLoadRequest } from '../shared/embedder-protocol.js';
import type { LoadedEmbeddingModel } from '../engine/embedding-model.js';
import { embeddingPlan, hiddenStateOutput } from './embedding-plan.js';
import { manifestDtype } from '../engine/embedding-manifest.js';
import { buildWithFallback } from './session-build.js';
import { captureOrtLog, installOrtLogTap } from './ort-log-tap.js';
import { cpuNodesInfo, parsePlacement, type Placement } from './placement-log.js';
import { browserPlacementStores, placementOnce } from './placement-memo.js';
import { PLACEMENT_LOG_OPTIONS, captureSessionOptions } from './session-options.js';
import type { CpuNodesInfo } from '../shared/types.js';

// Before onnxruntime-web starts its wasm module, which binds console.error for its log (see ort-log-tap.ts).
installOrtLogTap();

/**
 * Loads a cross-encoder, or a reranker exported by scripts/export/export_reranker.py, for the engine. A load
 * that fails on a file's content drops that file from the browser cache (see load-errors.ts).
 */
export async function loadReranker(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel> {
  return evictingOnFailure(request, () => loadModel(request, onProgress));
}

/** evictingLoad with transformers.js's cache name, read when a load fails. */
function evictingOnFailure<T>(request: LoadRequest, load: () => Promise<T>): Promise<T> {
  return evictingLoad(request, () => env.cacheKey, load);
}

async function loadModel(request: LoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedModel> {
  configureEnvironment(request);
  const progress = progressAdapter(onProgress);
  const failures = failureContext(request);
  const revision = request.revision ?? DEFAULT_REVISION;

  requirePickedFiles(request, CONFIG_FILES);
  const config = await loadStep(['config.json'], failures, () =>
    AutoConfig.from_pretrained(request.model, { progress_callback: progress, revision }),
  ) as unknown as ModelConfig;
  // Models made by scripts/export/export_reranker.py carry a manifest; published causal-LM graphs get one from
  // `preset`; plain cross-encoders have none. A refused manifest drops the cached config and tokenizer, so a
  // re-export at the same URL is picked up next time.
  const resolved = refreshOnError(() => resolveManifest(config, request));

  const tokenizer = await loadStep(['tokenizer.json', 'tokenizer_config.json'], failures, () =>
    AutoTokenizer.from_pretrained(request.model, { progress_callback: progress, revision }),
  );
  const tools = tokenizerTools(tokenizer);
  const manifest = refreshOnError(() => completeManifest(resolved, vocabularyLookup(tokenizer), request.model, tokenizer.pad_token_id));
  const setup = refreshOnError(() => scoringSetup(manifest, request, tools, request.model));
  const tailLength = setup.prompt.kind === 'segments' ? setup.prompt.tail.length + setup.prompt.lead.length : 0;
  const modelMaxLength = resolveMaxLength(request, tokenizer.model_max_length, config, manifest, tailLength);
  const plainSession = loadsAsPlainSession(config, manifest);

  const refusal = request.device === 'webgpu' ? undefined : webgpuRefusal(config);
  const webgpu = refusal === undefined ? await probeWebGpu() : { available: false as const, reason: refusal };
  const choice = chooseDevice(request.device ?? 'auto', request.dtype ?? 'auto', webgpu);

  const wasmPlan = wasmPlanFor(request, config, refreshOnError(() => availableDtype(manifest, request, choice.dtype)));
  const outputName = manifest?.output ?? 'logits';
  const wasmEnv = env.backends.onnx.wasm;
  if (wasmEnv !== undefined) wasmEnv.numThreads = wasmPlan.threadsPerSession; // fixed once the first session builds
  const dtypeFor = (wanted: Dtype): Dtype => refreshOnError(() => availableDtype(manifest, request, wanted));
  const { model, device, dtype, fallbackReason } = await buildWithFallback(request, choice, dtypeFor, (device, dtype) =>
    createSession(request, device, dtype, sessionProgress(progress, onProgress, device, dtype), failures, plainSession, setup.graph),
  );
  const cpuNodes = device === 'webgpu' ? await placementCheck(request, dtype, failures, plainSession, setup.graph) : undefined;

  const session = modelSession<InferenceSession>(model);
  // A GroupQueryAttention graph on WebGPU runs in short runs; its file is read (from the browser cache, now
  // that the session is built) for the op type.
  const chunkTokens = await publishedChunkTokens(device, resolved.published, onnxFile('model', dtype), (file) =>
    graphUsesGroupQueryAttention(
      {
        modelFiles: request.modelFiles,
        cacheName: env.useBrowserCache ? env.cacheKey : undefined,
        url: (name) => modelFileUrl(request, name),
        cacheKey: (name) => cacheKeyOf(request, name),
        fetch: (url) => plainFetch(url),
      },
      file,
    ),
  );
  const published = resolved.published && manifest !== undefined
    ? await publishedPlan({ request, config, dtype, file: onnxFile('model', dtype), session, manifest, built: model, chunkTokens, tensor: (type, data, dims) => new OrtTensor(type, data, dims) })
    : undefined;
  const inputNames = modelInputNames(model);
  const needsTokenTypeIds = inputNames.includes('token_type_ids');
  const padTokenId = manifest?.pad_token_id ?? tokenizer.pad_token_id ?? config.pad_token_id ?? 0;
  // Rows per batch that fit in memory, and a default maxLength lowered where one pair would not (memory-plan.ts).
  const planned = await memoryPlanFor({ request, config, device, dtype, maxLength: modelMaxLength, webgpuEnv: env.backends.onnx.webgpu, built: model });
  const memory = published?.bound(planned) ?? planned;
  const maxLength = memory.maxLength;
  const run = runPlanFor({
    request,
    config,
    device,
    dtype,
    maxLength,
    rowsAt: memory.rowsAt,
    outputWidth: session === undefined ? undefined : outputWidthOf(session, outputName),
  });
  const { maxBatchRows, capture } = { ...run, ...(published === undefined ? {} : { capture: published.capture }) };
  const runDynamic = published?.run ?? ((batch: BatchTensors): Promise<Float32Array> => runBatch(model, batch, needsTokenTypeIds, outputName));
  const runner =
    capture.enabled && session !== undefined
      ? await captureRunner(session, capture, { request, dtype, plainSession, graph: setup.graph, inputNames, outputName, padTokenId, runDynamic })
      : undefined;
  // WASM: more sessions, each in a worker of its own on one thread (a WebGPU model that fell back to WASM may
  // run more threads, and then one session), started now that the first one is built and its files are in
  // the browser cache, and joining the pool as they become ready: the reranker is ready without them.
  const extraSessions = device === 'wasm' && wasmPlan.threadsPerSession === 1 && published === undefined ? wasmPlanFor(request, config, dtype).sessions - 1 : 0;
  const pool = extraSessions > 0 ? new SessionPool({ run: runDynamic, dispose: () => Promise.resolve() }, []) : undefined;
  for (let index = 1; index <= extraSessions; index += 1) {
    pool?.join(startWarmWasmSession({ request, dtype, graph: setup.graph, exported: plainSession, outputName }, index, padTokenId));
  }
  return assembleModel({
    device,
    dtype,
    maxLength,
    wasmThreads: wasmPlan.threadsPerSession,
    fallbackReason,
    cpuNodes,
    setup,
    padTokenId,
    maxBatchRows,
    memory,
    capture,
    runner,
    pool,
    runDynamic,
    deviceLoss: device === 'webgpu' ? watchDeviceLoss(env.backends.onnx.webgpu) : undefined,
    tokenize: tools.tokenize,
    disposeSession: () => model.dispose().then(() => undefined),
  });
}

/**
 * A sentence-embedding model (a BERT-class encoder returning `last_hidden_state`) for the embedding engine: the reranker's sources, cache,
 * device choice, fallback and WASM sessions side by side; pooling, normalization and prefixes from embedding-config.ts.
 */
export function loadEmbedder(request: EmbedderLoadRequest, onProgress: (progress: LoadProgress) => void): Promise<LoadedEmbeddingModel> {
  return evictingOnFailure(request, async () => {
    configureEnvironment(request);
    const progress = progressAdapter(onProgress);
    const failures = failureContext(request);
    const revision = request.revision ?? DEFAULT_REVISION;
    requirePickedFiles(request, CONFIG_FILES);
    const config = (await loadStep(['config.json'], failures, () => AutoConfig.from_pretrained(request.model, { progress_callback: progress, revision }))) as unknown as ModelConfig;
    const tokenizer = await loadStep(['tokenizer.json', 'tokenizer_config.json'], failures, () =>
      AutoTokenizer.from_pretrained(request.model, { progress_callback: progress, revision }),
    );
    const { setup, maxLength, manifest } = await embeddingPlan(request, config, tokenizer.model_max_length, {
      model: request.model,
      modelFiles: request.modelFiles,
      cacheName: env.useBrowserCache ? env.cacheKey : undefined,
      url: (file) => modelFileUrl(request, file),
      cacheKey: (file) => cacheKeyOf(request, file),
      fetch: (url) => plainFetch(url),
    });
    const refusal = request.device === 'webgpu' ? undefined : webgpuRefusal(config);
    const webgpu = refusal === undefined ? await probeWebGpu() : { available: false as const, reason: refusal };
    const choice = chooseDevice(request.device ?? 'auto', request.dtype ?? 'auto', webgpu);
    const wasmPlan = wasmPlanFor({ ...request, wasmSessions: 'auto' }, config, choice.dtype); // copies side by side, as the reranker's
    if (env.backends.onnx.wasm !== undefined) env.backends.onnx.wasm.numThreads = wasmPlan.threadsPerSession;
    const { model, device, dtype, fallbackReason } = await buildWithFallback(request, choice, (wanted) => manifestDtype(manifest, request.model, request.dtype, wanted), (device, dtype) =>
      createSession(request, device, dtype, sessionProgress(progress, onProgress, device, dtype), failures, true, 'model'),
    );
    const outputName = hiddenStateOutput(request.model, onnxFile('model', dtype), modelSession<SessionShape>(model)?.outputNames ?? [], setup);
    const padTokenId = tokenizer.pad_token_id ?? config.pad_token_id ?? 0;
    const extra = device === 'wasm' && wasmPlan.threadsPerSession === 1 ? wasmPlanFor({ ...request, wasmSessions: 'auto' }, config, dtype).sessions - 1 : 0;
    const runs = sideBySideRuns((batch) => runBatch(model, batch, modelInputNames(model).includes('token_type_ids'), outputName), extra, { request, dtype, graph: 'model', exported: true, outputName }, padTokenId);
    return {
      device,
      dtype,
      maxLength,
      ...(fallbackReason === undefined ? {} : { fallbackReason }),
      padTokenId,
      maxBatchRows: dtype === 'q8' ? 1 : MAX_BATCH_ROWS,
      parallelRuns: runs.parallelRuns,
      setup,
      ...singleTemplate(tokenizer),
      tokenize: tokenizerTools(tokenizer).tokenize,
      run: (batch) => runs.run(batch),
      dispose: () => runs.dispose().then(() => model.dispose()).then(() => undefined),
    };
  });
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
  const model = await createSession(request, 'wasm', load.dtype, () => undefined, failureContext(request), load.exported, load.graph);
  const needsTokenTypeIds = modelInputNames(model).includes('token_type_ids');
  return {
    run: (batch) => runBatch(model, batch, needsTokenTypeIds, load.outputName),
    dispose: () => model.dispose().then(() => undefined),
  };
}

interface CaptureContext {
  readonly request: LoadRequest;
  readonly dtype: Dtype;
  /** Loaded through the base class (load-plan.ts loadsAsPlainSession). */
  readonly plainSession: boolean;
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
  const { request, dtype, plainSession, graph } = context;
  const backend: CaptureBackend = {
    device,
    createCapturedSession: async (rows, length) => {
      const session_options: InferenceSession.SessionOptions = captureSessionOptions(dims, rows, length);
      const options = { device: 'webgpu' as const, dtype, session_options, revision: request.revision ?? DEFAULT_REVISION };
      const captured =
        !plainSession
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
    preload: capture.preload,
  });
}

/** transformers.js's own fetch, before the size limit wraps it. */
const plainFetch = env.fetch as Fetch;

/** The size-limit refusal of the current load, if any (see size-limited-fetch.ts). */
let refusedDownload: RerankerError | undefined;

function configureEnvironment(request: LoadRequest): void {
  Object.assign(env, environmentSettings(request, env.cacheKey));
  refusedDownload = undefined;
  env.fetch = sizeLimitedFetch(plainFetch, request.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES, (error) => {
    refusedDownload = error;
  });
  const wasm = env.backends.onnx.wasm;
  if (wasm !== undefined) {
    // transformers.js points onnxruntime at a public CDN by default. Unset, onnxruntime-web finds its
    // .wasm beside its own module (`new URL(..., import.meta.url)`), which bundlers copy into the app:
    // nothing is fetched from a CDN.
    wasm.wasmPaths = undefined as unknown as string;
  }
}

/** How this load's failures are told apart and named (see load-errors.ts). */
function failureContext(request: LoadRequest): FailureContext {
  return {
    fileUrl: (file) => modelFileUrl(request, file),
    refusedDownload: () => refusedDownload,
    isFileNotFound: (error): error is Error => error instanceof ModelFileNotFoundError,
  };
}

async function createSession(
  request: LoadRequest,
  device: Device,
  dtype: Dtype,
  progress: (info: ProgressInfo) => void,
  failures: FailureContext,
  exported: boolean,
  graph: string,
  session_options: InferenceSession.SessionOptions = {},
): Promise<PreTrainedModel> {
  const file = onnxFile(graph, dtype);
  requirePickedFiles(request, [file]);
  const options = { device, dtype, progress_callback: progress, revision: request.revision ?? DEFAULT_REVISION, session_options };
  // An exported reranker graph is no transformers.js architecture, and a config without model_type names
  // none: the base class loads it as one plain session (onnx/{graph}{suffix}.onnx), outputs as they are.
  return loadStep([file], failures, () =>
    !exported
      ? AutoModelForSequenceClassification.from_pretrained(request.model, options)
      : PreTrainedModel.from_pretrained(request.model, { ...options, model_file_name: graph }),
  );
}

/**
 * info.cpuNodes: the WebGPU graph built once more, from the cached files, logging at severity 0 (see
 * session-options.ts for why not the session that runs), then released; once per cached graph file, later
 * loads read the placement kept then (placement-memo.ts). Undefined when nothing needs the CPU, when the check
 * would download the model again (no cache), or when the second build fails.
 */
async function placementCheck(request: LoadRequest, dtype: Dtype, failures: FailureContext, exported: boolean, graph: string): Promise<CpuNodesInfo | undefined> {
  if (!env.useBrowserCache && !env.useCustomCache) return undefined;
  const check = async (): Promise<{ placement: Placement | undefined } | undefined> => {
    try {
      const { result, lines } = await captureOrtLog(() => createSession(request, 'webgpu', dtype, () => undefined, failures, exported, graph, PLACEMENT_LOG_OPTIONS));
      await result.dispose();
      return { placement: parsePlacement(lines) };
    } catch {
      return undefined;
    }
  };
  const file = onnxFile(graph, dtype);
  const stores = request.modelFiles === undefined ? await browserPlacementStores(env.useCustomCache ? (env.customCache ?? undefined) : undefined, env.cacheKey) : undefined;
  const lookup = stores && { ...stores, fileUrl: modelFileUrl(request, file), placementKey: cacheKeyOf(request, file), runtimeVersion: ortEnv.versions.web ?? '' };
  return cpuNodesInfo((await (lookup === undefined ? check() : placementOnce(lookup, check)))?.placement);
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
  return floatOutput(outputs, outputName);
}

