/**
 * DOM rendering for the demo: results, what runs (info), timings and errors.
 * Every piece of user or model text goes in through `textContent`, never as HTML.
 */
import { normalizeScore, RerankerError } from '../index.js';
import type { CallTimings, CpuNodesInfo, RerankerInfo, RerankResult, ScoringInfo } from '../index.js';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Results put on the page at once; the rest follow in slices of at most RESULT_SLICE_MS of work, each
 * its own task, so the page keeps painting and taking keys: all 1,000 results in one task is a long task on a
 * small machine (`npm run bench -- --only=longtask`; figures in docs/benchmarks.md).
 */
export const FIRST_RESULTS = 20;
const RESULT_SLICE_MS = 8;

/**
 * Fills `list` (an `<ol>`) with one `<li data-index>` per result, best first. `scoring` (the reranker's
 * `info.scoring`) says how a raw score maps into 0..1 for the bar: sigmoid, or the digit scale. The first
 * FIRST_RESULTS appear before this returns, the others in later tasks; the returned promise settles once
 * all are on the page, or once the list was cleared or rendered again (the rest are then dropped).
 */
export function renderResults(
  list: HTMLOListElement,
  results: readonly RerankResult[],
  passages: readonly string[],
  scoring: ScoringInfo,
): Promise<void> {
  const item = (rank: number): HTMLLIElement => resultItem(results[rank] as RerankResult, rank, passages, scoring);
  let next = Math.min(FIRST_RESULTS, results.length);
  list.replaceChildren(...Array.from({ length: next }, (_, rank) => item(rank)));
  const first = list.firstElementChild;
  return new Promise((done) => {
    const slice = (): void => {
      // Cleared or filled again since: this rendering is stale.
      if (list.firstElementChild !== first) {
        done();
        return;
      }
      const started = performance.now();
      const fragment = document.createDocumentFragment();
      while (next < results.length && performance.now() - started < RESULT_SLICE_MS) fragment.append(item(next++));
      list.append(fragment);
      if (next < results.length) setTimeout(slice, 0);
      else done();
    };
    if (next < results.length) setTimeout(slice, 0);
    else done();
  });
}

function resultItem(result: RerankResult, rank: number, passages: readonly string[], scoring: ScoringInfo): HTMLLIElement {
  const normalized = normalizeScore(result.score, scoring);
  const item = el('li', 'result');
  item.dataset['index'] = String(result.index);

  const head = el('div', 'result-head');
  head.append(el('span', 'rank', `#${rank + 1}`));
  const scores = el('span', 'scores');
  const raw = el('span', 'score');
  raw.append('raw ', el('span', 'score-raw', result.score.toFixed(4)));
  const norm = el('span', 'score');
  norm.append('normalized ', el('span', 'score-normalized', normalized.toFixed(4)));
  scores.append(raw, norm);
  head.append(scores, el('span', 'source', `passage ${result.index + 1}`));

  const bar = el('div', 'bar');
  bar.setAttribute('aria-hidden', 'true');
  const fill = el('div', 'bar-fill');
  fill.style.width = `${(normalized * 100).toFixed(1)}%`;
  bar.append(fill);

  const passage = passages[result.index] ?? result.document ?? '';
  const note = chunkNote(result);
  if (note !== undefined) item.append(head, bar, el('p', 'chunk-note', note), passageText(passage, result));
  else item.append(head, bar, passageText(passage, result));
  return item;
}

/** Says how a passage was scored when it did not fit one pair: cut off, or best of several windows. */
export function chunkNote(result: RerankResult): string | undefined {
  const chunk = result.chunk;
  if (chunk === undefined || chunk.total <= 1) {
    return result.truncated ? "Truncated: longer than the model's limit, so only its start was scored." : undefined;
  }
  const unscored = chunk.total - chunk.count;
  return (
    `Best of ${chunk.count} windows: window ${chunk.index + 1} (tokens ${chunk.tokenStart}–${chunk.tokenEnd}) scored highest` +
    (unscored > 0 ? `; ${unscored} more window${unscored === 1 ? ' was' : 's were'} not scored.` : '.')
  );
}

/** The passage, with the winning window in a `<mark>` when the result traces it to characters. */
function passageText(passage: string, result: RerankResult): HTMLParagraphElement {
  const paragraph = el('p', 'passage');
  const chunk = result.chunk;
  if (chunk === undefined || chunk.total <= 1 || chunk.charStart === undefined || chunk.charEnd === undefined) {
    paragraph.textContent = passage;
    return paragraph;
  }
  paragraph.append(
    passage.slice(0, chunk.charStart),
    el('mark', 'chunk', passage.slice(chunk.charStart, chunk.charEnd)),
    passage.slice(chunk.charEnd),
  );
  return paragraph;
}

function definitionList(target: HTMLElement, rows: readonly (readonly [string, string])[]): void {
  const list = el('dl');
  for (const [term, value] of rows) {
    const row = el('div', 'row');
    row.append(el('dt', undefined, term), el('dd', undefined, value));
    list.append(row);
  }
  target.replaceChildren(list);
}

export function renderInfo(target: HTMLElement, info: RerankerInfo | undefined): void {
  if (info === undefined) {
    target.replaceChildren(el('p', 'muted', 'No model loaded yet. Press Rerank to load it.'));
    return;
  }
  const rows: [string, string][] = [
    ['Model', info.model],
    ['Device', info.device === 'webgpu' ? 'webgpu' : 'wasm'],
    ['Dtype', info.dtype],
    ['Max length', `${info.maxLength} tokens`],
    ['WASM threads', String(info.wasmThreads)],
    ['WASM sessions', String(info.wasmSessions)],
  ];
  rows.push(['WebGPU graph capture', `${info.graphCapture.enabled ? 'on' : 'off'}: ${info.graphCapture.reason}`]);
  rows.push([
    'Chunking',
    info.chunking === false
      ? 'off by default (the checkbox turns it on per call)'
      : `up to ${info.chunking.maxChunksPerDoc} windows, ${info.chunking.chunkOverlap} tokens overlap`,
  ]);
  rows.push(...scoringRows(info.scoring));
  if (info.fallbackReason !== undefined && info.fallbackReason !== '') rows.push(['Fallback reason', info.fallbackReason]);
  definitionList(target, rows);
  if (info.cpuNodes !== undefined) target.append(cpuNodesNotice(info.cpuNodes));
}

/** The notice under the model info when the WebGPU graph runs partly on the CPU: which ops, the cost, what to do. */
function cpuNodesNotice(cpuNodes: CpuNodesInfo): HTMLElement {
  const notice = el('div', 'notice');
  notice.setAttribute('role', 'note');
  const ops = Object.entries(cpuNodes.opTypes)
    .map(([op, count]) => `${op} ×${count}`)
    .join(', ');
  notice.append(
    el('p', undefined, `Slow path: ${cpuNodes.count} nodes run on the CPU (${ops}).`),
    el('p', undefined, cpuNodes.cost),
    el('p', undefined, cpuNodes.advice),
  );
  return notice;
}

const HEAD_TEXT: Record<ScoringInfo['head'], string> = {
  'sequence-classification': 'sequence classification (one logit)',
  'yes-token': 'answer-token logit at the last position',
  'digit-expectation': 'expected relevance digit, sum of d × P(d)',
  layerwise: 'layerwise (the cutoff layer’s own score head)',
};

const PROMPT_TEXT: Record<ScoringInfo['promptStyle'], string> = {
  pair: 'the tokenizer’s pair template',
  segments: '[bos] A: {query}\\n B: {passage}\\n {prompt} (FlagEmbedding)',
  chat: 'the tokenizer’s chat template (system + user message, generation prompt)',
  wrapped: 'a fixed prefix and suffix around <Instruct>/<Query>/<Document> (Qwen3-Reranker)',
};

/** Which head and prompt run, so a person sees what an LLM reranker is asked. */
function scoringRows(scoring: ScoringInfo): [string, string][] {
  const rows: [string, string][] = [
    ['Score head', HEAD_TEXT[scoring.head] + (scoring.scoringTokens === undefined ? '' : ` — tokens ${scoring.scoringTokens.map((t) => `'${t}'`).join(', ')}`)],
    ['Prompt', PROMPT_TEXT[scoring.promptStyle]],
  ];
  if (scoring.card !== undefined) rows.push(['Model card', scoring.card]);
  if (scoring.prompt !== undefined) rows.push(['Prompt text', scoring.prompt]);
  if (scoring.instruction !== undefined) rows.push(['Instruction', scoring.instruction]);
  if (scoring.cutoffLayer !== undefined) {
    rows.push(['Cutoff layer', `${scoring.cutoffLayer} (exported: ${(scoring.cutoffLayers ?? []).join(', ')})`]);
  }
  return rows;
}

export interface DemoTimings {
  /** Time `createReranker` took; `undefined` when this run reused a loaded model. */
  readonly loadMs: number | undefined;
  /** The load time of the reused model, shown for reference. */
  readonly previousLoadMs: number | undefined;
  /** Round trip of the `rerank` call, as the page saw it. */
  readonly rerankMs: number;
  readonly call: CallTimings | undefined;
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ms`;
}

export function renderTimings(target: HTMLElement, timings: DemoTimings | undefined): void {
  if (timings === undefined) {
    target.replaceChildren(el('p', 'muted', 'Rerank to see timings.'));
    return;
  }
  const load =
    timings.loadMs !== undefined
      ? ms(timings.loadMs)
      : `already loaded${timings.previousLoadMs === undefined ? '' : ` (took ${ms(timings.previousLoadMs)})`}`;
  const rows: [string, string][] = [['Load', load]];
  if (timings.call !== undefined) {
    rows.push(['Tokenize', ms(timings.call.tokenizeMs)]);
    rows.push(['Inference', ms(timings.call.inferenceMs)]);
    rows.push(['Pairs / windows / batches', `${timings.call.pairs} / ${timings.call.windows} / ${timings.call.batches}`]);
  }
  rows.push(['Rerank call', ms(timings.rerankMs)]);
  rows.push(['Total', ms((timings.loadMs ?? 0) + timings.rerankMs)]);
  definitionList(target, rows);
}

export const HUB_HINT =
  'The Hugging Face Hub could not be reached or the model is missing. To use self-hosted models, serve the files ' +
  'in the Hub layout and set the model base URL (see README).';

/** Shows `error` in the alert region, with a hint where one helps. `undefined` clears it. */
export function renderError(target: HTMLElement, error: unknown, options: { hasModelBaseUrl: boolean; pickedFolder?: boolean }): void {
  if (error === undefined) {
    target.replaceChildren();
    return;
  }
  const parts: HTMLElement[] = [];
  if (error instanceof RerankerError) {
    const message = el('p', 'error-message');
    message.append(el('code', 'error-code', error.code), ' ', error.message);
    parts.push(message);
    const hint = hintFor(error, options.hasModelBaseUrl, options.pickedFolder === true);
    if (hint !== undefined) parts.push(el('p', 'error-hint', hint));
  } else {
    parts.push(el('p', 'error-message', error instanceof Error ? error.message : String(error)));
  }
  target.replaceChildren(...parts);
}

function hintFor(error: RerankerError, hasModelBaseUrl: boolean, pickedFolder: boolean): string | undefined {
  switch (error.code) {
    case 'model-not-found':
    case 'model-load-failed':
      if (pickedFolder) {
        return 'The picked folder must hold config.json, tokenizer.json, tokenizer_config.json and onnx/model*.onnx of the chosen dtype (e.g. onnx/model_quantized.onnx for q8).';
      }
      return hasModelBaseUrl
        ? 'Check that the model base URL serves the model folder in the Hub layout (config.json, tokenizer.json, onnx/…).'
        : HUB_HINT;
    case 'webgpu-unavailable':
      return 'This browser has no usable WebGPU adapter. Choose device "auto" or "wasm".';
    case 'worker-crashed':
      return 'The worker stopped (often out of memory). Press Rerank to try again, perhaps with a smaller dtype.';
    case 'worker-start-failed':
      return "The browser would not start the reranker's worker: serve the page and the library from the same origin.";
    default:
      return undefined;
  }
}
