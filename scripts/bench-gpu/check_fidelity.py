#!/usr/bin/env python3
"""Compares the benchmark's WebGPU scores with onnxruntime on the CPU, pair by pair.

bench-gpu writes fidelity-<tag>-<model>.json: the token ids of every fidelity pair (as the engine encoded
them) and, per variant, the scores the engine returned (pairs batched and padded by the engine, and for
graph capture padded further to the captured shape). Here each pair runs alone and unpadded through
onnx/model.onnx with onnxruntime's CPU provider; the largest absolute difference per variant must stay
within the fidelity tests' tolerance (1e-4).

Usage: python3 scripts/bench-gpu/check_fidelity.py --models-dir bench-models --raw bench/gpu/raw [--tag run]
"""

import argparse
import glob
import json
import os

import numpy as np
import onnxruntime as ort

TOLERANCE = 1e-4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models-dir", default="bench-models")
    parser.add_argument("--raw", default="bench/gpu/raw")
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    report = {}
    failed = False
    pattern = f"fidelity-{args.tag}-*.json" if args.tag else "fidelity-*-*.json"
    for path in sorted(glob.glob(os.path.join(args.raw, pattern))):
        if os.path.basename(path).startswith("fidelity-report"):
            continue
        data = json.load(open(path))
        tag, name = data["tag"], data["model"]
        onnx_path = os.path.join(args.models_dir, name, "onnx", "model.onnx")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 8
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        inputs = [i.name for i in session.get_inputs()]
        reference = []
        for pair in data["pairs"]:
            ids = np.array([pair["inputIds"]], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if "token_type_ids" in inputs:
                feeds["token_type_ids"] = np.array([pair["tokenTypeIds"]], dtype=np.int64)
            reference.append(float(session.run(None, feeds)[0][0, 0]))
        reference = np.array(reference)
        rows = {}
        for variant, scores in data["scores"].items():
            scores = np.array(scores, dtype=np.float64)
            diff = np.abs(scores - reference)
            worst = float(np.nanmax(diff)) if len(diff) else float("nan")
            ok = bool(np.all(diff <= TOLERANCE))
            failed = failed or not ok
            rows[variant] = {
                "pairs": len(scores),
                "maxAbsDiff": worst,
                "meanAbsDiff": float(np.nanmean(diff)),
                "worstPair": int(np.nanargmax(diff)) if len(diff) else -1,
                "worstPairTokens": len(data["pairs"][int(np.nanargmax(diff))]["inputIds"]) if len(diff) else 0,
                "withinTolerance": ok,
            }
            print(f"{tag} {name} {variant}: max |webgpu - onnxruntime cpu| = {worst:.2e} over {len(scores)} pairs "
                  f"({'ok' if ok else 'OVER ' + str(TOLERANCE)})", flush=True)
        report[f"{tag}/{name}"] = {
            "tolerance": TOLERANCE,
            "referenceRange": [float(reference.min()), float(reference.max())],
            "onnxruntime": ort.__version__,
            "variants": rows,
        }
    out = os.path.join(args.raw, f"fidelity-report{'-' + args.tag if args.tag else ''}.json")
    json.dump(report, open(out, "w"), indent=1)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
