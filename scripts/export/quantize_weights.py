#!/usr/bin/env python3
"""Weight-only quantization of an fp32 ONNX graph: batchable 8-bit (or 4-bit) files.

onnxruntime's `quantize_dynamic` (the Hub's usual `model_quantized.onnx`) inserts DynamicQuantizeLinear,
which picks one activation scale for the whole batch: a pair's score then depends on the pairs batched
with it, so the library runs such files one pair per batch. Weight-only quantization (MatMulNBits, and
GatherBlockQuantized for the embedding table where this onnxruntime has it) stores the weights in blocks of
`block_size` values with their own scale; with `accuracy_level` 4 the CPU kernel quantizes the activations
per row and block, never across rows, so scores are the same whatever the batch. That holds for native
onnxruntime; onnxruntime-web's WASM build runs these files as float products (accuracy_level ignored), 2-3x
slower than the Hub's q8 there (docs/benchmarks.md), so they are not the library's WASM files.

    python3 scripts/export/quantize_weights.py IN.onnx OUT.onnx [--bits 8] [--block-size 32] [--accuracy-level 4]

Needs onnx and onnxruntime (>= 1.20 for 8-bit MatMulNBits). Prints what it quantized.
"""

import argparse
import collections
import inspect
import os
import sys

import onnx


def quantize_weight_only(src, dst, bits=8, block_size=32, accuracy_level=4, embeddings=True):
    """Writes `dst`; returns {"ops": Counter of op types, "embeddings": whether the Gather table was quantized}."""
    from onnxruntime.quantization import matmul_nbits_quantizer as mnq

    model = onnx.load(src)
    ops = ("MatMul", "Gather") if embeddings else ("MatMul",)
    config_args = inspect.signature(mnq.DefaultWeightOnlyQuantConfig.__init__).parameters
    if "bits" not in config_args and bits != 4:
        raise SystemExit(f"this onnxruntime's DefaultWeightOnlyQuantConfig has no 'bits' (only 4-bit): {list(config_args)}")
    kwargs = {"block_size": block_size, "is_symmetric": True, "accuracy_level": accuracy_level}
    if "bits" in config_args:
        kwargs["bits"] = bits
    if "op_types_to_quantize" in config_args:
        kwargs["op_types_to_quantize"] = ops
        # Gather's table is [vocab, hidden]: blocks run along the hidden axis (1), MatMul's along K (0).
        kwargs["quant_axes"] = (("MatMul", 0), ("Gather", 1))
    config = mnq.DefaultWeightOnlyQuantConfig(**kwargs)
    quantizer = mnq.MatMulNBitsQuantizer(model, algo_config=config)
    quantizer.process()
    out = quantizer.model.model
    onnx.save_model(out, dst)
    counts = collections.Counter(node.op_type for node in out.graph.node)
    return {"ops": counts, "embeddings": counts.get("GatherBlockQuantized", 0) > 0, "config": {k: str(v) for k, v in kwargs.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--bits", type=int, default=8, choices=(4, 8))
    parser.add_argument("--block-size", type=int, default=32)
    parser.add_argument("--accuracy-level", type=int, default=4, help="4: int8 compute, activations quantized per row and block")
    parser.add_argument("--no-embeddings", action="store_true", help="leave the embedding table (Gather) in fp32")
    args = parser.parse_args()
    result = quantize_weight_only(args.src, args.dst, args.bits, args.block_size, args.accuracy_level, not args.no_embeddings)
    print(f"{args.dst}: {os.path.getsize(args.dst)} bytes; {dict(result['ops'])}; config {result['config']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
