/**
 * A model folder the user picked (`<input type="file" webkitdirectory>`, drag and drop, the File System
 * Access API), turned into the map the worker loads from: path inside the model folder -> file. Files and
 * Blobs cross to the worker by reference (structured clone does not copy their bytes).
 */
import { RerankerError } from './errors.js';

/** What `createReranker({ modelFiles })` accepts. */
export type ModelFilesInput = FileList | readonly File[] | Readonly<Record<string, Blob>>;

/** Path inside the model folder (`config.json`, `onnx/model.onnx`) -> its bytes. */
export type ModelFiles = Readonly<Record<string, Blob>>;

/**
 * A `File` from a picked folder carries `webkitRelativePath` = `<folder>/onnx/model.onnx`; the folder's own
 * name is dropped so paths read as in the Hub layout. A File without one (picked one by one) keeps its name.
 */
export function normalizeModelFiles(input: ModelFilesInput): ModelFiles {
  const isFileList = typeof FileList !== 'undefined' && input instanceof FileList;
  if (!isFileList && !Array.isArray(input)) {
    if (typeof input !== 'object' || input === null) throw notFiles(input);
    const entries = Object.entries(input as Record<string, unknown>);
    for (const [path, blob] of entries) {
      if (!(blob instanceof Blob)) throw notFiles(blob, path);
    }
    return Object.fromEntries(entries.map(([path, blob]) => [path.replace(/^\/+/, ''), blob as Blob]));
  }
  const files: Record<string, Blob> = {};
  for (const file of Array.from(input as ArrayLike<unknown>)) {
    if (!(file instanceof File)) throw notFiles(file);
    // Absent outside browsers, empty for files picked one by one.
    const path = (file.webkitRelativePath as string | undefined) ?? '';
    const relative = path === '' ? file.name : path.split('/').slice(1).join('/');
    files[relative] = file;
  }
  return files;
}

function notFiles(value: unknown, path?: string): RerankerError {
  const got = value === null ? 'null' : typeof value;
  return new RerankerError(
    'invalid-input',
    `modelFiles must be a FileList, an array of Files or an object of path -> Blob${path === undefined ? '' : ` (at '${path}')`}; got ${got}.`,
    { details: { argument: 'modelFiles' } },
  );
}
