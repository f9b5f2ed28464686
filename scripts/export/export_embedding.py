#!/usr/bin/env python3
"""Export a sentence-embedding checkpoint whose pooling lives in remote code to a graph webgpu-reranker's
`createEmbedder` loads. Run through export_reranker.py's command line (same options):

    python3 scripts/export/export_reranker.py --preset minicpm-embedding --trust-remote-code \
        --checkpoint ./MiniCPM-Embedding --out ./models/MiniCPM-Embedding-onnx --dtypes fp32,fp16,q4,q4f16

minicpm-embedding (openbmb/MiniCPM-Embedding): a MiniCPM body with bidirectional attention whose own
`forward` scales the final hidden states so that the card's plain mean pooling is a weighted mean pooling
(SGPT-style position weights). The card encodes a text as

    hidden = model(**batch).last_hidden_state
    reps = sum(hidden * mask) / sum(mask);  embedding = F.normalize(reps, p=2, dim=1)

and the graph written here is exactly that: the model's forward (the checkpoint's own code, scaling included)
followed by the card's pooling and L2 normalization, so the output `sentence_embedding` [batch, hidden] is the
card's embedding and no pooling formula is re-implemented elsewhere. The library reads the prompts from the
manifest under "webgpu_embedder" in config.json: queries `Query: {query}` or, with an instruction,
`Instruction: {instruction} Query: {query}`; documents bare.

Files: config.json (manifest; `max_position_embeddings` set to the rows the graph's rotary table covers), the
checkpoint's tokenizer files byte for byte, onnx/model*.onnx in the dtypes asked for (fp32, fp16, q8, q4,
q4f16: see export_reranker.py), weights past 2 GB in external data files as for the 2B rerankers.
"""

import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint_files  # noqa: E402
import export_reranker as ex  # noqa: E402

EMBEDDING_PRESETS = {
    "minicpm-embedding": {
        "card": "openbmb/MiniCPM-Embedding",
        "pooling": "weightedmean",
        "query_prefix": "Query: ",
        "instruction_query_prefix": "Instruction: {instruction} Query: ",
        "document_prefix": "",
        "supports": ["instruction"],
        "max_length": 512,
        "attention": "bidirectional",
        "default_dtypes": ("fp32", "fp16", "q4", "q4f16"),
    },
}

OUTPUT = "sentence_embedding"


class CardEmbedding(torch.nn.Module):
    """The model card's `encode` after tokenization: the model's own forward, mean pooling over the real tokens
    of its (scaled) last hidden state, L2 normalization. [batch, seq] ids and mask -> [batch, hidden]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        reps = (hidden * mask).sum(dim=1) / attention_mask.sum(dim=1, keepdim=True).to(hidden.dtype)
        return torch.nn.functional.normalize(reps, p=2, dim=1)


def quantize(fp32_path, dtype):
    """export_reranker.quantize, with the float16 graphs' nodes put back in topological order.

    onnxruntime's float16 converter keeps the ops on its block list (CumSum, Range, Max, Min, TopK, ...) in float32
    and appends the Casts around them at the end of the node list, so a graph with such an op on float tensors
    fails onnx's checker ("Nodes in a graph must be topologically sorted"; seen with a CumSum of the attention
    mask). Remote-code pooling may use such ops; onnxruntime's own graph sort orders the nodes again."""
    if dtype not in ("fp16", "q4f16"):
        return ex.quantize(fp32_path, dtype)
    convert = ex.to_float16

    def float16_sorted(model, folder):
        converted = convert(model, folder)
        try:
            from onnxruntime.transformers.onnx_model import OnnxModel

            OnnxModel.graph_topological_sort(converted.graph)
        except Exception as error:  # noqa: BLE001 - the checker below still refuses an unsorted graph
            print(f"export_embedding: could not sort the float16 graph ({type(error).__name__}: {error})", file=sys.stderr)
        return converted

    ex.to_float16 = float16_sorted  # export_reranker.quantize looks it up at call time
    try:
        return ex.quantize(fp32_path, dtype)
    finally:
        ex.to_float16 = convert


def body_of(model):
    """The decoder stack (the module holding `layers`): the model itself for an AutoModel, `.model` for a
    wrapper around one."""
    inner = getattr(model, "model", None)
    return inner if inner is not None and hasattr(inner, "layers") else model


def export(model, checkpoint, preset_name, out, dtypes=None, max_length=None, max_positions=None):
    """Writes the embedder folder into `out` for an in-memory model whose tokenizer files are in `checkpoint`;
    returns the manifest. export_checkpoint() is the safe entry point."""
    preset = copy.deepcopy(EMBEDDING_PRESETS[preset_name])
    dtypes = list(dtypes or preset["default_dtypes"])
    tokenizer = ex.CheckpointTokenizer(checkpoint)
    length = int(max_length or preset["max_length"])
    positions = int(max_positions or length)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None:
        positions = min(positions, int(limit))
    if length > positions:
        raise checkpoint_files.ExportError(f"max length {length} is over the {positions} positions the graph covers")
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    manifest = {
        "format": 1,
        "preset": preset_name,
        "card": preset["card"],
        "output": OUTPUT,
        "pooling": preset["pooling"],
        "pooled_in_graph": True,
        "normalized_in_graph": True,
        "dimensions": int(model.config.hidden_size),
        "query_prefix": preset["query_prefix"],
        "instruction_query_prefix": preset["instruction_query_prefix"],
        "document_prefix": preset["document_prefix"],
        "supports": preset["supports"],
        "max_length": length,
        "max_positions": positions,
        "attention": preset["attention"],
        "pad_token_id": ex.first_defined(
            tokenizer.special_id("pad_token"),
            getattr(model.config, "pad_token_id", None),
            tokenizer.special_id("eos_token"),
            0,
        ),
        "dtypes": dtypes,
    }
    external = {}
    fp32 = os.path.join(out, "onnx", "model.onnx")
    with ex.exporting(body_of(model), positions):
        chunks = ex.export_graph(CardEmbedding(model), fp32, OUTPUT, int(model.config.vocab_size))
    if chunks:
        external[os.path.basename(fp32)] = chunks
    for dtype in dtypes:
        if dtype != "fp32":
            path, chunks = quantize(fp32, dtype)
            if chunks:
                external[os.path.basename(path)] = chunks
    if "fp32" not in dtypes:
        ex.remove_graph(fp32)
        external.pop(os.path.basename(fp32), None)

    checkpoint_files.copy_tokenizer_files(checkpoint, out)
    config = model.config.to_dict()
    config.pop("_name_or_path", None)
    config.pop("auto_map", None)  # the remote code is not shipped: the graph replaces it
    config["source_model_type"] = config.get("model_type")
    config["source_architectures"] = config.pop("architectures", None)
    config["source_max_position_embeddings"] = config.get("max_position_embeddings")
    config["max_position_embeddings"] = positions
    config["model_type"] = "custom"
    config[checkpoint_files.EMBEDDER_MANIFEST_KEY] = manifest
    if external:
        config["transformers.js_config"] = {"use_external_data_format": external}
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2, default=str)
        f.write("\n")
    return manifest


def load_model(checkpoint, trust_remote_code=False):
    """The checkpoint's base model (AutoModel: its forward returns the scaled last hidden state) in float32."""
    from transformers import AutoModel

    return AutoModel.from_pretrained(checkpoint, trust_remote_code=trust_remote_code, torch_dtype=torch.float32).eval()


def export_checkpoint(checkpoint, preset_name, out, dtypes=None, max_length=None, max_positions=None,
                      trust_remote_code=False, model=None):
    """As export_reranker.export_checkpoint: checks `out`, exports beside it and moves the result in place."""
    with checkpoint_files.staged_export(out, checkpoint) as staged:
        if model is None:
            model = load_model(checkpoint, trust_remote_code)
        return export(model, checkpoint, preset_name, staged, dtypes, max_length, max_positions)
