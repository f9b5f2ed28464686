#!/usr/bin/env python3
"""How far each quantized file of an export-tool model is from its fp32 file on native onnxruntime (CPU provider),
on the same padded batch: the reference for the browser bench's "max abs score diff to fp32 (WebGPU)" column. When
native onnxruntime's q4 is as far from fp32 as WebGPU's, the distance is the quantization of these random weights,
not onnxruntime-web's kernels (docs/benchmarks.md, GPU part).

Scores are compared as the graph returns them and, for two-column yes/no heads (qwen3-reranker), as P(column 0)
under a softmax over the two columns, the probability the library reports.

Usage: python3 scripts/bench-gpu/native_dtype_check.py --model-dir DIR/qwen3-reranker [--dtypes q4,q4f16,fp16]
         [--rows 16] [--length 256] [--seed 0]   (prints one JSON line per dtype)
"""

import argparse
import json
import os
import time

import numpy as np
import onnxruntime as ort

FILES = {"fp32": "model.onnx", "fp16": "model_fp16.onnx", "q4": "model_q4.onnx", "q4f16": "model_q4f16.onnx",
         "q8": "model_quantized.onnx"}


def batch(config, rows, length, seed):
    """Random in-vocabulary ids, right-padded to `length` with lengths spread over [length / 4, length]."""
    rng = np.random.default_rng(seed)
    vocab = int(config["vocab_size"])
    pad = config.get("pad_token_id")
    pad = 0 if pad is None else int(pad)
    ids = rng.integers(100, min(vocab, 150000), size=(rows, length), dtype=np.int64)
    mask = np.zeros((rows, length), dtype=np.int64)
    for row, real in enumerate(np.linspace(length // 4, length, rows).astype(int)):
        mask[row, :real] = 1
        ids[row, real:] = pad
    return {"input_ids": ids, "attention_mask": mask}


def run(path, feed):
    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    start = time.time()
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    out = session.run(None, {k: v for k, v in feed.items() if k in names})[0].astype(np.float64)
    return out, time.time() - start


def probability(scores):
    if scores.ndim != 2 or scores.shape[1] != 2:
        return None
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted[:, 0] / shifted.sum(axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--dtypes", default="fp16,q4,q4f16")
    parser.add_argument("--rows", type=int, default=16)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(os.path.join(args.model_dir, "config.json")) as f:
        config = json.load(f)
    feed = batch(config, args.rows, args.length, args.seed)
    reference, seconds = run(os.path.join(args.model_dir, "onnx", FILES["fp32"]), feed)
    p_reference = probability(reference)
    name = os.path.basename(os.path.normpath(args.model_dir))
    print(json.dumps({"model": name, "dtype": "fp32", "rows": args.rows, "length": args.length, "seconds": round(seconds, 1),
                      "score_spread": float(reference.max() - reference.min())}), flush=True)
    for dtype in args.dtypes.split(","):
        path = os.path.join(args.model_dir, "onnx", FILES[dtype])
        record = {"model": name, "dtype": dtype}
        if not os.path.exists(path):
            print(json.dumps({**record, "error": f"no {FILES[dtype]}"}), flush=True)
            continue
        try:
            scores, seconds = run(path, feed)
        except Exception as error:  # a kernel the CPU provider lacks for this dtype is a result too
            print(json.dumps({**record, "error": str(error)[:300]}), flush=True)
            continue
        record.update(seconds=round(seconds, 1), max_abs_raw=float(np.abs(scores - reference).max()))
        p = probability(scores)
        if p is not None and p_reference is not None:
            record["max_abs_probability"] = float(np.abs(p - p_reference).max())
            record["probability_range_fp32"] = [float(p_reference.min()), float(p_reference.max())]
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
