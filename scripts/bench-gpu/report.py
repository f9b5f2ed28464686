#!/usr/bin/env python3
"""Renders bench/gpu/results.md from the JSON that bench-gpu and check_fidelity.py write.

Usage: python3 scripts/bench-gpu/report.py --raw bench/gpu/raw --out bench/gpu/results.md
"""

import argparse
import glob
import json
import os


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def side_by_side(raw):
    """Chromium (bench-browser-M.json) beside Node + Dawn (bench-node-M.json) of the same run, per model."""
    lines = []
    for path in sorted(glob.glob(os.path.join(raw, "bench-browser-*.json"))):
        model_tag = os.path.basename(path)[len("bench-browser-"):-len(".json")]
        node_path = os.path.join(raw, f"bench-node-{model_tag}.json")
        if not os.path.exists(node_path):
            continue
        runs = {"Chromium": json.load(open(path)), "Node + Dawn": json.load(open(node_path))}
        columns = [(path_name, model, name, v) for path_name, data in runs.items()
                   for model, m in data["models"].items() for name, v in m.get("variants", {}).items()]
        if not columns:
            continue
        lines += [f"## {model_tag}: Chromium beside Node + Dawn (same models, same run)", "",
                  "| measure | " + " | ".join(f"{p} `{n}`" for p, _, n, _ in columns) + " |",
                  "| --- |" + " --- |" * len(columns)]
        first = [v.get("timeToFirstResult") or {} for *_, v in columns]
        lines.append("| fresh load to reranker ready, ms | " + " | ".join(fmt(t.get("sessionReadyMs"), 0) for t in first) + " |")
        lines.append("| ... and its first 100 mixed reranked, ms | " + " | ".join(fmt(t.get("firstRerank100Ms"), 0) for t in first) + " |")
        lines.append("| graph capture | " + " | ".join(("on" if (t.get("graphCapture") or {}).get("enabled") else "off") if t else "-" for t in first) + " |")
        shapes = sorted({(r["length"], r["rows"]) for *_, v in columns for r in v.get("grid", [])})
        for length, rows in shapes:
            cells = []
            for *_, v in columns:
                r = next((r for r in v.get("grid", []) if r["length"] == length and r["rows"] == rows), None)
                cells.append(fmt(r["inferencePairsPerSecond"], 0) if r else "-")
            lines.append(f"| pairs/s, {rows} x {length} tokens | " + " | ".join(cells) + " |")
        for kind in ("short", "mixed"):
            for label, key in (("repeated", "medianMs"), ("unseen", "coldMsMedian"), ("first call after load", "firstCallMs")):
                cells = []
                for *_, v in columns:
                    r = next((r for r in v.get("rerank100", []) if r.get("set") == kind and r["budget"] == 4096), None)
                    cells.append(fmt(r.get(key)) if r else "-")
                if any(c != "-" for c in cells):
                    lines.append(f"| 100 {kind}, {label}, ms | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def search_scenario(raw):
    """The search scenario (search-drive.ts: bench-browser-search*.json): indexing, then per-question times."""
    lines = []
    for path in sorted(glob.glob(os.path.join(raw, "bench-browser-search*.json"))):
        data = json.load(open(path))
        o, i, s = data.get("options", {}), data.get("index", {}), data.get("summary", {})
        lines += [f"## Search end to end, run `{data['tag']}` ({data['date'][:16].replace('T', ' ')} UTC)", "",
                  f"- Adapter: {data.get('adapter', '-')}; headless Chromium {data['host'].get('browser', '')}; "
                  f"flags: {' '.join(data.get('chromiumFlags', [])) or 'none'}",
                  f"- {fmt(i.get('passages'))} man-page passages, stop words {'on' if o.get('stopWords') else 'off'}; "
                  f"embedder `{(o.get('embedder') or {}).get('model')}` on {(i.get('embedder') or {}).get('device')} "
                  f"{(i.get('embedder') or {}).get('dtype')}, reranker `{(o.get('reranker') or {}).get('model')}` on "
                  f"{(i.get('reranker') or {}).get('device')} {(i.get('reranker') or {}).get('dtype')}",
                  f"- Indexing (createSearch, every passage embedded): {fmt(i.get('createSearchMs'), 0)} ms, "
                  f"{fmt(i.get('passagesPerSecond'), 0)} passages/s",
                  f"- {len(data.get('queries', []))} questions after {o.get('warmup')} unmeasured, topK {o.get('topK')}, "
                  f"candidates {o.get('candidates')}:", "",
                  "| ms | search() call | total | query embedding | lexical | dense | fusion | rerank |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        keys = ("searchCallMs", "totalMs", "embedQueryMs", "lexicalMs", "denseMs", "fusionMs", "rerankMs")
        for label in ("median", "p95"):
            lines.append(f"| {label} | " + " | ".join(fmt((s.get(k) or {}).get(label)) for k in keys) + " |")
        if data.get("error"):
            lines.append(f"- failed: `{data['error'].split(chr(10))[0][:300]}`")
        lines.append("")
    return lines


def dtype_summary(m):
    """Per variant of a browser run: device, dtype, load, first result, score difference to the reference dtype
    on the same pairs, and the GPU's used memory (nvidia-smi, the whole card) after the load."""
    variants = m.get("variants", {})
    ref = m.get("reference")
    if not any((v.get("fidelity") or {}).get("pairs") for v in variants.values()) and not ref:
        return []
    lines = []
    if ref:
        if ref.get("error"):
            lines += [f"Reference {ref.get('dtype')}: failed: `{ref['error'][:300]}`", ""]
        else:
            lines += [f"Reference: {ref['dtype']} on {ref['device']} (graph capture off), {ref['pairs']} pairs of the mixed set; "
                      f"load {fmt(ref['loadMs'], 0)} ms; GPU memory used after its load {fmt(ref.get('gpuMemoryMiB'), 0)} MiB.", ""]
    lines += ["| variant | device | dtype | createReranker ms | + first 100 mixed, ms | max abs score diff to reference | GPU MiB used after load |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, v in variants.items():
        t = v.get("timeToFirstResult") or {}
        f = v.get("fidelity") or {}
        diff = f.get("maxAbsDiff")
        lines.append(f"| {name} | {t.get('device', '-')} | {t.get('dtype', '-')} | {fmt(t.get('createRerankerMs'), 0)} | {fmt(t.get('firstRerank100Ms'), 0)} | "
                     f"{'-' if diff is None else f'{diff:.2e}'} | {fmt(t.get('gpuMemoryMiB'), 0)} |")
    lines.append("")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", default="bench/gpu/raw")
    parser.add_argument("--out", default="bench/gpu/results.md")
    args = parser.parse_args()
    lines = ["# GPU benchmark results", "", f"Written by `scripts/bench-gpu/report.py` from the JSON in `{args.raw}/`.", ""]
    lines += side_by_side(args.raw)
    lines += search_scenario(args.raw)
    fidelity = {}
    for path in glob.glob(os.path.join(args.raw, "fidelity-report*.json")):
        fidelity.update(json.load(open(path)))
    for path in sorted(glob.glob(os.path.join(args.raw, "bench-*.json"))):
        data = json.load(open(path))
        if data.get("scenario") == "search":
            continue
        adapter = data["adapter"]
        lines += [f"## Run `{data['tag']}` ({data['date'][:16].replace('T', ' ')} UTC)", ""]
        lines += [
            f"- Adapter: {adapter['vendor']} / {adapter['architecture']} / {adapter['description'] or adapter['device']};"
            f" features: {', '.join(adapter['features'])}",
            f"- Host: {data['host']['cpus']} CPUs ({data['host']['cpuModel']}), Node {data['host']['node']}; " + (
                f"path: headless Chromium {data['host'].get('browser', '')} (dist/standalone: createReranker, the library's Web Worker, "
                f"WebGPU in the page; figures from rerank and lastTimings); flags: {' '.join(data.get('chromiumFlags', [])) or 'none'}"
                if data.get("path") == "browser" else
                f"path: Node + Dawn (the library's engine and runtime in Node); Dawn flags: {' '.join(data['dawnFlags']) or 'none'}"),
            "",
        ]
        for model, m in data["models"].items():
            c = m.get("config", {})
            lines += [f"### {model}: {c.get('model_type')} {c.get('num_hidden_layers')} layers, hidden {c.get('hidden_size')}, "
                      f"{c.get('num_attention_heads')} heads, intermediate {c.get('intermediate_size')}, vocab {c.get('vocab_size')}", ""]
            variants = m.get("variants", {})
            for name, v in variants.items():
                t = v.get("timeToFirstResult")
                if t:
                    capture = t.get("graphCapture", {})
                    lines += [f"`{name}`, fresh load: session ready {fmt(t['sessionReadyMs'], 0)} ms, warmed up {fmt(t['warmedUpMs'], 0)} ms, "
                              f"first 100-passage rerank done {fmt(t['firstRerank100Ms'], 0)} ms; graph capture "
                              f"{'on' if capture.get('enabled') else 'off'} ({capture.get('reason', '')}).", ""]
            lines += dtype_summary(m)
            # Throughput grid: one table, rows = shape, columns = variants.
            shapes = []
            for v in variants.values():
                for row in v.get("grid", []):
                    key = (row["length"], row["rows"])
                    if key not in shapes:
                        shapes.append(key)
            shapes.sort()
            if shapes:
                names = list(variants)
                lines += ["Pairs per second (engine inference time; all pairs exactly `tokens` long; batch token budget rows x tokens), by rows per batch:", "",
                          "| tokens | rows | " + " | ".join(names) + " |", "| --- | --- |" + " --- |" * len(names)]
                for length, rows in shapes:
                    cells = []
                    for name in names:
                        row = next((r for r in variants[name].get("grid", []) if r["length"] == length and r["rows"] == rows), None)
                        cells.append(f"{fmt(row['inferencePairsPerSecond'])} ({fmt(row['msPerBatchMedian'], 2)} ms)" if row else "-")
                    lines.append(f"| {length} | {rows} | " + " | ".join(cells) + " |")
                lines += ["", "(in brackets: median ms per batch)", ""]
            rr = [(name, r) for name, v in variants.items() for r in v.get("rerank100", [])]
            if rr:
                cached = any(r.get("coldMsMedian") is not None for _, r in rr)
                lines += ["100-passage rerank (`npm run bench` passage sets; tokenization included). " + (
                          "Cold: 100 passages never seen before (another seed) on a new engine, so every passage is tokenized (their words "
                          "mostly known to the word memo of WordPiece tokenizers, where the run has it); repeated: the same passages again "
                          "(their token ids cached by the engine):" if cached else
                          "This run's engine kept no token cache: every call tokenized its passages (the repeated columns):"), "",
                          "| variant | set | maxLength | budget | batches | cold median ms | cold tokenize ms | repeated median ms | repeated min ms | repeated tokenize ms | first call ms | first call tokenize ms |",
                          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
                for name, r in rr:
                    lines.append(f"| {name} | {r.get('set', '-')} | {r['maxLength']} | {r['budget']} | {r['batches']} | {fmt(r.get('coldMsMedian'))} | "
                                 f"{fmt(r.get('coldTokenizeMsMedian'))} | {fmt(r['medianMs'])} | {fmt(r['minMs'])} | {fmt(r['tokenizeMsMedian'])} | {fmt(r['firstCallMs'], 0)} | {fmt(r.get('firstCallTokenizeMs'))} |")
                lines.append("")
            profiles = [(name, p) for name, v in variants.items() for p in v.get("profiles", [])]
            if profiles:
                lines += ["Profiles (3 batches each; GPU time from timestamp queries, one compute pass per dispatch):", "",
                          "| variant | shape | wall ms/batch | dispatches/batch | GPU busy ms/batch | mapAsync wait ms/batch | top kernels (ms/batch) |",
                          "| --- | --- | --- | --- | --- | --- | --- |"]
                for name, p in profiles:
                    counted, timed = p.get("counted") or {}, p.get("timed") or {}
                    runs = max(1, counted.get("runs", 1))
                    truns = max(1, timed.get("runs", 1))
                    top = ", ".join(f"{k['name']} {k['totalMs'] / truns:.2f}" for k in timed.get("kernels", [])[:6])
                    lines.append(f"| {name} | {p['rows']}x{p['length']} | {counted.get('wallMs', 0) / runs:.2f} | {counted.get('dispatches', 0) / runs:.0f} | "
                                 f"{timed.get('gpuBusyMs', 0) / truns:.2f} | {counted.get('mapWaitMs', 0) / runs:.2f} | {top} |")
                lines.append("")
            errors = [(name, v["error"].split("\n")[0]) for name, v in variants.items() if v.get("error")]
            for name, error in errors:
                lines.append(f"- {name} failed: `{error[:300]}`")
            if errors:
                lines.append("")
            f = fidelity.get(f"{data['tag']}/{model}")
            if f:
                lines += ["Fidelity (each pair alone through onnxruntime on the CPU vs the engine's WebGPU scores):", "",
                          "| variant | pairs | max abs diff | within 1e-4 |", "| --- | --- | --- | --- |"]
                for name, r in f["variants"].items():
                    lines.append(f"| {name} | {r['pairs']} | {r['maxAbsDiff']:.2e} | {'yes' if r['withinTolerance'] else 'NO'} |")
                lines.append("")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    open(args.out, "w").write("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
