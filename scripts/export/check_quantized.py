#!/usr/bin/env python3
"""Checks quantized cross-encoder files against their fp32 graph with native onnxruntime (CPU):

- batch independence: each pair scored alone, and inside padded batches of 7 and 64 pairs;
- distance to fp32 (max |score difference| over the pairs, and pairs whose order against the next-best
  pair flips);
- speed at equal threads: 64 pairs one per run, and length-sorted batches of 16.

    python3 scripts/export/check_quantized.py MODEL_FOLDER onnx/model.onnx onnx/model_quantized.onnx ... [--threads 2]

MODEL_FOLDER holds tokenizer.json (a BERT-style pair template); the first file is the fp32 reference.
Prints one JSON line per file and a table.
"""

import argparse
import json
import os
import random
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

WORDS = (
    "the of and to in is was for on that with as by at from file stream buffer read write line memory "
    "process event loop callback promise error option default value returns string number object array "
    "server request response header socket connection timeout signal worker thread module package path "
    "directory encoding utf8 bytes size limit chunk pipe transform readable writable close open sync async"
).split()


def passages(count, seed, low, high):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))) for _ in range(count)]


def encode(tok, query, texts, max_length=512):
    tok.enable_truncation(max_length, strategy="only_second")
    return [tok.encode(query, t) for t in texts]


def run(sess, rows):
    """Scores of `rows` (tokenizers Encodings) as one padded batch."""
    width = max(len(r.ids) for r in rows)
    ids = np.zeros((len(rows), width), np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, r in enumerate(rows):
        ids[i, : len(r.ids)] = r.ids
        mask[i, : len(r.ids)] = 1
        types[i, : len(r.ids)] = r.type_ids
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in {i.name for i in sess.get_inputs()}:
        feeds["token_type_ids"] = types
    return sess.run(None, feeds)[0][:, 0].astype(np.float64)


def model_max_length(folder):
    """The longest pair the model's position table allows (RoBERTa-style tables keep 2 rows for padding), at most 512."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    positions = config.get("max_position_embeddings", 512)
    if config.get("model_type") in ("roberta", "xlm-roberta", "camembert"):
        positions -= 2
    return min(512, positions)


def check(folder, files, threads):
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    query = "how do I read a file line by line without loading it into memory"
    rows = encode(tok, query, passages(64, 7, 20, 60) + passages(64, 8, 60, 300), model_max_length(folder))
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    reference = None
    report = []
    for rel in files:
        sess = ort.InferenceSession(os.path.join(folder, rel), options, providers=["CPUExecutionProvider"])
        alone = np.array([run(sess, [r])[0] for r in rows])
        in7 = np.concatenate([run(sess, rows[i : i + 7]) for i in range(0, len(rows), 7)])
        in64 = np.concatenate([run(sess, rows[i : i + 64]) for i in range(0, len(rows), 64)])
        if reference is None:
            reference = alone
        short = rows[:64]
        by_length = sorted(short, key=lambda r: len(r.ids))
        timings = {}
        for name, batches in (("oneRow", [[r] for r in short]), ("batches16", [by_length[i : i + 16] for i in range(0, 64, 16)])):
            for b in batches[:2]:
                run(sess, b)  # warm-up
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                for b in batches:
                    run(sess, b)
                best = min(best, time.perf_counter() - start)
            timings[name] = round(64 / best, 1)
        order = np.argsort(-reference)
        flips = int(np.sum(np.diff(alone[order]) > 1e-6))
        entry = {
            "file": rel,
            "bytes": os.path.getsize(os.path.join(folder, rel)),
            "batchDependence": float(max(np.max(np.abs(in7 - alone)), np.max(np.abs(in64 - alone)))),
            "maxAbsDiffVsFp32": float(np.max(np.abs(alone - reference))),
            "orderFlipsVsFp32": flips,
            "pairsPerSecond": timings,
            "threads": threads,
        }
        print(json.dumps(entry), flush=True)
        report.append(entry)
    print("\n| file | MB | batch dependence | max diff vs fp32 | order flips | pairs/s one row | pairs/s batches of 16 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for e in report:
        print(
            f"| {e['file']} | {e['bytes'] / 1e6:.1f} | {e['batchDependence']:.2e} | {e['maxAbsDiffVsFp32']:.2e} | "
            f"{e['orderFlipsVsFp32']} | {e['pairsPerSecond']['oneRow']} | {e['pairsPerSecond']['batches16']} |"
        )
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    check(args.folder, args.files, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
