#!/usr/bin/env python3
"""Makes a dynamically quantized (q8) ONNX graph batchable: per-row activation scales.

onnxruntime's `quantize_dynamic` (the Hub's usual `model_quantized.onnx`) quantizes each MatMul's activation
with DynamicQuantizeLinear: one scale and zero point for the whole tensor, so for the whole batch. A pair's
score then depends on the pairs it is batched with (the library runs such files one pair per batch). This
rewrite replaces every DynamicQuantizeLinear that feeds a MatMulInteger with a symmetric quantization whose
scale is taken per row of the product (over the reduced axis K only): the last axis of the left input, the
second-to-last of the right input. The zero point becomes the constant 128 and the scale the constant 1, so
MatMulInteger and the rescaling after it (`MatMulInteger -> Cast -> Mul(a_scale * b_scale)`) keep the scalar
inputs onnxruntime's kernels and fusions expect (its MatMulIntegerToFloat fusion reads a_scale as one number:
a per-row scale there gives wrong scores); the per-row scale multiplies the rescaled product in one Mul
inserted after it. The int8 weights and every other node are untouched. Scores no longer depend on the batch.

    python3 scripts/export/per_row_q8.py IN_quantized.onnx OUT.onnx

Needs onnx. Prints how many quantizers it replaced and refuses graphs where a DynamicQuantizeLinear output
feeds anything but MatMulInteger and the scale product.
"""

import argparse
import collections
import sys

import onnx
from onnx import TensorProto, helper, numpy_helper
import numpy as np

# Smallest |activation| maximum a row may have: an all-zero row (padding) must not divide by zero.
EPSILON = 1e-12


def _opset(model):
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)


def _reduce_max(name, source, axis, opset, nodes, initializers):
    """ReduceMax over one axis, keepdims: the axis is an input from opset 18, an attribute before."""
    if opset >= 18:
        axes = f"{name}/axes"
        initializers.append(numpy_helper.from_array(np.array([axis], np.int64), axes))
        nodes.append(helper.make_node("ReduceMax", [source, axes], [f"{name}/amax"], name=f"{name}/ReduceMax", keepdims=1))
    else:
        nodes.append(helper.make_node("ReduceMax", [source], [f"{name}/amax"], name=f"{name}/ReduceMax", axes=[axis], keepdims=1))
    return f"{name}/amax"


def per_row_quantizer(dql, axis, opset, shared):
    """Nodes and initializers that replace `dql`: the same three outputs (uint8 values, scale 1, zero point
    128), and the per-row scale as `<name>/row_scale` (for the Mul inserted after each product)."""
    x = dql.input[0]
    q, scale, zero_point = dql.output
    name = dql.name or q
    nodes, initializers = [], []
    nodes.append(helper.make_node("Abs", [x], [f"{name}/abs"], name=f"{name}/Abs"))
    amax = _reduce_max(name, f"{name}/abs", axis, opset, nodes, initializers)
    nodes.append(helper.make_node("Max", [amax, shared["epsilon"]], [f"{name}/amax_safe"], name=f"{name}/Max"))
    # scale = amax / 127 (what the products are rescaled by); x / scale = x * (127 / amax) is what rounds.
    nodes.append(helper.make_node("Div", [f"{name}/amax_safe", shared["levels"]], [f"{name}/row_scale"], name=f"{name}/Scale"))
    nodes.append(helper.make_node("Identity", [shared["one"]], [scale], name=f"{name}/UnitScale"))
    nodes.append(helper.make_node("Div", [shared["levels"], f"{name}/amax_safe"], [f"{name}/inverse"], name=f"{name}/Inverse"))
    nodes.append(helper.make_node("Mul", [x, f"{name}/inverse"], [f"{name}/scaled"], name=f"{name}/Mul"))
    nodes.append(helper.make_node("Round", [f"{name}/scaled"], [f"{name}/rounded"], name=f"{name}/Round"))
    nodes.append(helper.make_node("Add", [f"{name}/rounded", shared["offset"]], [f"{name}/shifted"], name=f"{name}/Shift"))
    nodes.append(helper.make_node("Clip", [f"{name}/shifted", shared["low"], shared["high"]], [f"{name}/clipped"], name=f"{name}/Clip"))
    nodes.append(helper.make_node("Cast", [f"{name}/clipped"], [q], name=f"{name}/Cast", to=TensorProto.UINT8))
    nodes.append(helper.make_node("Identity", [shared["zero_point"]], [zero_point], name=f"{name}/ZeroPoint"))
    return nodes, initializers


def rewrite(model):
    graph = model.graph
    opset = _opset(model)
    # One list of the node objects, used throughout: they are keyed by identity below.
    all_nodes = list(graph.node)
    consumers = collections.defaultdict(list)
    for node in all_nodes:
        for index, name in enumerate(node.input):
            consumers[name].append((node, index))

    shared = {
        "epsilon": "per_row_q8/epsilon",
        "levels": "per_row_q8/levels",
        "offset": "per_row_q8/offset",
        "low": "per_row_q8/low",
        "high": "per_row_q8/high",
        "zero_point": "per_row_q8/zero_point",
        "one": "per_row_q8/one",
    }
    constants = [
        numpy_helper.from_array(np.array(EPSILON, np.float32), shared["epsilon"]),
        numpy_helper.from_array(np.array(127.0, np.float32), shared["levels"]),
        numpy_helper.from_array(np.array(128.0, np.float32), shared["offset"]),
        numpy_helper.from_array(np.array(1.0, np.float32), shared["low"]),
        numpy_helper.from_array(np.array(255.0, np.float32), shared["high"]),
        numpy_helper.from_array(np.array(128, np.uint8), shared["zero_point"]),
        numpy_helper.from_array(np.array(1.0, np.float32), shared["one"]),
    ]

    def only_consumer(output, op_type, what):
        users = consumers[output]
        if len(users) != 1 or users[0][0].op_type != op_type:
            raise SystemExit(f"{what}: expected one {op_type} after it, found {[u.op_type for u, _ in users]}")
        return users[0][0]

    # Per DynamicQuantizeLinear: its replacement, and the Mul after each product it feeds that applies the
    # per-row scale (inserted right after the product's rescaling Mul).
    replacements, after = {}, {}
    for node in all_nodes:
        if node.op_type != "DynamicQuantizeLinear":
            continue
        q, scale, zero_point = node.output
        uses = consumers[q]
        if not uses or any(user.op_type != "MatMulInteger" for user, _ in uses) or len({i for _, i in uses}) != 1:
            raise SystemExit(f"{node.name}: its values feed {[(u.op_type, i) for u, i in uses]}; only MatMulInteger inputs are rewritten")
        side = uses[0][1]
        for user, _ in consumers[scale]:
            if user.op_type != "Mul":
                raise SystemExit(f"{node.name}: its scale feeds {user.op_type}; expected the scale product (Mul)")
        for user, index in consumers[zero_point]:
            if user.op_type != "MatMulInteger" or index not in (2, 3):
                raise SystemExit(f"{node.name}: its zero point feeds {user.op_type} input {index}")
        # Left input [.., M, K]: one scale per row (reduce the last axis). Right input [.., K, N]: one per
        # column (reduce axis -2). Either way only K, the axis the product sums over, is reduced.
        replacements[id(node)] = per_row_quantizer(node, -1 if side == 0 else -2, opset, shared)
        row_scale = f"{node.name or q}/row_scale"
        for product, _ in uses:
            cast = only_consumer(product.output[0], "Cast", product.name)
            rescale = only_consumer(cast.output[0], "Mul", cast.name)
            after.setdefault(id(rescale), []).append(row_scale)

    new_nodes, new_initializers = [], []
    for node in all_nodes:
        if id(node) in replacements:
            nodes, inits = replacements[id(node)]
            new_nodes.extend(nodes)
            new_initializers.extend(inits)
            continue
        new_nodes.append(node)
        scales = after.get(id(node), [])
        if scales:
            # out = rescaled product * row scale(s): both sides' when both inputs were activations.
            output = node.output[0]
            current = node.output[0] = f"{output}/before_row_scale"
            for index, row_scale in enumerate(scales):
                target = output if index == len(scales) - 1 else f"{output}/row_scaled{index}"
                new_nodes.append(helper.make_node("Mul", [current, row_scale], [target], name=f"{output}/RowScale{index}"))
                current = target
    del graph.node[:]
    graph.node.extend(new_nodes)
    graph.initializer.extend(constants + new_initializers)
    return len(replacements)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    args = parser.parse_args()
    model = onnx.load(args.src)
    replaced = rewrite(model)
    if replaced == 0:
        raise SystemExit(f"{args.src}: no DynamicQuantizeLinear found (not a dynamically quantized graph)")
    onnx.checker.check_model(model)
    onnx.save_model(model, args.dst)
    ops = collections.Counter(n.op_type for n in model.graph.node)
    print(f"{args.dst}: {replaced} DynamicQuantizeLinear replaced by per-row quantizers; ops {dict(ops)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
