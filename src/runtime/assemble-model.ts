/**
 * The last stage of a load: the parts built by transformers-runtime.ts (the dynamic session's runner, an
 * optional graph-capture runner, an optional pool of WASM sessions) put together as the `LoadedModel` the
 * engine drives. No model library here: a lost WebGPU device is recognised from the run's error.
 */
import type { BatchTensors } from '../engine/batching.js';
import type { LoadedModel } from '../engine/loaded-model.js';
import type { ScoringSetup } from '../engine/manifest-prompt.js';
import { describeCause, deviceLostError } from '../shared/errors.js';
import type { CpuNodesInfo, Device, Dtype } from '../shared/types.js';
import type { CapturePlan } from './capture-policy.js';
import type { MemoryPlan } from './memory-plan.js';
import { isDeviceLoss, type DeviceLossWatch } from './device-loss.js';
import type { SessionPool } from './session-pool.js';
import type { WebGpuRunner } from './webgpu-runner.js';

export interface ModelParts {
  readonly device: Device;
  readonly dtype: Dtype;
  readonly maxLength: number;
  readonly wasmThreads: number;
  readonly fallbackReason: string | undefined;
  /** The WebGPU session's nodes that wait on the GPU from the CPU (see placement-log.ts). */
  readonly cpuNodes: CpuNodesInfo | undefined;
  readonly setup: ScoringSetup;
  readonly padTokenId: number;
  readonly maxBatchRows: number;
  /** Rows per batch as memory allows (memory-plan.ts); undefined for models planned without it. */
  readonly memory?: MemoryPlan | undefined;
  readonly capture: CapturePlan;
  /** Replays captured shapes; undefined when capture is off or the graph has no axes to fix. */
  readonly runner: WebGpuRunner | undefined;
  /** WASM sessions side by side (the first is the dynamic session); undefined with one session. */
  readonly pool: SessionPool | undefined;
  readonly runDynamic: (batch: BatchTensors) => Promise<Float32Array>;
  /** Watches the WebGPU device, so a run that fails after the device was lost says so. */
  readonly deviceLoss: DeviceLossWatch | undefined;
  readonly tokenize: (text: string) => number[];
  /** Frees the dynamic session. */
  readonly disposeSession: () => Promise<void>;
}

export function assembleModel(parts: ModelParts): LoadedModel {
  const { runner, pool, capture, deviceLoss } = parts;
  const bucketLengths = capture.shapes.map((shape) => shape.length);
  const runOn =
    runner !== undefined
      ? (batch: BatchTensors) => runner.run(batch)
      : pool !== undefined
        ? (batch: BatchTensors) => pool.run(batch)
        : parts.runDynamic;
  return {
    device: parts.device,
    dtype: parts.dtype,
    maxLength: parts.maxLength,
    wasmThreads: parts.wasmThreads,
    get parallelRuns() {
      return pool?.planned ?? 1;
    },
    ...(parts.fallbackReason === undefined ? {} : { fallbackReason: parts.fallbackReason }),
    ...(parts.cpuNodes === undefined ? {} : { cpuNodes: parts.cpuNodes }),
    prompt: parts.setup.prompt,
    promptFor: (instruction) => parts.setup.promptFor(instruction),
    head: parts.setup.head,
    scoring: parts.setup.info,
    padTokenId: parts.padTokenId,
    maxBatchRows: parts.maxBatchRows,
    ...(parts.memory === undefined ? {} : { maxRowsAt: parts.memory.rowsAt, memory: parts.memory.info }),
    // Buckets only while capture works: a model that could not be captured plans batches as the dynamic path does.
    get batchLengths() {
      return runner === undefined || runner.disabledReason !== undefined ? undefined : bucketLengths;
    },
    // Read after the warm-up batch, which waits for the preloaded captured shape: a model that cannot be captured says so.
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
    ...(runner === undefined
      ? {}
      : {
          graphCaptureState: () => {
            const { capturedShapes, pendingShapes, failedShapes, capturedBatches, dynamicBatches } = runner.stats();
            return { capturedShapes, pendingShapes, failedShapes, capturedBatches, dynamicBatches };
          },
        }),
    tokenize: parts.tokenize,
    run: async (batch) => {
      try {
        return await runOn(batch);
      } catch (error) {
        // After a lost device every later run fails; say so in a way the page can act on (it moves to WASM).
        if (deviceLoss !== undefined && isDeviceLoss(deviceLoss, describeCause(error))) {
          throw deviceLostError(deviceLoss.reason ?? describeCause(error), { cause: error });
        }
        throw error;
      }
    },
    dispose: async () => {
      await runner?.dispose();
      await pool?.dispose();
      await parts.disposeSession();
    },
  };
}
