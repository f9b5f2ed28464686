/**
 * Serves a user-picked model folder to transformers.js with no network: transformers.js looks every file up
 * in its cache before it would fetch it, and accepts a custom cache (`env.customCache`). This one answers
 * from the picked files and stores nothing; with remote loading off, a file that is not among them is a
 * typed model-not-found instead of a request.
 */
import { RerankerError } from '../shared/errors.js';
import type { ModelFiles } from '../shared/model-files.js';
import type { LoadRequest } from '../shared/protocol.js';

/** The made-up origin the picked files are addressed under (`.invalid` can never resolve). */
export const PICKED_FILES_HOST = 'https://picked-model-files.invalid/';

export interface PickedFilesCache {
  match(request: string | Request): Promise<Response | undefined>;
  put(request: string | Request, response: Response): Promise<void>;
}

export function pickedFilesCache(model: string, files: ModelFiles): PickedFilesCache {
  const prefix = `${PICKED_FILES_HOST}${model}/`;
  return {
    match: async (request) => {
      const url = typeof request === 'string' ? request : request.url;
      if (!url.startsWith(prefix)) return undefined;
      const blob = files[decodeURIComponent(url.slice(prefix.length))];
      if (blob === undefined) return undefined;
      return new Response(blob, { status: 200, headers: { 'Content-Length': String(blob.size) } });
    },
    put: async () => undefined,
  };
}

/** With picked files, a missing one is named before transformers.js would fail on it less clearly. */
export function requirePickedFiles(request: LoadRequest, files: readonly string[]): void {
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
