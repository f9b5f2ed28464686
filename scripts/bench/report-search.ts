/** The search section of latest.md (results.search). */
import type { SearchBenchRecord } from './results.js';

export function searchSection(records: readonly SearchBenchRecord[] | undefined): string[] {
  if (records === undefined || records.length === 0) return [];
  const lines = [
    '## Search first stage (createSearch, synthetic 384-d vectors)',
    '',
    'Synthetic passages (the bench\'s short pseudo-English) with a synthetic embedder (a seeded random unit vector per text, ' +
      'not a model), so the times are the library\'s: lexical (MiniSearch) + exact dense (Float32Array scan) + reciprocal rank ' +
      'fusion, timed inside the search worker, 50 candidates, medians over the measured queries. Round trip: `search()` on the ' +
      'page, query embedding excluded.',
    '',
    '| passages | index | long tasks while indexing | first stage median | p95 | lexical | dense | fusion | round trip | reload from IndexedDB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of records) {
    const tasks = r.longTasksWhileIndexingMs.length === 0 ? 'none' : `${r.longTasksWhileIndexingMs.length} (longest ${Math.round(Math.max(...r.longTasksWhileIndexingMs))} ms)`;
    const reload = r.reload === undefined ? '-' : `${Math.round(r.reload.ms)} ms (${r.reload.embedded} embedded, ${r.reload.reused} reused, lexical from store: ${r.reload.lexicalFromStore ? 'yes' : 'no'})`;
    lines.push(
      `| ${r.passages.toLocaleString('en-US')} | ${(r.indexMs / 1000).toFixed(1)} s | ${tasks} | ${r.firstStageMedianMs} ms | ${r.firstStageP95Ms} ms | ` +
        `${r.lexicalMedianMs} ms | ${r.denseMedianMs} ms | ${r.fusionMedianMs} ms | ${r.roundTripMedianMs} ms | ${reload} |`,
    );
  }
  lines.push('');
  return lines;
}
