/**
 * The demo page's wiring: reads the form, loads (or reuses) a reranker, ranks the passages and shows
 * the results. All model work happens in the library's worker; this file only moves data to the DOM.
 */
import { createReranker, RerankerError } from '../index.js';
import type { LoadProgress, Reranker } from '../index.js';
import { presetLoad } from './model-presets.js';
import { splitPassages } from './passages.js';
import { ProgressTracker, type ProgressView } from './progress.js';
import { startOfflineSupport } from './offline.js';
import { renderError, renderInfo, renderResults, renderTimings } from './render.js';
import {
  CUSTOM_MODEL,
  PICKED_MODEL,
  pickedFolderName,
  isDevice,
  isDtype,
  linkedCrossOrigin,
  readScoringFields,
  readUrlSettings,
  settingsKey,
  type LoadSettings,
} from './settings.js';

function byId<T extends HTMLElement>(id: string, type: { new (): T }): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The demo page lacks #${id}.`);
  return node;
}

const form = byId('controls', HTMLFormElement);
const queryInput = byId('query', HTMLInputElement);
const passagesInput = byId('passages', HTMLTextAreaElement);
const passageCount = byId('passage-count', HTMLElement);
const modelSelect = byId('model', HTMLSelectElement);
const modelCustom = byId('model-custom', HTMLInputElement);
const baseUrlInput = byId('model-base-url', HTMLInputElement);
const folderInput = byId('model-folder', HTMLInputElement);
const deviceSelect = byId('device', HTMLSelectElement);
const dtypeSelect = byId('dtype', HTMLSelectElement);
const chunkingInput = byId('chunking', HTMLInputElement);
const promptInput = byId('llm-prompt', HTMLInputElement);
const instructionInput = byId('llm-instruction', HTMLInputElement);
const cutoffInput = byId('llm-cutoff', HTMLInputElement);
const rerankButton = byId('rerank', HTMLButtonElement);
const statusLine = byId('status', HTMLElement);
const progressBar = byId('progress', HTMLProgressElement);
const infoBox = byId('info', HTMLElement);
const resultsList = byId('results', HTMLOListElement);
const timingsBox = byId('timings', HTMLElement);
const errorBox = byId('error', HTMLElement);
const confirmBox = byId('base-url-confirm', HTMLElement);
const confirmOrigin = byId('base-url-confirm-origin', HTMLElement);
const confirmLoad = byId('base-url-confirm-load', HTMLButtonElement);
const confirmCancel = byId('base-url-confirm-cancel', HTMLButtonElement);
const offline = startOfflineSupport({
  status: byId('offline-status', HTMLElement),
  list: byId('offline-models', HTMLUListElement),
  modelSelect,
  baseUrlInput,
  notPresets: [CUSTOM_MODEL, PICKED_MODEL],
});

interface Loaded {
  readonly key: string;
  readonly reranker: Reranker;
  readonly loadMs: number;
}

let loaded: Loaded | undefined;
let busy = false;
/** The base URL a link put in the field; cleared once the user edits the field (then it is their choice). */
let linkedBaseUrl: string | undefined;
/** Origins the user agreed to load a model from, this visit. */
const confirmedOrigins = new Set<string>();

// ---- Settings: presets, URL parameters, reading the form ----

/**
 * The dev server (`npm run demo`) also serves the repository's tiny LLM reranker fixtures (random weights):
 * presets that show each LLM head and prompt running without exporting a real model first. The built demo
 * has no fixtures, so it does not offer them.
 */
function addFixturePresets(): void {
  if (!import.meta.env.DEV) return;
  const group = document.createElement('optgroup');
  group.label = 'Tiny LLM test fixtures — random weights, served by the dev server';
  for (const [model, label] of [
    ['tiny-gemma-reranker', "tiny Gemma — 'Yes' logit (bge-reranker-v2-gemma layout)"],
    ['tiny-qwen2-lb-reranker', 'tiny Qwen2 — expected digit (lb-reranker chat template)'],
    ['tiny-layerwise-reranker', 'tiny layerwise — cutoff layers 2, 3, 4'],
    ['tiny-minicpm-reranker', 'tiny bidirectional MiniCPM-like — instruction'],
    ['tiny-qwen3-reranker', 'tiny Qwen3 — P(yes) over yes/no, instruction (Qwen3-Reranker layout)'],
    ['tiny-mxbai-reranker', "tiny Qwen2 — logit('1') - logit('0'), instruction (mxbai-rerank v2 layout)"],
  ] as const) {
    const option = new Option(label, model);
    option.dataset['baseUrl'] = '/fixtures/models';
    group.append(option);
  }
  modelSelect.insertBefore(group, Array.from(modelSelect.options).find((option) => option.value === CUSTOM_MODEL) ?? null);
}

/** A fixture preset brings its base URL along, unless the field already says where models come from. */
function applyPresetBaseUrl(): void {
  const baseUrl = modelSelect.selectedOptions[0]?.dataset['baseUrl'];
  if (baseUrl !== undefined && baseUrlInput.value.trim() === '') baseUrlInput.value = baseUrl;
}

function applyUrlSettings(): string[] {
  const url = readUrlSettings(window.location.search);
  if (url.model !== undefined) {
    const isPreset = url.model !== CUSTOM_MODEL && Array.from(modelSelect.options).some((option) => option.value === url.model);
    if (isPreset) {
      modelSelect.value = url.model;
    } else {
      modelSelect.value = CUSTOM_MODEL;
      modelCustom.value = url.model;
    }
  }
  if (url.modelBaseUrl !== undefined) {
    baseUrlInput.value = url.modelBaseUrl;
    linkedBaseUrl = url.modelBaseUrl;
  }
  if (url.device !== undefined) deviceSelect.value = url.device;
  if (url.dtype !== undefined) dtypeSelect.value = url.dtype;
  if (url.cutoffLayer !== undefined) cutoffInput.value = url.cutoffLayer;
  return url.ignored;
}

/** The settings in the form, or a message saying what is missing. */
function readSettings(): LoadSettings | string {
  const device = isDevice(deviceSelect.value) ? deviceSelect.value : 'auto';
  const dtype = isDtype(dtypeSelect.value) ? dtypeSelect.value : 'auto';
  const scoring = readScoringFields({ prompt: promptInput.value, instruction: instructionInput.value, cutoffLayer: cutoffInput.value });
  if (modelSelect.value === PICKED_MODEL) {
    const files = folderInput.files;
    const name = files === null ? undefined : pickedFolderName(files);
    if (files === null || name === undefined) return 'Pick a model folder first, or choose a preset.';
    return { model: name, modelBaseUrl: undefined, modelFiles: files, device, dtype, scoring };
  }
  const model = modelSelect.value === CUSTOM_MODEL ? modelCustom.value.trim() : modelSelect.value;
  if (model === '') return 'Type a model id in "Other model id", or pick a preset.';
  const baseUrl = baseUrlInput.value.trim();
  return { model, modelBaseUrl: baseUrl === '' ? undefined : baseUrl, device, ...presetLoad(model, dtype), scoring };
}

function updatePassageCount(): void {
  const count = splitPassages(passagesInput.value).length;
  passageCount.textContent = `${count} passage${count === 1 ? '' : 's'}`;
}

// ---- Status and progress (painted at most once per frame) ----

let pendingView: ProgressView | undefined;
let frameRequested = false;

function showView(view: ProgressView): void {
  pendingView = view;
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    if (pendingView !== undefined) paint(pendingView);
    pendingView = undefined;
  });
}

function paint(view: ProgressView): void {
  statusLine.textContent = view.status;
  if (view.value === undefined) progressBar.removeAttribute('value');
  else progressBar.value = view.value;
  progressBar.textContent = view.value === undefined ? '' : `${Math.floor(view.value)}%`;
}

/** Immediate status (drops any frame-queued progress view). */
function setStatus(status: string, value?: number): void {
  pendingView = undefined;
  paint({ status, value: value ?? (progressBar.hasAttribute('value') ? progressBar.value : undefined) });
}

function setBusy(value: boolean): void {
  busy = value;
  // aria-disabled rather than disabled: the button keeps keyboard focus while a run is in progress.
  rerankButton.setAttribute('aria-disabled', String(value));
  form.setAttribute('aria-busy', String(value));
}

// ---- Loading and ranking ----

async function ensureReranker(settings: LoadSettings): Promise<{ reranker: Reranker; loadMs: number | undefined }> {
  const key = settingsKey(settings);
  if (loaded !== undefined && loaded.key === key) return { reranker: loaded.reranker, loadMs: undefined };

  const previous = loaded;
  loaded = undefined;
  renderInfo(infoBox, undefined);
  if (previous !== undefined) {
    setStatus('Freeing the previous model');
    await previous.reranker.dispose();
  }

  const tracker = new ProgressTracker();
  pendingView = undefined;
  paint({ status: `Loading ${settings.model}`, value: undefined });
  const started = performance.now();
  // Progress events that arrive after the load settled must not overwrite later status lines.
  let listening = true;
  let reranker: Reranker;
  try {
    reranker = await createReranker({
      model: settings.model,
      ...(settings.modelBaseUrl === undefined ? {} : { modelBaseUrl: settings.modelBaseUrl }),
      ...(settings.modelFiles === undefined ? {} : { modelFiles: settings.modelFiles }),
      device: settings.device,
      dtype: settings.dtype,
      ...(settings.preset === undefined ? {} : { preset: settings.preset }),
      ...settings.scoring,
      onProgress: (event: LoadProgress) => {
        if (listening) showView(tracker.update(event));
      },
    });
  } finally {
    listening = false;
  }
  const loadMs = performance.now() - started;
  loaded = { key, reranker, loadMs };
  renderInfo(infoBox, reranker.info);
  setStatus('Ready', 100);
  return { reranker, loadMs };
}

async function run(): Promise<void> {
  if (busy) return;
  const settings = readSettings();
  const query = queryInput.value.trim();
  const passages = splitPassages(passagesInput.value);
  const problem =
    typeof settings === 'string'
      ? settings
      : query === ''
        ? 'Type a query first.'
        : passages.length === 0
          ? 'Add at least one passage (separate passages with a blank line).'
          : undefined;
  if (typeof settings === 'string' || problem !== undefined) {
    setStatus('Nothing to rank yet');
    renderError(errorBox, new Error(problem ?? 'Invalid settings.'), { hasModelBaseUrl: false });
    return;
  }

  // A base URL of another origin that came with the link: ask before the page downloads and runs its files.
  const linkedOrigin = settings.modelBaseUrl !== undefined && settings.modelBaseUrl === linkedBaseUrl?.trim()
    ? linkedCrossOrigin(settings.modelBaseUrl, window.location.href)
    : undefined;
  if (linkedOrigin !== undefined && !confirmedOrigins.has(linkedOrigin)) {
    askToConfirmOrigin(linkedOrigin);
    return;
  }

  setBusy(true);
  renderError(errorBox, undefined, { hasModelBaseUrl: false });
  try {
    const previousLoadMs = loaded?.loadMs;
    const { reranker, loadMs } = await ensureReranker(settings);
    setStatus(`Reranking ${passages.length} passage${passages.length === 1 ? '' : 's'}`);
    const started = performance.now();
    // Per call, so switching it needs no reload of the model.
    const results = await reranker.rerank(query, passages, { chunking: chunkingInput.checked });
    const rerankMs = performance.now() - started;
    const call = await reranker.lastTimings();
    renderResults(resultsList, results, passages, reranker.info.scoring);
    renderTimings(timingsBox, { loadMs, previousLoadMs: loadMs === undefined ? previousLoadMs : undefined, rerankMs, call });
    setStatus(`Ready. Ranked ${results.length} passage${results.length === 1 ? '' : 's'} in ${Math.round(rerankMs)} ms.`, 100);
  } catch (error) {
    if (error instanceof RerankerError && error.code === 'disposed') loaded = undefined;
    // Results of an earlier query or model would be mistaken for this run's.
    resultsList.replaceChildren();
    renderTimings(timingsBox, undefined);
    setStatus(error instanceof RerankerError ? `Failed (${error.code})` : 'Failed', 0);
    renderError(errorBox, error, { hasModelBaseUrl: settings.modelBaseUrl !== undefined, pickedFolder: settings.modelFiles !== undefined });
  } finally {
    setBusy(false);
    // A load fills the model cache; a failed one may have dropped a broken model from it.
    void offline.refresh();
  }
}

function askToConfirmOrigin(origin: string): void {
  confirmOrigin.textContent = origin;
  confirmBox.hidden = false;
  setStatus('Confirm where the model comes from', 0);
  confirmLoad.focus();
}

function closeConfirm(): void {
  confirmBox.hidden = true;
}

// ---- Events ----

function onShortcut(event: KeyboardEvent): void {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    void run();
  }
}

addFixturePresets();
const ignored = applyUrlSettings();
if (ignored.length > 0) {
  renderError(errorBox, new Error(`Ignored URL parameter${ignored.length === 1 ? '' : 's'}: ${ignored.join(', ')}.`), {
    hasModelBaseUrl: false,
  });
}
updatePassageCount();
renderInfo(infoBox, undefined);
setStatus('Press Rerank to load the model and rank the passages.', 0);

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});
queryInput.addEventListener('keydown', onShortcut);
passagesInput.addEventListener('keydown', onShortcut);
passagesInput.addEventListener('input', updatePassageCount);
confirmLoad.addEventListener('click', () => {
  const origin = confirmOrigin.textContent ?? '';
  if (origin !== '') confirmedOrigins.add(origin);
  closeConfirm();
  void run();
});
confirmCancel.addEventListener('click', () => {
  closeConfirm();
  baseUrlInput.value = '';
  linkedBaseUrl = undefined;
  setStatus('Not loaded: the model base URL from the link was cleared. Type one, or leave it blank for the Hub.', 0);
  baseUrlInput.focus();
});
baseUrlInput.addEventListener('input', () => {
  linkedBaseUrl = undefined;
  closeConfirm();
});
modelCustom.addEventListener('input', () => {
  if (modelCustom.value.trim() !== '') modelSelect.value = CUSTOM_MODEL;
});
folderInput.addEventListener('change', () => {
  const name = folderInput.files === null ? undefined : pickedFolderName(folderInput.files);
  let option = Array.from(modelSelect.options).find((candidate) => candidate.value === PICKED_MODEL);
  if (name === undefined) {
    option?.remove();
    return;
  }
  if (option === undefined) {
    option = document.createElement('option');
    option.value = PICKED_MODEL;
    modelSelect.append(option);
  }
  option.textContent = `Picked folder: ${name} (offline)`;
  modelSelect.value = PICKED_MODEL;
});
modelSelect.addEventListener('change', () => {
  if (modelSelect.value === CUSTOM_MODEL) modelCustom.focus();
  applyPresetBaseUrl();
});
window.addEventListener('pagehide', () => {
  void loaded?.reranker.dispose();
});
