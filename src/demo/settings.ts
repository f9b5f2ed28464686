/**
 * The demo's load settings: which model, where from, on which device and in which weight format.
 * They come from the form, and URL query parameters (`?model=&modelBaseUrl=&device=&dtype=`, and for layerwise
 * rerankers `&cutoffLayer=`) pre-fill it. A link never sets an LLM prompt or instruction (text fed to the model
 * with every passage: a link could plant instructions in it); a base URL of another origin taken from a link is
 * confirmed by the user before anything loads from it (`linkedCrossOrigin`).
 * The model presets are the `<option>`s of `#model` in index.html (what some need to load: model-presets.ts).
 */
import type { DeviceRequest, DtypeRequest, PublishedPreset } from '../index.js';

/** The `#model` option that means "use the model id typed in `#model-custom`". */
export const CUSTOM_MODEL = 'custom';
/** The `#model` option added once a folder is picked in `#model-folder`. */
export const PICKED_MODEL = 'picked-folder';

export const DEVICE_CHOICES: readonly DeviceRequest[] = ['auto', 'webgpu', 'wasm'];
export const DTYPE_CHOICES: readonly DtypeRequest[] = ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'];

export interface LoadSettings {
  readonly model: string;
  /** Unset (the Hugging Face Hub) when the field is blank. */
  readonly modelBaseUrl: string | undefined;
  /** A model folder picked on this computer; when set, nothing is fetched. */
  readonly modelFiles?: FileList;
  readonly device: DeviceRequest;
  readonly dtype: DtypeRequest;
  /** The model card of a published causal-LM graph (model-presets.ts); unset for other models. */
  readonly preset?: PublishedPreset;
  /** LLM reranker options; blank fields are left out (the model's defaults). */
  readonly scoring: ScoringSettings;
}

export interface ScoringSettings {
  readonly prompt?: string;
  readonly instruction?: string;
  readonly cutoffLayer?: number;
}

/**
 * The LLM option fields as options: blank is unset; a cutoff layer that is not a whole number is passed on as
 * typed, so the library's own `invalid-input` message explains it.
 */
export function readScoringFields(fields: { prompt: string; instruction: string; cutoffLayer: string }): ScoringSettings {
  const prompt = fields.prompt.trim();
  const instruction = fields.instruction.trim();
  const cutoff = fields.cutoffLayer.trim();
  return {
    ...(prompt === '' ? {} : { prompt }),
    ...(instruction === '' ? {} : { instruction }),
    ...(cutoff === '' ? {} : { cutoffLayer: Number(cutoff) }),
  };
}

/** Two settings that give the same key need no reload. */
export function settingsKey(settings: LoadSettings): string {
  const files = settings.modelFiles === undefined ? '' : pickedFolderKey(settings.modelFiles);
  const { prompt, instruction, cutoffLayer } = settings.scoring;
  return JSON.stringify([settings.model, settings.modelBaseUrl ?? '', settings.device, settings.dtype, settings.preset ?? '', files, prompt, instruction, cutoffLayer]);
}

/** Picking a folder again (even the same one) gives new File objects: paths, sizes and dates tell them apart. */
export function pickedFolderKey(files: FileList): string {
  return Array.from(files, (file) => `${file.webkitRelativePath || file.name}:${file.size}:${file.lastModified}`).join('|');
}

/** The picked folder's name (the first segment of `webkitRelativePath`), or `undefined` for no files. */
export function pickedFolderName(files: FileList): string | undefined {
  const first = files[0];
  if (first === undefined) return undefined;
  return first.webkitRelativePath.split('/')[0] || first.name;
}

export function isDevice(value: string): value is DeviceRequest {
  return (DEVICE_CHOICES as readonly string[]).includes(value);
}

export function isDtype(value: string): value is DtypeRequest {
  return (DTYPE_CHOICES as readonly string[]).includes(value);
}

/** What the URL asks for; each field is absent when its parameter is missing or blank. */
export interface UrlSettings {
  model?: string;
  modelBaseUrl?: string;
  device?: DeviceRequest;
  dtype?: DtypeRequest;
  cutoffLayer?: string;
  /** `name=value` of parameters whose value is not one of the choices, and `name` of those never taken from a link. */
  ignored: string[];
}

export function readUrlSettings(search: string): UrlSettings {
  const params = new URLSearchParams(search);
  const result: UrlSettings = { ignored: [] };
  const text = (name: string): string | undefined => {
    const value = params.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const model = text('model');
  if (model !== undefined) result.model = model;
  const modelBaseUrl = text('modelBaseUrl');
  if (modelBaseUrl !== undefined) result.modelBaseUrl = modelBaseUrl;
  const device = text('device');
  if (device !== undefined) {
    if (isDevice(device)) result.device = device;
    else result.ignored.push(`device=${device}`);
  }
  const cutoffLayer = text('cutoffLayer');
  if (cutoffLayer !== undefined) result.cutoffLayer = cutoffLayer;
  for (const name of URL_REFUSED) {
    if (params.has(name)) result.ignored.push(`${name} (never taken from a link: type it in the form)`);
  }
  const dtype = text('dtype');
  if (dtype !== undefined) {
    if (isDtype(dtype)) result.dtype = dtype;
    else result.ignored.push(`dtype=${dtype}`);
  }
  return result;
}

/** Parameters a link may not set: free text the model reads with every passage. */
export const URL_REFUSED = ['prompt', 'instruction'] as const;

/**
 * The origin of `baseUrl` when it is another origin than the page's (so a link would make the page download
 * and run files from a host the user did not choose); `undefined` for the page's own origin, a relative URL or
 * a blank field. A value that is not a URL is left to the library's own error.
 */
export function linkedCrossOrigin(baseUrl: string | undefined, pageUrl: string): string | undefined {
  if (baseUrl === undefined || baseUrl.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(baseUrl.trim(), pageUrl);
  } catch {
    return undefined;
  }
  return url.origin === new URL(pageUrl).origin ? undefined : url.origin;
}
