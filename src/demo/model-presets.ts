/**
 * The demo's presets that need more than a model id to load: a published causal-LM graph is loaded under a
 * `preset` naming its model card (docs/published-llm.md), and its repo holds only some dtypes. The `#model`
 * options of index.html list the models; this table adds what their load needs.
 */
import type { DtypeRequest, PublishedPreset } from '../index.js';

export interface PresetLoad {
  /** The model card the published graph follows (`RerankerOptions.preset`). */
  readonly preset: PublishedPreset;
  /** Loaded when the form's dtype is `auto` (whose WebGPU choice, fp32, such a repo may not publish). */
  readonly dtype: DtypeRequest;
}

/**
 * onnx-community/Qwen3-Reranker-0.6B-ONNX publishes `onnx/model_quantized.onnx` (q8) and `onnx/model_q4.onnx`
 * (q4, MatMulNBits), no fp32 or fp16. q4 is the smaller file and runs on both devices, where q8 on WebGPU
 * leaves its activation quantizing ops on the CPU (info.cpuNodes), and `auto` on WebGPU asks for fp32.
 */
export const PRESET_LOADS: Readonly<Record<string, PresetLoad>> = {
  'onnx-community/Qwen3-Reranker-0.6B-ONNX': { preset: 'qwen3-reranker', dtype: 'q4' },
};

/** The preset and dtype to load `model` with: the table's dtype stands in for `auto`; a dtype picked in the form is kept. */
export function presetLoad(model: string, dtype: DtypeRequest): { readonly preset?: PublishedPreset; readonly dtype: DtypeRequest } {
  const entry = Object.hasOwn(PRESET_LOADS, model) ? PRESET_LOADS[model] : undefined;
  if (entry === undefined) return { dtype };
  return { preset: entry.preset, dtype: dtype === 'auto' ? entry.dtype : dtype };
}
