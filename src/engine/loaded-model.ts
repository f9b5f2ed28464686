/**
 * What the engine needs from a loaded model. `src/runtime/` implements it with transformers.js and
 * onnxruntime-web; unit tests implement it with plain functions.
 */
import type { BatchTensors } from './batching.js';
import type { ScoreHead } from './heads/score-head.js';
import type { PromptFormat } from './prompt-format.js';
import type { LoadRequest } from '../shared/protocol.js';
import type { CpuNodesInfo, Device, Dtype, GraphCaptureInfo, GraphCaptureState, LoadProgress, MemoryInfo, ScoringInfo } from '../shared/types.js';

export type { LoadRequest };

export interface LoadedModel {
  readonly device: Device;
  readonly dtype: Dtype;
  readonly maxLength: number;
  readonly wasmThreads: number;
  readonly fallbackReason?: string;
  /** How a pair becomes a row (cross-encoder pair template, FlagEmbedding LLM layout, chat template). */
  readonly prompt: PromptFormat;
  /**
   * The prompt for a call's own `instruction` (the rest as loaded). Throws `invalid-input`, naming the model
   * and the options it takes, when the model has no instruction slot.
   */
  promptFor(instruction: string): PromptFormat;
  /** How the graph's output becomes scores. */
  readonly head: ScoreHead;
  /** What `info.scoring` reports. */
  readonly scoring: ScoringInfo;
  readonly padTokenId: number;
  /**
   * Most rows in one batch. 1 for dynamically quantized (q8) graphs: DynamicQuantizeLinear picks one
   * activation scale for the whole batch, padding included, so a pair's score would depend on the other
   * pairs of the call (docs/design.md, q8); run alone, each pair's score is exact.
   */
  readonly maxBatchRows: number;
  /**
   * Most rows a batch padded to `length` tokens may hold so that its attention fits in memory (at least 1 up
   * to `maxLength`). Unset: no limit beyond `maxBatchRows` and the token budget.
   */
  maxRowsAt?(length: number): number;
  /** What `info.memory` reports. */
  readonly memory?: MemoryInfo;
  /**
   * Batches worth keeping in flight: sessions side by side, running or still loading (see session-pool.ts).
   * Default 1: one after another. The engine warms the model with one row; sessions beyond the first warm
   * themselves before they take batches.
   */
  readonly parallelRuns?: number;
  /**
   * Lengths batches are padded to (ascending), when the runner replays captured fixed-shape graphs: pairs
   * are grouped by the bucket they pad to, so every batch the budget allows fits a captured shape. Unset:
   * each batch pads to its own longest pair.
   */
  readonly batchLengths?: readonly number[];
  /** What `info.graphCapture` reports. */
  readonly graphCapture: GraphCaptureInfo;
  /** Captured, pending and failed shapes now (`CallTimings.graphCapture`); unset when capture is off. */
  graphCaptureState?(): GraphCaptureState;
  /** What `info.cpuNodes` reports: WebGPU graph nodes that wait on the GPU from the CPU; unset when none. */
  readonly cpuNodes?: CpuNodesInfo;
  /** Token ids of `text` without special tokens, as the Python tokenizer gives them. */
  tokenize(text: string): number[];
  /** Runs one padded batch; returns the graph's flat [batch, width] output for `head`. */
  run(batch: BatchTensors): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export type ModelLoader = (request: LoadRequest, onProgress: (progress: LoadProgress) => void) => Promise<LoadedModel>;
