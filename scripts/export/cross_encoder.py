"""The `cross-encoder` preset of export_reranker.py: any `*ForSequenceClassification` checkpoint (BERT, XLM-R /
RoBERTa, ModernBERT) written as the GPU-friendly flavour, in the Hub layout transformers.js loads.

    python3 scripts/export/export_reranker.py --preset cross-encoder --checkpoint <folder or Hub id> --out <folder>

What makes it GPU-friendly (docs/export.md, "The cross-encoder preset"; docs/benchmarks.md, export flavours):
- eager attention (plain MatMul / Softmax; transformers' SDPA export leaves IsNaN mask guards on the CPU);
- no int64 index arithmetic left for onnxruntime-web's WebGPU EP to put on the CPU: XLM-R's position ids
  (cumulative sum of the non-pad mask) are computed in int32; BERT's come from a constant table; ModernBERT's
  rotary cos/sin are read from a table computed at export (as export_reranker.RotaryTable does);
- with --fuse (default for BERT and XLM-R/RoBERTa, where it is exact): onnxruntime's transformer optimizer fuses
  SkipLayerNormalization, BiasGelu (erf GELU, not the tanh approximation) and LayerNormalization, kernels that
  onnxruntime-web has on WebGPU and on the CPU (WASM). Attention stays MatMul/Softmax: the optimizer's
  attention pattern does not match transformers 5's eager graph (its mask is built with And/Where), and the
  WebGPU EP's `Attention` kernel does not take the 2-D padding mask (`mask_index`) it would produce.
Files (transformers.js's names): onnx/model.onnx (fp32), model_fp16.onnx, model_q4f16.onnx, model_q4.onnx,
model_quantized.onnx (q8: dynamic uint8, MatMul and Gather). The checkpoint's config.json is copied with a record
of the export under "webgpu_reranker_export"; its tokenizer files are copied byte for byte.
Every file is checked on native onnxruntime against PyTorch on a padded batch before the export is kept.
"""

import json
import os
import shutil
import tempfile

import numpy as np
import onnx
import torch

import checkpoint_files
from graph_passes import fuse, op_counts, write_q8

PRESET = "cross-encoder"
OPSET = 17
DTYPES = ("fp32", "fp16", "q4f16", "q4", "q8")
DEFAULT_DTYPES = ("fp32", "fp16", "q4f16", "q8")
FUSABLE = ("bert", "xlm-roberta", "roberta")
# fp32 (fused or not) against PyTorch on the check batch; above it the export is refused.
FP32_TOLERANCE = 1e-4


class BertGraph(torch.nn.Module):
    """input_ids, attention_mask, token_type_ids -> logits (position ids: BERT's constant table)."""

    names = ("input_ids", "attention_mask", "token_type_ids")

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


class RobertaGraph(torch.nn.Module):
    """input_ids, attention_mask -> logits. Position ids as XLM-R computes them (cumulative count of non-pad
    tokens, offset by the pad id) but in int32: the int64 version (Equal, CumSum, Add on int64) is what the
    WebGPU EP keeps on the CPU, which refuses graph capture. Token type ids: zeros, as the model's default."""

    names = ("input_ids", "attention_mask")

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.pad = int(model.config.pad_token_id)

    def forward(self, input_ids, attention_mask):
        ids = input_ids.to(torch.int32)
        not_pad = (ids != self.pad).to(torch.int32)
        position_ids = torch.cumsum(not_pad, dim=1, dtype=torch.int32) * not_pad + self.pad
        return self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                          token_type_ids=ids * 0).logits


class RotaryLookup(torch.nn.Module):
    """A rotary module's cos/sin for every position, computed once at export and gathered at run time."""

    def __init__(self, rotary, positions):
        super().__init__()
        self.rotary = rotary
        self.positions = positions
        self.tables = {}

    def forward(self, x, position_ids, *args, **kwargs):
        key = tuple(str(a) for a in args) + tuple(f"{k}={v}" for k, v in sorted(kwargs.items()))
        if key not in self.tables:
            ids = torch.arange(self.positions).unsqueeze(0)
            with torch.no_grad():
                cos, sin = self.rotary(torch.zeros(1, self.positions, 1, dtype=torch.float32), ids, *args, **kwargs)
            self.tables[key] = (cos[0].detach().float().clone(), sin[0].detach().float().clone())
        cos, sin = self.tables[key]
        return cos[position_ids].to(x.dtype), sin[position_ids].to(x.dtype)


# How ModernBertGraph builds its attention masks (written to the export record).
MODERNBERT_MASKS = "float-expanded"


class ModernBertGraph(torch.nn.Module):
    """input_ids, attention_mask -> logits, with every rotary module replaced by a table lookup."""

    names = ("input_ids", "attention_mask")

    def __init__(self, model):
        super().__init__()
        self.model = model
        positions = int(model.config.max_position_embeddings)
        for module in list(model.modules()):
            for name, child in list(module.named_children()):
                if type(child).__name__.endswith("RotaryEmbedding"):
                    setattr(module, name, RotaryLookup(child, positions))

    def forward(self, input_ids, attention_mask):
        # The masks are built here, as float biases already expanded to [rows, 1, length, length], and handed to
        # the body as the per-layer-type mapping it accepts. transformers builds the sliding-window mask as a
        # boolean And of a [1, 1, L, L] window and a [B, 1, 1, L] padding mask; onnxruntime-web's WebGPU provider
        # gets that broadcast And wrong once B > 1 (docs/export.md, ModernBERT on WebGPU). Same values, no
        # broadcast boolean op. The head is run here too: the classifier's own forward would pool with the mask.
        head = self.model
        rows, length = input_ids.shape[0], input_ids.shape[1]
        shape = (rows, 1, length, length)
        keep = attention_mask[:, None, None, :].bool().expand(shape)
        positions = torch.arange(length, device=input_ids.device)
        inside = ((positions[None, :] - positions[:, None]).abs() <= int(head.config.local_attention) // 2)[None, None].expand(shape)
        zero = torch.zeros((), dtype=torch.float32, device=input_ids.device)
        low = torch.full((), torch.finfo(torch.float32).min, dtype=torch.float32, device=input_ids.device)
        # Both operands of the And are [rows, 1, L, L] already: no broadcast boolean op.
        masks = {"full_attention": torch.where(keep, zero, low), "sliding_attention": torch.where(keep & inside, zero, low)}
        hidden = head.model(input_ids=input_ids, attention_mask=masks).last_hidden_state
        if head.config.classifier_pooling == "cls":
            pooled = hidden[:, 0]
        else:
            keep = attention_mask.to(hidden.dtype)
            pooled = (hidden * keep.unsqueeze(-1)).sum(dim=1) / keep.sum(dim=1, keepdim=True)
        return head.classifier(head.drop(head.head(pooled)))


GRAPHS = {"bert": BertGraph, "xlm-roberta": RobertaGraph, "roberta": RobertaGraph, "modernbert": ModernBertGraph}


def graph_for(model):
    kind = model.config.model_type
    if kind not in GRAPHS:
        raise checkpoint_files.ExportError(
            f"the cross-encoder preset knows BERT, XLM-R/RoBERTa and ModernBERT checkpoints; this one is "
            f"'{kind}'. Export it with torch.onnx.export (eager attention) and check its placement with "
            "scripts/bench-gpu/placement-probe.mjs."
        )
    return GRAPHS[kind](model).eval()


def load_model(checkpoint):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        checkpoint, attn_implementation="eager", dtype=torch.float32
    )
    return model.eval()


def check_batch(config, names, rows=3, length=24):
    """Right-padded rows of random ids (two padded), with BERT's type ids 0 then 1."""
    gen = torch.Generator().manual_seed(11)
    low = 5 if config.vocab_size > 10 else 0
    ids = torch.randint(low, config.vocab_size - 1, (rows, length), generator=gen, dtype=torch.long)
    mask = torch.ones(rows, length, dtype=torch.long)
    for row, keep in enumerate([length, length - 7, length // 2][:rows]):
        mask[row, keep:] = 0
        pad = getattr(config, "pad_token_id", None)
        ids[row, keep:] = 0 if pad is None else int(pad)
    feed = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in names:
        types = torch.zeros(rows, length, dtype=torch.long)
        types[:, length // 3:] = 1
        feed["token_type_ids"] = types * mask
    return feed


def trace(graph, path, vocab_size):
    gen = torch.Generator().manual_seed(7)
    ids = torch.randint(5, vocab_size - 1, (2, 40), generator=gen, dtype=torch.long)
    mask = torch.ones(2, 40, dtype=torch.long)
    mask[0, 30:] = 0  # one padded row: nothing about the mask is traced as a constant
    args = [ids, mask]
    if "token_type_ids" in graph.names:
        types = torch.zeros(2, 40, dtype=torch.long)
        types[:, 12:] = 1
        args.append(types)
    axes = {0: "batch_size", 1: "sequence_length"}
    with torch.no_grad():
        torch.onnx.export(
            graph, tuple(args), path, input_names=list(graph.names), output_names=["logits"],
            dynamic_axes={**{n: axes for n in graph.names}, "logits": {0: "batch_size"}},
            opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )
    onnx.checker.check_model(path)


def run_native(path, feed):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    return session.run(["logits"], {k: v.numpy() for k, v in feed.items() if k in wanted})[0]


def write_dtype(fp32_path, dtype):
    """The file of `dtype` beside the fp32 graph; returns its path."""
    import export_reranker

    folder = os.path.dirname(fp32_path)
    if dtype == "q8":
        out = os.path.join(folder, "model_quantized.onnx")
        write_q8(fp32_path, out)
    else:
        out, chunks = export_reranker.quantize(fp32_path, dtype)
        if chunks:
            raise checkpoint_files.ExportError("a cross-encoder over 2 GB is not supported by this preset")
    onnx.checker.check_model(out)
    return out


def export(model, checkpoint, out, dtypes=DEFAULT_DTYPES, fused=None, log=print):
    """Writes the export into `out` (an empty folder); returns the record stored in config.json."""
    for dtype in dtypes:
        if dtype not in DTYPES:
            raise checkpoint_files.ExportError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
    config = model.config
    kind = config.model_type
    if fused is None:
        fused = kind in FUSABLE
    if fused and kind not in FUSABLE:
        raise checkpoint_files.ExportError(
            f"--fuse works for {', '.join(FUSABLE)} (onnxruntime's optimizer knows their graphs); '{kind}' is "
            "exported unfused: leave --fuse out."
        )
    graph = graph_for(model)
    onnx_dir = os.path.join(out, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    fp32 = os.path.join(onnx_dir, "model.onnx")
    feed = check_batch(config, graph.names)
    with torch.no_grad():
        expected = graph(*[feed[n] for n in graph.names]).float().numpy()
    with tempfile.TemporaryDirectory(dir=out) as scratch:
        traced = os.path.join(scratch, "traced.onnx")
        trace(graph, traced, int(config.vocab_size))
        if fused:
            ops = fuse(traced, fp32, config)
        else:
            shutil.copyfile(traced, fp32)
            ops = op_counts(fp32)
        unfused_diff = float(np.abs(run_native(traced, feed) - expected).max())
    record = {"preset": PRESET, "fused": bool(fused), "opset": OPSET, "inputs": list(graph.names), "ops": ops, "dtypes": list(dtypes), "check": {}}
    if kind == "modernbert":
        # Read by the library (src/runtime/load-plan.ts): masks built without the broadcast boolean And that
        # onnxruntime-web's WebGPU provider gets wrong, so device 'auto' may put this export on WebGPU.
        record["masks"] = MODERNBERT_MASKS
    fp32_diff = float(np.abs(run_native(fp32, feed) - expected).max())
    log(f"fp32 ({'fused' if fused else 'unfused'}) vs PyTorch: {fp32_diff:.2e} (traced graph before fusing: {unfused_diff:.2e})")
    if not fp32_diff <= FP32_TOLERANCE:
        raise checkpoint_files.ExportError(
            f"the fp32 graph is {fp32_diff:.2e} off PyTorch (more than {FP32_TOLERANCE}); "
            + ("try --no-fuse." if fused else "the checkpoint's architecture may need its own export.")
        )
    record["check"]["fp32"] = fp32_diff
    reference = run_native(fp32, feed)
    for dtype in dtypes:
        if dtype == "fp32":
            continue
        path = write_dtype(fp32, dtype)
        diff = float(np.abs(run_native(path, feed) - reference).max())
        record["check"][dtype] = diff
        log(f"{dtype}: {os.path.basename(path)}, {os.path.getsize(path)} bytes, vs fp32 {diff:.2e}")
    if "fp32" not in dtypes:
        os.remove(fp32)
    record["check_note"] = "largest |logit difference| on a padded check batch: fp32 vs PyTorch, others vs fp32"
    checkpoint_files.copy_tokenizer_files(checkpoint, out)
    saved = checkpoint_files.read_json(os.path.join(checkpoint, "config.json"))
    if saved is None:
        saved = config.to_dict()
        saved.pop("_name_or_path", None)
    saved[checkpoint_files.EXPORT_RECORD_KEY] = record
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(saved, f, ensure_ascii=False, indent=2, default=str)
        f.write("\n")
    return record


def local_checkpoint(checkpoint):
    """A checkpoint folder, downloading a Hub id with huggingface_hub when it is not a folder."""
    if os.path.isdir(checkpoint):
        return checkpoint
    if checkpoint.startswith((".", "/", "~")) or checkpoint.count("/") > 1:
        raise checkpoint_files.ExportError(f"--checkpoint {checkpoint} is not a folder (nor a Hub id like 'org/name').")
    from huggingface_hub import snapshot_download

    return snapshot_download(checkpoint, allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model", "*.bin"])


def export_checkpoint(checkpoint, out, dtypes=DEFAULT_DTYPES, fused=None, log=print):
    """What the command line does: loads the checkpoint, exports beside `out` and moves it in place at the end
    (checkpoint_files.staged_export), so a failed export leaves an earlier one intact."""
    folder = local_checkpoint(checkpoint)
    with checkpoint_files.staged_export(out, folder) as staged:
        return export(load_model(folder), folder, staged, dtypes, fused, log)


def add_arguments(parser):
    """The preset's own options on export_reranker.py's command line."""
    parser.add_argument("--fuse", dest="fuse", action="store_true", default=None,
                        help=f"cross-encoder: fuse with onnxruntime's optimizer (default for {', '.join(FUSABLE)})")
    parser.add_argument("--no-fuse", dest="fuse", action="store_false", help="cross-encoder: keep the traced graph")


def run(args):
    """export_reranker.py --preset cross-encoder: --dtypes defaults to fp32,fp16,q4f16,q8 here."""
    dtypes = tuple(args.dtypes.split(",")) if args.dtypes else DEFAULT_DTYPES
    record = export_checkpoint(args.checkpoint, args.out, dtypes, args.fuse)
    print(json.dumps(record, indent=2))
    for root, _, names in sorted(os.walk(args.out)):
        for name in sorted(names):
            path = os.path.join(root, name)
            print(f"{os.path.getsize(path):12d}  {os.path.relpath(path, args.out)}")
