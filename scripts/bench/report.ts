/** bench/results/latest.md from the results object. */
import { INT8_MATMUL_OPS } from './op-profile.js';
import { embedSection } from './report-embed.js';
import { searchSection } from './report-search.js';
import type { ContenderSummary, ProfileRecord, RatioSpread, Results, ThroughputCase } from './results.js';

function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** "page.evaluate: Error: failed to call OrtRun(). ... SafeIntOnOverflow() Integer overflow" -> "onnxruntime: Integer overflow". */
function shortError(text: string): string {
  const ort = /ERROR_MESSAGE:.*\)\s*([^()]+)$/.exec(text);
  if (ort?.[1] !== undefined) return `onnxruntime: ${ort[1].trim()}`;
  return text.replace(/^page\.evaluate: (Error: )?/, '').slice(0, 80);
}

function rate(summary: ContenderSummary | undefined): string {
  if (summary === undefined) return 'not run';
  if (summary.failed !== undefined) return summary.capped === true ? `stopped (${summary.failed.replace(/^stopped after /, '> ').replace(/ \(time cap\)/, '')})` : `failed (${shortError(summary.failed)})`;
  return fmt(summary.pairsPerSecond, summary.pairsPerSecond < 10 ? 2 : 1);
}

function ratio(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(2)}x`;
}

function caseName(entry: { count: number; kind: string; text?: string }): string {
  return `${entry.count.toLocaleString('en-US')} ${entry.kind === 'short' ? 'short' : 'mixed-length'}${entry.text === 'docs' ? ' (docs text)' : ''}`;
}

/** Median with the rounds' range: "2.31x (2.10-2.52, 3 rounds)". */
function ratioWithRange(value: number | undefined, range: RatioSpread | undefined): string {
  if (range === undefined || range.rounds < 2) return ratio(value);
  return `${ratio(range.median)} (${range.min.toFixed(2)}-${range.max.toFixed(2)}, ${range.rounds} rounds)`;
}

function findCase(results: Results, dtype: string, count: number, kind: string, text = 'generated'): ThroughputCase | undefined {
  return results.throughput.find((entry) => entry.dtype === dtype && entry.count === count && entry.kind === kind && (entry.text ?? 'generated') === text);
}

/** Operator types of one profiled pair, largest in WASM first, and what bounds the WASM run's speed. */
function profileTable(entry: ProfileRecord): string[] {
  const native = new Map(entry.native.byOp.map((row) => [row.op, row.us]));
  const sum = (rows: readonly { op: string; us: number }[], keep: (op: string) => boolean): number =>
    rows.filter((row) => keep(row.op)).reduce((total, row) => total + row.us, 0);
  const wasmTotal = sum(entry.wasm.byOp, () => true);
  const nativeTotal = sum(entry.native.byOp, () => true);
  const wasmInt8 = sum(entry.wasm.byOp, (op) => INT8_MATMUL_OPS.has(op));
  const nativeInt8 = sum(entry.native.byOp, (op) => INT8_MATMUL_OPS.has(op));
  const nativeRest = nativeTotal - nativeInt8;
  const kind = entry.kind === 'tiny' ? 'one-word passage' : entry.kind === 'short' ? 'short passage' : 'mixed-length passage';
  const lines = [
    `**${kind}, ${entry.tokens} tokens**: a run takes ${entry.wasm.ms.toFixed(1)} ms in WASM, ${entry.native.ms.toFixed(1)} ms native ` +
      `(kernels ${(wasmTotal / 1000).toFixed(1)} and ${(nativeTotal / 1000).toFixed(1)} ms: WASM ${(nativeTotal / wasmTotal).toFixed(2)}x native's speed). ` +
      `The int8 matrix products are ${((100 * wasmInt8) / wasmTotal).toFixed(0)}% of the WASM kernels' time and run ${(wasmInt8 / nativeInt8).toFixed(1)}x slower than native; ` +
      `were every other operator as fast as native, WASM would reach ${(nativeTotal / (wasmInt8 + nativeRest)).toFixed(2)}x native's speed.`,
    '',
    '| operator | WASM (us) | native (us) | WASM ÷ native | share of WASM |',
    '| --- | --- | --- | --- | --- |',
  ];
  const shown = entry.wasm.byOp.slice(0, 10);
  for (const row of shown) {
    const theirs = native.get(row.op);
    lines.push(`| ${row.op} | ${Math.round(row.us)} | ${theirs === undefined ? '–' : Math.round(theirs)} | ${theirs === undefined ? '–' : `${(row.us / theirs).toFixed(1)}x`} | ${((100 * row.us) / wasmTotal).toFixed(1)}% |`);
  }
  const shownOps = new Set(shown.map((row) => row.op));
  const restWasm = sum(entry.wasm.byOp, (op) => !shownOps.has(op));
  const restNative = sum(entry.native.byOp, (op) => !shownOps.has(op));
  lines.push(`| all others | ${Math.round(restWasm)} | ${Math.round(restNative)} | ${(restWasm / restNative).toFixed(1)}x | ${((100 * restWasm) / wasmTotal).toFixed(1)}% |`);
  return lines;
}

export function renderMarkdown(results: Results): string {
  const m = results.machine;
  const lines: string[] = [];
  const tokens = results.passages.tokens;
  lines.push('# Benchmark: webgpu-reranker vs the naive transformers.js pattern vs native onnxruntime-node');
  lines.push('');
  lines.push(
    `Machine: ${m.nproc} cores (\`nproc\`), ${m.cpuModel}, ${m.memoryGb} GiB; ${m.chromium}, headless; Node ${m.node}. ` +
      `Run ${m.date.slice(0, 16).replace('T', ' ')} UTC, \`npm run bench${results.mode === 'quick' ? ' -- --quick' : ''}\`, ` +
      `${results.totalSeconds ?? '?'} s; load average ${m.loadAverageAtStart.join(' ')} at the start, ${(results.loadAverageAtEnd ?? []).join(' ')} at the end.`,
  );
  lines.push('');
  lines.push(
    `Model: \`${results.model.name}\`, random weights in the shape of cross-encoder/ms-marco-MiniLM-L-6-v2 ` +
      '(BERT, 6 layers, hidden 384, 22.7 M parameters, bert-base-uncased vocabulary); q8 = `model_quantized.onnx` ' +
      '(dynamic int8, QUInt8 weights), fp32 = `model.onnx`. One query; passages of 20-60 words (short: pairs of ' +
      `${tokens['short']?.min ?? '?'}-${tokens['short']?.max ?? '?'} tokens, median ${tokens['short']?.median ?? '?'}) or 60-300 words ` +
      `(mixed-length: ${tokens['mixed']?.min ?? '?'}-${tokens['mixed']?.max ?? '?'} tokens, median ${tokens['mixed']?.median ?? '?'}).` +
      (results.passages.docsText === undefined
        ? ''
        : ` Docs text: the same word ranges cut from ${results.passages.docsText} (real documentation: identifiers, numbers, code words; ` +
          `short ${tokens['docs-short']?.min ?? '?'}-${tokens['docs-short']?.max ?? '?'} tokens, median ${tokens['docs-short']?.median ?? '?'}; ` +
          `mixed ${tokens['docs-mixed']?.min ?? '?'}-${tokens['docs-mixed']?.max ?? '?'} tokens, median ${tokens['docs-mixed']?.median ?? '?'}), ` +
          `query "${results.passages.docsQuery ?? ''}".`),
  );
  lines.push('');
  lines.push(
    '- **library**: `createReranker` + `rerank` from a page served with COOP/COEP (model in a Web Worker, its default ' +
      '`wasmSessions`: one single-threaded session per core, each in a worker of its own; length-sorted batches; q8 runs one pair per batch).',
  );
  lines.push(
    '- **naive**: the usual transformers.js code on the main thread: `AutoTokenizer` + `AutoModelForSequenceClassification`, ' +
      '`tokenizer(queries, { text_pair: docs, padding: true, truncation: true })`, one model call, default settings ' +
      '(q8 on WASM, onnxruntime-web\'s default thread count), same page headers.',
  );
  lines.push(
    '- **native**: onnxruntime-node (CPU) in a Node process, same model file and token ids, as many threads as the library has in all its sessions; ' +
      '"batched" = length-sorted batches under the same 4,096-token budget, "1 row" = one pair per run (as the library runs q8).',
  );
  lines.push('');

  lines.push('## Throughput on WASM (pairs per second, median of the runs; ratios: median and range of the rounds, each round runs every contender once)');
  lines.push('');
  lines.push('Steady state: each browser contender first reranks 100 short passages twice, unmeasured, so V8 has optimized its WASM code (a fresh worker runs baseline code at half speed or less for its first seconds; the first result of a fresh page is in [Loading](#loading-first-result-and-memory-a-fresh-browser-for-each-row)).');
  lines.push('');
  lines.push('| dtype | passages | runs | library | naive | library ÷ naive | native batched | native 1 row | library ÷ best native | cores used (library sessions x threads / naive threads / native threads) |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const entry of results.throughput) {
    const s = entry.summary;
    lines.push(
      `| ${entry.dtype} | ${caseName(entry)} | ${s.library?.runs ?? 0} | ${rate(s.library)} | ${rate(s.naive)} | ${ratioWithRange(entry.ratios.vsNaive, entry.ratioRanges?.vsNaive)} | ` +
        `${rate(s.native)} | ${entry.dtype === 'q8' ? rate(s.nativeOneRow) : '–'} | ${ratioWithRange(entry.ratios.vsNativeBest, entry.ratioRanges?.vsNativeBest)} | ` +
        `${entry.threads.librarySessions ?? 1} x ${entry.threads.library} / ${fmt(entry.threads.naive, 0)} / ${entry.threads.native} |`,
    );
  }
  lines.push('');

  if ((results.sessions ?? []).length > 0) {
    lines.push('## WASM sessions side by side (the library, q8, `wasmSessions` 1 or 2 x 1 thread; pairs/s, median and best of interleaved runs)');
    lines.push('');
    lines.push('"one core held": a busy-looping process runs beside the browser for the whole row, as another tab or app would.');
    lines.push('');
    const counts = results.sessions?.[0]?.bySessions.map((t) => t.sessions) ?? [];
    lines.push(`| passages | machine | ${counts.map((n) => `${n} session${n === 1 ? '' : 's'}`).join(' | ')} | ${counts.length > 1 ? `${counts.at(-1)} ÷ 1 |` : ''}`);
    lines.push(`| --- | --- | ${counts.map(() => '---').join(' | ')} |${counts.length > 1 ? ' --- |' : ''}`);
    for (const entry of results.sessions ?? []) {
      const first = entry.bySessions[0]?.medianPairsPerSecond ?? Number.NaN;
      const last = entry.bySessions.at(-1)?.medianPairsPerSecond ?? Number.NaN;
      lines.push(
        `| ${caseName(entry)} | ${entry.busyCore ? 'one core held' : 'quiet'} | ${entry.bySessions.map((t) => `${fmt(t.medianPairsPerSecond)} (best ${fmt(t.bestPairsPerSecond)})`).join(' | ')} |` +
          `${counts.length > 1 ? ` ${ratio(last / first)} |` : ''}`,
      );
    }
    lines.push('');
  }

  if (results.threads.length > 0) {
    lines.push('## WASM threads (the library\'s inference path in a worker, q8, one pair per run; pairs/s, median and best of interleaved runs)');
    lines.push('');
    const counts = results.threads[0]?.byThreads.map((t) => t.threads) ?? [];
    lines.push(`| passages | ${counts.map((n) => `${n} thread${n === 1 ? '' : 's'}`).join(' | ')} |`);
    lines.push(`| --- | ${counts.map(() => '---').join(' | ')} |`);
    for (const entry of results.threads) {
      lines.push(`| ${caseName(entry)} | ${entry.byThreads.map((t) => `${fmt(t.medianPairsPerSecond)} (best ${fmt(t.bestPairsPerSecond)})`).join(' | ')} |`);
    }
    lines.push('');
  }

  if (results.options.length > 0) {
    lines.push('## Runtime settings (the library\'s inference path, q8, one pair per run; pairs/s, median of interleaved runs)');
    lines.push('');
    lines.push(
      '"tiny": 100 one-word passages (pairs of about 13 tokens), where the fixed cost of a run dominates; "short": 100 passages of 20-60 words.',
    );
    lines.push('');
    const kinds = results.options.map((entry) => `${entry.count} ${entry.kind === 'tiny' ? 'tiny' : entry.kind === 'short' ? 'short' : 'mixed-length'}`);
    lines.push(`| setting | ${kinds.join(' | ')} |`);
    lines.push(`| --- | ${kinds.map(() => '---').join(' | ')} |`);
    for (const [index, variant] of (results.options[0]?.byVariant ?? []).entries()) {
      lines.push(`| ${variant.name} | ${results.options.map((entry) => fmt(entry.byVariant[index]?.medianPairsPerSecond)).join(' | ')} |`);
    }
    lines.push('');
  }

  if ((results.profile ?? []).length > 0) {
    lines.push('## Where a run\'s time goes (onnxruntime\'s profiler, q8, one pair run alone, 1 thread)');
    lines.push('');
    lines.push(
      'The library\'s path in the browser (WASM) against native onnxruntime-node on the same file and token ids; ' +
        'kernel time per operator type, microseconds per run (mean of the measured runs; the profiler slows both a little).',
    );
    lines.push('');
    for (const entry of results.profile ?? []) lines.push(...profileTable(entry), '');
  }

  const latencyRows = results.throughput.filter((entry) => entry.count === 100);
  if (latencyRows.length > 0) {
    lines.push('## Latency of one 100-passage rerank (median)');
    lines.push('');
    lines.push('| dtype | passages | library | naive | native batched | native 1 row |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const entry of latencyRows) {
      const s = entry.summary;
      lines.push(
        `| ${entry.dtype} | ${caseName(entry)} | ${ms(s.library?.medianMs)} | ${ms(s.naive?.medianMs)} | ${ms(s.native?.medianMs)} | ` +
          `${entry.dtype === 'q8' ? ms(s.nativeOneRow?.medianMs) : '–'} |`,
      );
    }
    lines.push('');
  }

  if (results.load.length > 0) {
    lines.push('## Loading, first result and memory (a fresh browser for each row)');
    lines.push('');
    lines.push(
      'Cold: empty caches, files from the local dev server. Warm: a new page in the same browser context, files from Cache Storage. ' +
        'Time to first result: from `createReranker` (naive: `from_pretrained`) to the first 100-passage mixed-length rerank. ' +
        'Memory: peak summed PSS of all Chromium processes during the row, minus the idle browser before the page opened.',
    );
    lines.push('');
    lines.push('| contender | dtype | cold load | first rerank (100 mixed) | time to first result | warm load | peak memory above idle |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const entry of results.load) {
      lines.push(
        `| ${entry.contender} | ${entry.dtype} | ${ms(entry.coldLoadMs)} | ${entry.failed === undefined ? ms(entry.firstRerankMs) : entry.failed} | ` +
          `${ms(entry.timeToFirstResultMs)} | ${ms(entry.warmLoadMs)} | ${fmt(entry.peakAboveIdleMb, 0)} MiB |`,
      );
    }
    lines.push('');
  }

  const lt = results.longTask;
  if (lt !== undefined) {
    lines.push(`## Main thread while the demo page reranks ${lt.passages.toLocaleString('en-US')} ${lt.kind === 'short' ? 'short' : 'mixed-length'} passages`);
    lines.push('');
    lines.push(
      `Demo page (\`index.html?modelBaseUrl=/fixtures/bench&model=${results.model.name}&device=wasm\`, q8, ${lt.sessions ?? 1} WASM session${lt.sessions === 1 ? '' : 's'} x ${lt.threads} thread${lt.threads === 1 ? '' : 's'}), ` +
        `model loaded first; rerank started with Ctrl+Enter in the query box, then a key typed into the box every 150 ms until all ` +
        `${lt.passages} results were on the page (${ms(lt.rerankMs)}).`,
    );
    lines.push('');
    lines.push(
      `- long tasks (\`PerformanceObserver\` \`longtask\`, > 50 ms) while reranking: **${lt.longTasksWhileReranking.length}**, ` +
        `longest **${fmt(lt.maxLongTaskWhileRerankingMs, 0)} ms**` +
        (lt.longTasksWhileReranking.length > 0 ? ` (${lt.longTasksWhileReranking.slice(0, 20).map((d) => Math.round(d)).join(', ')} ms)` : ''),
    );
    lines.push(
      `- then, while the demo put the ${lt.passages} results on the page (${ms(lt.renderMs)} from the first to the last): ` +
        `**${lt.longTasksWhileRendering.length}** long tasks` +
        (lt.longTasksWhileRendering.length > 0 ? ` (${lt.longTasksWhileRendering.slice(0, 20).map((d) => Math.round(d)).join(', ')} ms)` : ''),
    );
    lines.push(
      `- typing: ${lt.keystrokes} keystrokes; key event to next frame: median ${fmt(lt.medianKeyToFrameMs, 0)} ms, max ${fmt(lt.maxKeyToFrameMs, 0)} ms; ` +
        `every typed character reached the box: ${lt.typedTextArrived ? 'yes' : 'no'}`,
    );
    lines.push(`- load average (1/5/15 min): ${lt.loadAverageBefore.join(' ')} before the rerank, ${lt.loadAverageAfter.join(' ')} after`);
    if (lt.loadLongTasksMs.length > 0) lines.push(`- (while the model loaded, before the check: long tasks of ${lt.loadLongTasksMs.map((d) => Math.round(d)).join(', ')} ms)`);
    lines.push('');
  }

  lines.push(...embedSection(results.embedThroughput));
  lines.push(...searchSection(results.search));

  const gpu = results.webgpu;
  if (gpu !== undefined) {
    lines.push('## WebGPU on SwiftShader (a CPU implementation of WebGPU: a regression figure, not a GPU figure)');
    lines.push('');
    lines.push(`Adapter: ${gpu.adapter}. ${gpu.dtype === undefined ? '' : `Library, ${gpu.dtype}; `}load ${ms(gpu.loadMs)}.${gpu.failed === undefined ? '' : ` Failed: ${gpu.failed}`}`);
    lines.push('');
    if (gpu.runs.length > 0) {
      lines.push('| passages | call | time | pairs/s |');
      lines.push('| --- | --- | --- | --- |');
      for (const run of gpu.runs) {
        lines.push(`| ${caseName(run)} | ${run.first ? 'first (new shapes compile)' : 'again'} | ${ms(run.ms)} | ${fmt(run.pairsPerSecond, 2)} |`);
      }
      lines.push('');
    }
  }

  if (results.sweep.length > 0) {
    lines.push('## Batch token budget (library, fp32, WASM; median of 2 interleaved runs, pairs/s)');
    lines.push('');
    const budgets = results.sweep[0]?.byBudget.map((b) => b.budget) ?? [];
    lines.push(`| passages | ${budgets.map((b) => `budget ${b}`).join(' | ')} |`);
    lines.push(`| --- | ${budgets.map(() => '---').join(' | ')} |`);
    for (const entry of results.sweep) {
      lines.push(
        `| ${caseName(entry)} | ${entry.byBudget.map((b) => `${fmt(b.pairsPerSecond)} (${b.batches ?? '?'} batches)`).join(' | ')} |`,
      );
    }
    lines.push('');
  }

  lines.push('## Targets (WASM, q8: the default on WASM)');
  lines.push('');
  lines.push('| target | measured | met |');
  lines.push('| --- | --- | --- |');
  const target = (name: string, value: number | undefined, goal: number, unit = 'x', lowerIsBetter = false): void => {
    const met = value === undefined || !Number.isFinite(value) ? 'not measured' : (lowerIsBetter ? value <= goal : value >= goal) ? 'yes' : '**no**';
    lines.push(`| ${name} | ${value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(unit === 'x' ? 2 : 0)}${unit === 'x' ? 'x' : ` ${unit}`}`} | ${met} |`);
  };
  for (const text of ['generated', 'docs'] as const) {
    const label = text === 'docs' ? 'docs text' : 'generated text';
    target(`100 mixed-length passages, ${label}: library ≥ 3x naive pairs/s (median of rounds)`, findCase(results, 'q8', 100, 'mixed', text)?.ratios.vsNaive, 3);
    target(`100 short passages, ${label}: library ≥ 2x naive pairs/s (median of rounds)`, findCase(results, 'q8', 100, 'short', text)?.ratios.vsNaive, 2);
    target(`100 mixed-length, ${label}: library ≥ 0.45x best native onnxruntime-node (equal threads)`, findCase(results, 'q8', 100, 'mixed', text)?.ratios.vsNativeBest, 0.45);
    target(`100 short, ${label}: library ≥ 0.45x best native onnxruntime-node (equal threads)`, findCase(results, 'q8', 100, 'short', text)?.ratios.vsNativeBest, 0.45);
  }
  if (lt !== undefined) {
    target(`no main-thread task > 50 ms while the demo reranks ${lt.passages} passages (until the first results show)`, lt.maxLongTaskWhileRerankingMs, 50, 'ms', true);
    target(`… and while it puts all ${lt.passages} results on the page`, Math.max(lt.maxLongTaskWhileRerankingMs, lt.maxLongTaskWhileRenderingMs), 50, 'ms', true);
  }
  lines.push('');

  const checks = Object.entries(results.checks);
  if (checks.length > 0 || results.notes.length > 0) {
    lines.push('## Checks and notes');
    lines.push('');
    for (const [name, value] of checks) lines.push(`- ${name}: ${typeof value === 'number' ? value.toExponential(2) : value}`);
    for (const note of results.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}
