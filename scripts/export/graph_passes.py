"""Graph passes of the cross-encoder preset that need onnx and onnxruntime but not torch (so they also run on
an ONNX file alone, as scripts/fixtures/bench_fused_variants.py does): onnxruntime's transformer optimizer
fusion and the q8 file."""

import os
import shutil
import tempfile

import onnx


def fuse(source, target, config):
    """onnxruntime's transformer optimizer on the traced graph; returns the op counts of the result.
    `config`: anything with num_attention_heads and hidden_size (a transformers config)."""
    from onnxruntime.transformers.fusion_options import AttentionMaskFormat, FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False  # no WebGPU kernel for EmbedLayerNormalization
    options.enable_attention = False
    options.attention_mask_format = AttentionMaskFormat.AttentionMask
    options.enable_gelu_approximation = False  # FastGelu's tanh form is not the model's erf GELU
    options.enable_bias_skip_layer_norm = True
    options.enable_skip_layer_norm = True
    options.enable_bias_gelu = True
    optimized = optimize_model(
        source, model_type="bert", num_heads=int(config.num_attention_heads), hidden_size=int(config.hidden_size),
        optimization_options=options, opt_level=0, use_gpu=False,
    )
    optimized.save_model_to_file(target)
    onnx.checker.check_model(target)
    return op_counts(target)


def op_counts(path):
    counts = {}
    for node in onnx.load(path).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return dict(sorted(counts.items()))


def write_q8(fp32_path, out_path):
    """Dynamic int8 as the Hub's model_quantized.onnx: uint8 weights (native x86 onnxruntime and WASM agree on
    them), MatMul and Gather only (a fused Attention would become QAttention, which WASM may lack)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=os.path.dirname(out_path)) as scratch:
        raw = os.path.join(scratch, "quantized.onnx")
        quantize_dynamic(fp32_path, raw, weight_type=QuantType.QUInt8, per_channel=False, reduce_range=False,
                         op_types_to_quantize=["MatMul", "Gather"],
                         # shape inference gives no type past the fused com.microsoft ops
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        shutil.move(raw, out_path)
