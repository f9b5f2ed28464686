/**
 * A stand-in `LoadedModel` for engine and proxy tests: one token per character, and a logit that is a
 * known function of the row's ids, so every expected score can be computed independently.
 */
import type { BatchTensors } from '../../src/engine/batching.js';
import { scoreHead } from '../../src/engine/heads/score-head.js';
import type { LoadedModel, ModelLoader } from '../../src/engine/loaded-model.js';
import type { PairTemplate } from '../../src/engine/pair-encoding.js';
import { crossEncoderFormat } from '../../src/engine/prompt-format.js';

export const BERT_LIKE_TEMPLATE: PairTemplate = {
  prefix: [101],
  middle: [102],
  suffix: [102],
  typeIds: { prefix: 0, a: 0, middle: 0, b: 1, suffix: 1 },
};

export function charIds(text: string): number[] {
  return Array.from(text, (char) => 1000 + (char.codePointAt(0) ?? 0));
}

/** The fake model's logit for one unpadded row: mean id of the row, scaled. */
export function fakeLogit(ids: readonly number[]): number {
  return ids.reduce((sum, id) => sum + id, 0) / ids.length / 1000;
}

export interface FakeModelControls {
  batches: BatchTensors[];
  /** Resolves pending runs one at a time when set; otherwise runs resolve at once. */
  gate?: () => Promise<void>;
  failNextRun?: Error;
  disposed: boolean;
}

export function fakeLoader(controls: FakeModelControls, maxLength = 64): ModelLoader {
  return async (_request, onProgress) => {
    onProgress({ stage: 'download', file: 'onnx/model.onnx', loaded: 10, total: 10, progress: 100 });
    const model: LoadedModel = {
      device: 'wasm',
      dtype: 'q8',
      maxLength,
      wasmThreads: 1,
      prompt: crossEncoderFormat(BERT_LIKE_TEMPLATE),
      // An instruction slot as MiniCPM-Reranker's: the query becomes `{instruction}: {query}`.
      promptFor: (instruction) => ({ ...crossEncoderFormat(BERT_LIKE_TEMPLATE), queryText: (query) => `${instruction}: ${query}` }),
      head: scoreHead('sequence-classification'),
      scoring: { head: 'sequence-classification', promptStyle: 'pair', supportsChunking: true },
      padTokenId: 0,
      maxBatchRows: 64,
      graphCapture: { enabled: false, reason: 'graph capture is a WebGPU feature; this model runs on WASM.' },
      tokenize: charIds,
      run: async (batch) => {
        controls.batches.push(batch);
        if (controls.gate !== undefined) await controls.gate();
        if (controls.failNextRun !== undefined) {
          const error = controls.failNextRun;
          controls.failNextRun = undefined;
          throw error;
        }
        const logits = new Float32Array(batch.batchSize);
        for (let row = 0; row < batch.batchSize; row++) {
          const ids: number[] = [];
          for (let position = 0; position < batch.length; position++) {
            const index = row * batch.length + position;
            if (batch.attentionMask[index] === 1n) ids.push(Number(batch.inputIds[index]));
          }
          logits[row] = fakeLogit(ids);
        }
        return logits;
      },
      dispose: async () => {
        controls.disposed = true;
      },
    };
    return model;
  };
}
