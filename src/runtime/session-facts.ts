/**
 * Facts read off a built onnxruntime session or transformers.js model, typed by the few members used so that
 * only transformers-runtime.ts imports the libraries: the graph's symbolic axes, an output's width, the input
 * names, and whether a failed build may be retried on WASM.
 */
import { RerankerError } from '../shared/errors.js';

interface ValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly shape?: readonly (number | string)[];
}

/** The members of an onnxruntime-web `InferenceSession` read here. */
export interface SessionShape {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
}

/** The graph's names for the batch and sequence axes of `input_ids` (`batch_size`, `sequence_length` in Hub exports). */
export function symbolicDims(session: SessionShape): readonly [string, string] | undefined {
  const meta = session.inputMetadata.find((input) => input.name === 'input_ids');
  const [rows, length] = meta !== undefined && meta.isTensor ? (meta.shape ?? []) : [];
  return typeof rows === 'string' && typeof length === 'string' ? [rows, length] : undefined;
}

/** Values per row of a [batch, width] output, when the graph fixes the width. */
export function outputWidthOf(session: SessionShape, outputName: string): number | undefined {
  const meta = session.outputMetadata.find((output) => output.name === outputName);
  const shape = meta !== undefined && meta.isTensor ? (meta.shape ?? []) : [];
  const width = shape.length === 2 ? shape[1] : shape.length === 1 ? 1 : undefined;
  return typeof width === 'number' && width > 0 ? width : undefined;
}

/** The onnxruntime session transformers.js built for the graph (its `sessions.model`). */
export function modelSession<S>(model: unknown): S | undefined {
  return (model as { sessions?: Record<string, S | undefined> }).sessions?.['model'];
}

export function modelInputNames(model: unknown): readonly string[] {
  return modelSession<SessionShape>(model)?.inputNames ?? ['input_ids', 'attention_mask'];
}

/** A download that failed is final; a session that failed to build on WebGPU may still build on WASM. */
export function isSessionFailure(error: unknown): boolean {
  return !(error instanceof RerankerError && error.code === 'model-not-found');
}

/** A run's named output as float32 values; a missing or non-float output is `inference-failed`. */
export function floatOutput(outputs: Readonly<Record<string, { readonly type: string; readonly data: unknown } | undefined>>, outputName: string): Float32Array {
  const output = outputs[outputName];
  if (output === undefined) {
    throw new RerankerError('inference-failed', `The model returned no "${outputName}" output; it has ${Object.keys(outputs).join(', ')}.`);
  }
  if (!(output.data instanceof Float32Array)) {
    throw new RerankerError('inference-failed', `The model returned ${output.type} ${outputName}; expected float32.`);
  }
  return output.data;
}
