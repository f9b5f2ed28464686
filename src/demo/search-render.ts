/** The search demo's results and timings: each result with its rank and score in every stage that ran. */
import type { SearchResponse, SearchResult } from '../index.js';

const SNIPPET = 320;

/** `denseRan`: the search has a dense stage, so a result it did not find shows `dense –` (as lexical does). */
function stageLine(result: SearchResult, denseRan: boolean): string {
  const { lexical, dense, fused, rerank } = result.stages;
  const parts = [
    lexical === undefined ? 'lexical –' : `lexical #${lexical.rank} (${lexical.score.toFixed(1)})`,
    ...(dense !== undefined ? [`dense #${dense.rank} (${dense.score.toFixed(3)})`] : denseRan ? ['dense –'] : []),
    `fused #${fused.rank}`,
    ...(rerank === undefined ? [] : [`rerank #${rerank.rank} (${rerank.score.toFixed(2)})`]),
  ];
  return parts.join(' · ');
}

export function renderResults(list: HTMLOListElement, response: SearchResponse): void {
  const items = response.results.map((result) => {
    const item = document.createElement('li');
    item.dataset['id'] = result.id;
    const title = document.createElement('strong');
    title.textContent = result.document?.['title'] ?? result.id;
    const text = document.createElement('p');
    const body = result.document?.['text'] ?? '';
    text.textContent = body.length > SNIPPET ? `${body.slice(0, SNIPPET)}…` : body;
    const stages = document.createElement('p');
    stages.className = 'stages';
    stages.textContent = stageLine(result, response.timings.denseMs !== undefined);
    item.append(title, text, stages);
    return item;
  });
  list.replaceChildren(...items);
}

export function describeTimings(response: SearchResponse): string {
  const t = response.timings;
  const parts = [
    ...(t.embedQueryMs === undefined ? [] : [`query embedding ${t.embedQueryMs.toFixed(1)} ms`]),
    ...(t.lexicalMs === undefined ? [] : [`lexical ${t.lexicalMs.toFixed(1)} ms`]),
    ...(t.denseMs === undefined ? [] : [`dense ${t.denseMs.toFixed(1)} ms`]),
    `fusion ${t.fusionMs.toFixed(2)} ms`,
    ...(t.rerankMs === undefined ? [] : [`rerank ${t.rerankMs.toFixed(0)} ms`]),
    `total ${t.totalMs.toFixed(0)} ms`,
  ];
  return parts.join(' · ');
}
