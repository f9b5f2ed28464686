/** The search section of latest.md (results.search). */
import type { SearchBenchRecord } from './results.js';

export function searchSection(records: readonly SearchBenchRecord[] | undefined): string[] {
  if (records === undefined || records.length === 0) return [];
  const lines = [
    '## Search first stage (createSearch, synthetic 384-d vectors)',
    '',
    'Synthetic passages (the bench\'s short pseudo-English, every word in about 11% of them: a worst case) and the search ' +
      'demo\'s man-page paragraphs repeated to the count (copies with their words rotated) asked real questions, `lexical.stopWords` ' +
      'off or `englishStopWords`, with a synthetic embedder (a seeded random unit vector per text, ' +
      'not a model), so the times are the library\'s: lexical (MiniSearch) + exact dense (WebAssembly SIMD scan) + reciprocal rank ' +
      'fusion, timed inside the search worker, 50 candidates, medians over the measured queries. Round trip: `search()` on the ' +
      'page, query embedding excluded. Load: the 1-minute load average at the row\'s start (2 cores).',
    '',
    '| passages | corpus | stop words | load | index | long tasks while indexing | first stage median | p95 | lexical | dense | fusion | round trip | reload from IndexedDB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of records) {
    const tasks = r.longTasksWhileIndexingMs.length === 0 ? 'none' : `${r.longTasksWhileIndexingMs.length} (longest ${Math.round(Math.max(...r.longTasksWhileIndexingMs))} ms)`;
    const reload = r.reload === undefined ? '-' : `${Math.round(r.reload.ms)} ms, median of ${r.reload.runsMs.map((ms) => Math.round(ms)).join(' / ')} (${r.reload.embedded} embedded, ${r.reload.reused} reused, lexical from store: ${r.reload.lexicalFromStore ? 'yes' : 'no'})`;
    lines.push(
      `| ${r.passages.toLocaleString('en-US')} | ${r.corpus} | ${r.stopWords ? 'English' : 'none'} | ${r.loadAverageAtStart[0] ?? '?'} | ${(r.indexMs / 1000).toFixed(1)} s | ${tasks} | ${r.firstStageMedianMs} ms | ${r.firstStageP95Ms} ms | ` +
        `${r.lexicalMedianMs} ms | ${r.denseMedianMs} ms | ${r.fusionMedianMs} ms | ${r.roundTripMedianMs} ms | ${reload} |`,
    );
  }
  lines.push('');
  return lines;
}
