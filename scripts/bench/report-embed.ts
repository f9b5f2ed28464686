/** The embedding throughput section of latest.md (results.embedThroughput). */
import type { EmbedThroughputRecord } from './results.js';

export function embedSection(records: readonly EmbedThroughputRecord[] | undefined): string[] {
  if (records === undefined || records.length === 0) return [];
  const lines = [
    '## Embedding throughput (createEmbedder vs the naive feature-extraction pipeline, WASM, q8)',
    '',
    `Model: \`${records[0]?.model ?? ''}\`, derived at bench time from the q8 cross-encoder fixture (its MiniLM-L6 encoder's ` +
      'last hidden state exposed as `last_hidden_state`, mean pooling, Normalize: all-MiniLM-L6-v2\'s shape). Alternating rounds ' +
      '(library, naive; then naive, library); speedup = naive ms / library ms per round, median and range.',
    '',
    '| passages | library ms | naive ms | speedup | library passages/s | min cosine library vs naive |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of records) {
    const range = (s: EmbedThroughputRecord['libraryMs'], digits = 0): string => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
    lines.push(
      `| ${r.passages} ${r.kind} (${r.text}) | ${range(r.libraryMs)} | ${range(r.naiveMs)} | ${range(r.speedup, 2)}x, ${r.speedup.rounds} rounds | ` +
        `${r.libraryPassagesPerSecond} | ${r.minCosineLibraryVsNaive} |`,
    );
  }
  lines.push('');
  return lines;
}
