#!/usr/bin/env python3
"""Export an LLM or layerwise reranker checkpoint to a reranker graph that webgpu-reranker loads.

    python3 scripts/export/export_reranker.py --preset bge-reranker-v2-gemma \
        --checkpoint ./bge-reranker-v2-gemma --out ./models/bge-reranker-v2-gemma-onnx

A generic causal-LM export returns logits for every position and the whole vocabulary (16 pairs of 512
tokens of a Qwen2.5-0.5B reranker: 16 x 512 x 151,936 floats, about 5 GB). A reranker needs a few numbers
per pair, so the graph written here gathers the hidden state of the last real token (right padding) and
returns only what the score needs:

  yes-token          logits of the scoring tokens ('Yes'; Qwen3: 'yes', 'no') at the     -> output `scores` [batch, k]
                     last real position
  digit-expectation  log-probabilities of the tokens '1'..'7' under the full softmax   -> output `scores` [batch, 7]
  layerwise          the cutoff layer's own score head, one graph per cutoff layer       -> output `scores` [batch, 1]
                     (onnx/model_layer{N}*.onnx: an earlier cutoff runs fewer layers)
  sequence-classification  MiniCPM-Reranker: bidirectional body, one logit              -> output `logits` [batch, 1]

It writes the Hub layout the library loads: config.json (with the manifest under "webgpu_reranker"),
the checkpoint's own tokenizer files copied byte for byte (never re-saved through transformers, which can
rebuild a different tokenizer: see checkpoint_files.py), and onnx/model*.onnx in the dtypes asked for:
  fp32   model.onnx               everywhere
  q8     model_quantized.onnx     dynamic int8 (MatMulInteger): WASM only
  fp16   model_fp16.onnx          float16 weights and activations: WebGPU with shader-f16
  q4     model_q4.onnx            4-bit weights (MatMulNBits), float32 activations: WASM and WebGPU
  q4f16  model_q4f16.onnx         4-bit weights, float16 activations: WebGPU with shader-f16

Cross-encoders (BERT, XLM-R, ModernBERT `*ForSequenceClassification`): `--preset cross-encoder`, in
cross_encoder.py (docs/export.md).

Needs torch, transformers, onnx and onnxruntime. Real checkpoints of the layerwise and MiniCPM models need
--trust-remote-code (their classes live in the checkpoint). See the README's "LLM and layerwise rerankers"
section for what was verified and what was not, and docs/model-cards/ for each preset's format.
"""

import argparse
import contextlib
import copy
import json
import logging
import os
import sys
import tempfile

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint_files  # noqa: E402
import cross_encoder  # noqa: E402

# onnxruntime's 4-bit quantizer logs every node it visits at INFO.
logging.getLogger("onnxruntime.quantization").setLevel(logging.WARNING)

OPSET = 17

GEMMA_PROMPT = (
    "Given a query A and a passage B, determine whether the passage contains an answer to the query by "
    "providing a prediction of either 'Yes' or 'No'."
)
LB_SYSTEM = (
    "Given a query and a piece of text, output a score of 1-7 based on how related the query is to the text. "
    "1 means least related and 7 is most related."
)

# FlagEmbedding's LLM rerankers (get_inputs in their model cards): [bos] "A: {query}" "\n" "B: {passage}" "\n" prompt.
FLAG_LLM_PROMPT = {
    "style": "segments",
    "bos": True,
    "query_template": "A: {query}",
    "passage_template": "B: {passage}",
    "separator": "\n",
    "prompt": GEMMA_PROMPT,
}

QWEN3_SYSTEM = (
    'Judge whether the Document meets the requirements based on the Query and the Instruct provided. '
    'Note that the answer can only be "yes" or "no".'
)
QWEN3_DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"

MXBAI_TASK = (
    "You are a search relevance expert who evaluates how well documents match search queries. For each "
    "query-document pair, carefully analyze the semantic relationship between them, then provide your binary "
    "relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:"
)

# Each preset says how the model card builds its prompt and reads its score.
PRESETS = {
    "bge-reranker-v2-gemma": {
        "card": "BAAI/bge-reranker-v2-gemma (FlagEmbedding FlagLLMReranker)",
        "head": "yes-token",
        "scoring_texts": ["Yes"],
        "prompt": FLAG_LLM_PROMPT,
        "supports": ["prompt"],
        "max_length": 1024,
        "attention": "causal",
    },
    "bge-reranker-v2-minicpm-layerwise": {
        "card": "BAAI/bge-reranker-v2-minicpm-layerwise (FlagEmbedding LayerWiseFlagLLMReranker)",
        "head": "layerwise",
        "prompt": FLAG_LLM_PROMPT,
        "supports": ["prompt", "cutoffLayer"],
        "max_length": 1024,
        "attention": "causal",
        "default_cutoff_layer": 28,
    },
    "lb-reranker": {
        "card": "lightblue/lb-reranker-0.5B-v1.0",
        "head": "digit-expectation",
        "scoring_texts": [str(d) for d in range(1, 8)],
        "prompt": {
            "style": "chat",
            "system": LB_SYSTEM,
            "user_template": "<<<Query>>>\n{query}\n\n<<<Context>>>\n{passage}",
            "add_generation_prompt": True,
        },
        "supports": [],
        "max_length": 1024,
        "attention": "causal",
    },
    # Qwen/Qwen3-Reranker-0.6B/4B/8B: the card tokenizes a fixed prefix, the formatted instruction/query/document
    # text (cut from its end to fit) and a fixed suffix apart, and scores P(yes) = softmax over the logits of
    # "yes" and "no" at the last position; the graph returns those two logits.
    "qwen3-reranker": {
        "card": "Qwen/Qwen3-Reranker (0.6B, 4B, 8B)",
        "head": "yes-token",
        "scoring_texts": ["yes", "no"],
        # The card reads them with convert_tokens_to_ids: vocabulary entries, not the first token of a text.
        "scoring_lookup": "vocabulary",
        "prompt": {
            "style": "wrapped",
            "prefix": f"<|im_start|>system\n{QWEN3_SYSTEM}<|im_end|>\n<|im_start|>user\n",
            "template": "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {passage}",
            "suffix": "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            "default_instruction": QWEN3_DEFAULT_INSTRUCTION,
        },
        "supports": ["instruction"],
        "max_length": 1024,
        "attention": "causal",
    },
    # mixedbread-ai/mxbai-rerank-base-v2 / -large-v2 (their mxbai_rerank package, MxbaiRerankV2): chat prefix,
    # "query: {query}" (or "instruction: ...\nquery: ...") capped at 3/4 of max_length, "\n", "document: {doc}"
    # cut to fit max_length, then "\n", the task prompt and the chat suffix, each piece tokenized apart; the
    # prefix and the pieces after the document are outside max_length. Score: logit("1") - logit("0").
    "mxbai-rerank-v2": {
        "card": "mixedbread-ai/mxbai-rerank-base-v2, mxbai-rerank-large-v2 (mxbai_rerank MxbaiRerankV2)",
        "head": "yes-token",
        "scoring_texts": ["1", "0"],
        "prompt": {
            "style": "segments",
            "bos": False,
            "lead": "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n",
            "query_template": "query: {query}",
            "instruction_query_template": "instruction: {instruction}\nquery: {query}",
            "passage_template": "document: {passage}",
            "separator": "\n",
            "prompt": MXBAI_TASK,
            "trail": "<|im_end|>\n<|im_start|>assistant\n",
        },
        "supports": ["instruction"],
        "max_length": 1024,
        "attention": "causal",
    },
    "minicpm-reranker": {
        "card": "openbmb/MiniCPM-Reranker",
        "head": "sequence-classification",
        "prompt": {
            "style": "pair",
            "query_template": "Query: {query}",
            "instruction_query_template": "Instruction: {instruction} Query: {query}",
        },
        "supports": ["instruction"],
        "max_length": 1024,
        "attention": "bidirectional",
    },
}


def additive_mask(attention_mask, causal, dtype):
    """[batch, 1, seq, seq] float mask: 0 where a query position may attend, the dtype's minimum elsewhere.

    Built here instead of by transformers so the same graph serves causal and bidirectional bodies and traces
    without the mask helpers of whatever transformers version runs the export (a 4D mask is used as given)."""
    keep = attention_mask[:, None, None, :].bool()
    if causal:
        positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
        keep = keep & (positions[None, None, None, :] <= positions[None, None, :, None])
    zero = torch.zeros((), dtype=dtype, device=attention_mask.device)
    low = torch.full((), torch.finfo(dtype).min, dtype=dtype, device=attention_mask.device)
    return torch.where(keep, zero, low)


class RotaryTable(torch.nn.Module):
    """Rotary position embeddings read from a table computed once at export, instead of cos/sin at run time.

    WebGPU's sin/cos are only accurate near [-pi, pi]; rotary angles reach the position count in radians, and
    computed on the GPU they moved fp32 scores of the tiny fixtures by up to 1.2e-3 (SwiftShader) against
    ~1e-6 on WASM. A gathered table gives every backend the CPU's values."""

    def __init__(self, rotary, positions):
        super().__init__()
        ids = torch.arange(positions).unsqueeze(0)
        with torch.no_grad():
            cos, sin = rotary(torch.zeros(1, positions, 1, dtype=torch.float32), ids)
        self.register_buffer("cos", cos[0].float().clone(), persistent=False)
        self.register_buffer("sin", sin[0].float().clone(), persistent=False)

    def forward(self, x, position_ids, *args, **kwargs):
        return self.cos[position_ids].to(x.dtype), self.sin[position_ids].to(x.dtype)


@contextlib.contextmanager
def exporting(body, positions, layers=None):
    """While the graph is traced: the body's shared rotary module swapped for a table (models with per-layer
    cached tables, such as older remote-code MiniCPM classes, have none and keep theirs) and, for a layerwise
    cut, only the first `layers` layers. The model is restored afterwards, unchanged and not copied (a 2B
    model in fp32 is 10 GB)."""
    rotary = getattr(body, "rotary_emb", None)
    saved_layers, saved_count = body.layers, body.config.num_hidden_layers
    try:
        if rotary is not None:
            body.rotary_emb = RotaryTable(rotary, positions)
        if layers is not None:
            body.layers = torch.nn.ModuleList(list(saved_layers)[:layers])
            body.config.num_hidden_layers = layers
        yield
    finally:
        if rotary is not None:
            body.rotary_emb = rotary
        body.layers, body.config.num_hidden_layers = saved_layers, saved_count


def gather_last(hidden, attention_mask):
    """Hidden state of each row's last real token, rows right-padded: [batch, seq, hidden] -> [batch, hidden]."""
    last = attention_mask.sum(dim=1) - 1
    index = last.view(-1, 1, 1).expand(-1, 1, hidden.shape[-1])
    return hidden.gather(1, index).squeeze(1)


def softcap(logits, config):
    cap = getattr(config, "final_logit_softcapping", None)
    return logits if cap is None else torch.tanh(logits / cap) * cap


class LastTokenLogits(torch.nn.Module):
    """yes-token and digit-expectation heads on a transformers causal LM (Gemma, Qwen2, Llama, ...)."""

    def __init__(self, lm, token_ids, kind, causal=True):
        super().__init__()
        self.body = lm.get_decoder() if hasattr(lm, "get_decoder") else lm.model
        self.config = lm.config
        self.kind = kind
        self.causal = causal
        weight = lm.get_output_embeddings().weight.detach()
        bias = getattr(lm.get_output_embeddings(), "bias", None)
        self.register_buffer("token_ids", torch.tensor(token_ids, dtype=torch.long), persistent=False)
        if kind == "yes-token":
            # Only the scoring tokens' rows of the output matrix: a [hidden, k] product instead of [hidden, vocab].
            self.head = torch.nn.Linear(weight.shape[1], len(token_ids), bias=bias is not None)
            with torch.no_grad():
                self.head.weight.copy_(weight[token_ids])
                if bias is not None:
                    self.head.bias.copy_(bias.detach()[token_ids])
        else:
            self.head = lm.get_output_embeddings()

    def forward(self, input_ids, attention_mask):
        dtype = self.body.get_input_embeddings().weight.dtype
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0).expand_as(input_ids)
        hidden = self.body(
            input_ids=input_ids,
            attention_mask=additive_mask(attention_mask, self.causal, dtype),
            position_ids=positions,
            use_cache=False,
        ).last_hidden_state
        last = gather_last(hidden, attention_mask)
        logits = softcap(self.head(last), self.config)
        if self.kind == "yes-token":
            return logits
        # The model card's expectation needs P(d) under the softmax over the whole vocabulary.
        return torch.log_softmax(logits.float(), dim=-1).index_select(1, self.token_ids)


class LayerwiseScore(torch.nn.Module):
    """A layerwise reranker cut after `cutoff` layers (export() traces it with only those layers); the model's
    own forward applies that layer's head.

    The model must accept `cutoff_layers=[n]` and return the per-position scores of layer n first in
    `outputs[0]` (FlagEmbedding's LayerWise MiniCPM reranker does; the fixture's emulation too)."""

    def __init__(self, model, cutoff):
        super().__init__()
        self.model = model
        self.cutoff = cutoff

    def forward(self, input_ids, attention_mask):
        scores = self.model(input_ids=input_ids, attention_mask=attention_mask, cutoff_layers=[self.cutoff])[0][0]
        if scores.dim() == 3:
            scores = scores.squeeze(-1)
        last = attention_mask.sum(dim=1) - 1
        return scores.gather(1, last.view(-1, 1))


class SequenceLogits(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


class CheckpointTokenizer:
    """The checkpoint's own tokenizer: its tokenizer.json run by the `tokenizers` library (the same file the
    browser runs through transformers.js), with the special tokens its config files name."""

    def __init__(self, checkpoint):
        from tokenizers import Tokenizer

        checkpoint_files.require_tokenizer_json(checkpoint)
        self.tokenizer = Tokenizer.from_file(os.path.join(checkpoint, "tokenizer.json"))
        self.settings = checkpoint_files.tokenizer_settings(checkpoint)
        self.chat_template = checkpoint_files.separate_chat_template(checkpoint)

    def encode(self, text):
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def special_id(self, name):
        """The id of the special token the config files name (`bos_token`, `pad_token`, ...), or None."""
        text = checkpoint_files.special_token(self.settings, name)
        return None if text is None else self.tokenizer.token_to_id(text)


def first_token_ids(tokenizer, texts):
    """The first token of each text tokenized without special tokens, as the model cards do
    (`tokenizer(text, add_special_tokens=False).input_ids[0]`)."""
    ids = []
    for text in texts:
        encoded = tokenizer.encode(text)
        if not encoded:
            raise SystemExit(f"the tokenizer gives no token for {text!r}")
        ids.append(int(encoded[0]))
    return ids


def vocabulary_ids(tokenizer, tokens):
    """The vocabulary id of each token, as `tokenizer.convert_tokens_to_ids(token)` gives it."""
    ids = []
    for token in tokens:
        found = tokenizer.tokenizer.token_to_id(token)
        if found is None:
            raise SystemExit(f"the tokenizer's vocabulary has no token {token!r}")
        ids.append(int(found))
    return ids


def first_defined(*values):
    return next((int(v) for v in values if v is not None), None)


# Weights past this go to external data files of at most this size: protobuf cannot hold 2 GB, and browsers
# read each file into one ArrayBuffer.
CHUNK_BYTES = 1_900_000_000


def save_for_browser(model, path):
    """Saves `model` (weights loaded) at `path`: one file when small; otherwise the large weights go to
    `<file>_data`, `<file>_data_1`, ... of under 2 GB each, the names transformers.js looks for. Returns the
    number of data files (0: none)."""
    from onnx import external_data_helper

    folder, name = os.path.split(path)
    for old in os.listdir(folder):
        if old.startswith(f"{name}_data"):
            os.remove(os.path.join(folder, old))
    large = [t for t in model.graph.initializer if t.HasField("raw_data") and len(t.raw_data) >= 1024]
    if sum(len(t.raw_data) for t in large) < CHUNK_BYTES:
        onnx.save_model(model, path)
        return 0
    chunk, used = 0, 0
    for tensor in large:
        size = len(tensor.raw_data)
        if used > 0 and used + size > CHUNK_BYTES:
            chunk, used = chunk + 1, 0
        location = f"{name}_data" + ("" if chunk == 0 else f"_{chunk}")
        external_data_helper.set_external_data(tensor, location=location, offset=used, length=size)
        used += size
    external_data_helper.write_external_data_tensors(model, folder)
    onnx.save_model(model, path)
    return chunk + 1


def remove_graph(path):
    folder, name = os.path.split(path)
    for f in os.listdir(folder):
        if f == name or f.startswith(f"{name}_data"):
            os.remove(os.path.join(folder, f))


def export_graph(module, path, output_name, vocab_size):
    """Traces `module` to ONNX at `path`; returns the number of external data files."""
    gen = torch.Generator().manual_seed(7)
    ids = torch.randint(3, vocab_size - 1, (2, 12), generator=gen, dtype=torch.long)
    mask = torch.ones(2, 12, dtype=torch.long)
    mask[0, 9:] = 0  # one padded row, so the gather index is not traced as a constant
    axes = {0: "batch_size", 1: "sequence_length"}
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path)) as scratch:
        # A graph over 2 GB is written by torch with one external file per tensor; it is re-saved below.
        traced = os.path.join(scratch, "traced.onnx")
        with torch.no_grad():
            torch.onnx.export(
                module.eval(),
                (ids, mask),
                traced,
                input_names=["input_ids", "attention_mask"],
                output_names=[output_name],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, output_name: {0: "batch_size"}},
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        chunks = save_for_browser(onnx.load(traced), path)
    onnx.checker.check_model(path)  # by path: works past 2 GB
    return chunks


def quantize(fp32_path, dtype):
    """The other dtypes from the fp32 graph, with onnxruntime's own quantization tools.
    Returns (path, number of external data files)."""
    folder, name = os.path.split(fp32_path)
    stem = name[: -len(".onnx")]
    suffix = {"fp16": "_fp16", "q8": "_quantized", "q4": "_q4", "q4f16": "_q4f16"}[dtype]
    out = os.path.join(folder, f"{stem}{suffix}.onnx")
    if dtype == "fp16":
        model = to_float16(onnx.load(fp32_path), folder)
        chunks = save_for_browser(model, out)
    elif dtype == "q8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            raw = os.path.join(scratch, "quantized.onnx")
            # uint8 weights: native x86 onnxruntime and WASM agree on them (see scripts/fixtures/make_fixtures.py).
            quantize_dynamic(
                fp32_path,
                raw,
                weight_type=QuantType.QUInt8,
                per_channel=False,
                reduce_range=False,
                use_external_data_format=has_external_data(fp32_path),
            )
            chunks = save_for_browser(onnx.load(raw), out)
    else:
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)

        quantizer = MatMulNBitsQuantizer(onnx.load(fp32_path), block_size=32, is_symmetric=True)
        quantizer.process()
        model = quantizer.model.model
        if dtype == "q4f16":
            model = to_float16(model, folder)
        chunks = save_for_browser(model, out)
    onnx.checker.check_model(out)
    for leftover in os.listdir(folder):  # quantize_dynamic may leave -opt/-infer copies
        if leftover.endswith(("-opt.onnx", "-infer.onnx")):
            os.remove(os.path.join(folder, leftover))
    return out, chunks


def to_float16(model, folder):
    """float16 weights and activations; inputs and outputs stay int64 / float32 so the library feeds every
    dtype alike."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        # The converter infers shapes on the serialized model, which protobuf cannot hold past 2 GB: infer them
        # from a file instead, then convert without inferring again.
        large = sum(len(t.raw_data) for t in model.graph.initializer) >= CHUNK_BYTES
        if large:
            saved, inferred = os.path.join(scratch, "graph.onnx"), os.path.join(scratch, "graph-shapes.onnx")
            onnx.save_model(model, saved, save_as_external_data=True, all_tensors_to_one_file=True, location="graph.onnx.data")
            onnx.shape_inference.infer_shapes_path(saved, inferred)
            model = onnx.load(inferred)
        return convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=large)


def has_external_data(path):
    return any(f.startswith(os.path.basename(path) + "_data") for f in os.listdir(os.path.dirname(path)))


def export(model, checkpoint, preset_name, out, dtypes=("fp32", "q8"), max_length=None, cutoff_layers=None, max_positions=None):
    """Writes the reranker folder into `out` (an empty folder) for an in-memory model whose tokenizer files are
    in the folder `checkpoint`; returns the manifest. export_checkpoint() is the safe entry point.

    `max_positions`: rows the graph's rotary table covers (default: twice max_length, within the model's
    position embeddings); the library keeps maxLength plus the trailing prompt within it."""
    preset = copy.deepcopy(PRESETS[preset_name])
    tokenizer = CheckpointTokenizer(checkpoint)
    length = int(max_length or preset["max_length"])
    positions = int(max_positions or 2 * length)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None:
        positions = min(positions, int(limit))
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    head = preset["head"]
    causal = preset["attention"] == "causal"
    vocab_size = int(model.config.vocab_size)
    manifest = {
        "format": 1,
        "preset": preset_name,
        "card": preset["card"],
        "head": head,
        "prompt": preset["prompt"],
        "supports": preset["supports"],
        "max_length": length,
        "max_positions": positions,
        "attention": preset["attention"],
        # Padded positions are masked out; the id only has to be a real token.
        "pad_token_id": first_defined(
            tokenizer.special_id("pad_token"),
            getattr(model.config, "pad_token_id", None),
            tokenizer.special_id("eos_token"),
            0,
        ),
        "dtypes": list(dtypes),
    }
    if preset["prompt"].get("bos"):
        bos = first_defined(tokenizer.special_id("bos_token"), getattr(model.config, "bos_token_id", None))
        if bos is None:
            raise SystemExit(f"{preset_name} prompts start with the bos token, but this tokenizer has none")
        manifest["bos_token_id"] = bos
    if preset["prompt"]["style"] == "chat" and tokenizer.chat_template is not None:
        # The tokenizer files stay as they are; the library renders this template (see checkpoint_files.py).
        manifest["prompt"]["chat_template"] = tokenizer.chat_template
    graphs = []
    if head in ("yes-token", "digit-expectation"):
        if preset.get("scoring_lookup") == "vocabulary":
            token_ids = vocabulary_ids(tokenizer, preset["scoring_texts"])
        else:
            token_ids = first_token_ids(tokenizer, preset["scoring_texts"])
        manifest["scoring_tokens"] = preset["scoring_texts"]
        manifest["scoring_token_ids"] = token_ids
        manifest["output"] = "scores"
        graphs.append(("model", LastTokenLogits(model, token_ids, head, causal), "scores", None))
    elif head == "layerwise":
        layers = len(model.model.layers)
        start = int(getattr(model.config, "start_layer", 1))
        cutoffs = sorted(set(cutoff_layers or [layers]))
        for cutoff in cutoffs:
            if not start <= cutoff <= layers:
                raise SystemExit(f"cutoff layer {cutoff} is outside {start}..{layers}")
            graphs.append((f"model_layer{cutoff}", LayerwiseScore(model, cutoff), "scores", cutoff))
        manifest["cutoff_layers"] = cutoffs
        default = preset.get("default_cutoff_layer", layers)
        manifest["default_cutoff_layer"] = default if default in cutoffs else cutoffs[-1]
        manifest["output"] = "scores"
    else:
        manifest["output"] = "logits"
        graphs.append(("model", SequenceLogits(model), "logits", None))

    external = {}  # file name -> number of external data files, for transformers.js
    body = model.get_decoder() if hasattr(model, "get_decoder") else model.model
    for stem, module, output_name, layers in graphs:
        fp32 = os.path.join(out, "onnx", f"{stem}.onnx")
        with exporting(body, positions, layers):
            chunks = export_graph(module, fp32, output_name, vocab_size)
        if chunks:
            external[os.path.basename(fp32)] = chunks
        for dtype in dtypes:
            if dtype != "fp32":
                path, chunks = quantize(fp32, dtype)
                if chunks:
                    external[os.path.basename(path)] = chunks
        if "fp32" not in dtypes:
            remove_graph(fp32)
            external.pop(os.path.basename(fp32), None)

    checkpoint_files.copy_tokenizer_files(checkpoint, out)
    config = model.config.to_dict()
    # Where the checkpoint was loaded from on the exporting machine: meaningless to users, and a local path.
    config.pop("_name_or_path", None)
    # transformers.js loads these graphs as plain ONNX sessions; 'custom' and no architectures keep it from
    # expecting a decoder with a KV cache. The source architecture stays on record under source_*.
    config["source_model_type"] = config.get("model_type")
    config["source_architectures"] = config.pop("architectures", None)
    config["model_type"] = "custom"
    config[checkpoint_files.MANIFEST_KEY] = manifest
    if external:
        config["transformers.js_config"] = {"use_external_data_format": external}
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2, default=str)
        f.write("\n")
    return manifest


def load_model(checkpoint, preset_name, trust_remote_code=False):
    """The checkpoint's model in float32, with the class and attention the preset's graph needs."""
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    preset = PRESETS[preset_name]
    cls = AutoModelForSequenceClassification if preset["head"] == "sequence-classification" else AutoModelForCausalLM
    kwargs = {"trust_remote_code": trust_remote_code, "torch_dtype": torch.float32}
    if preset["attention"] == "causal" and preset["head"] != "layerwise":
        kwargs["attn_implementation"] = "eager"  # plain MatMul/Softmax in the graph, the 4D mask used as given
    return cls.from_pretrained(checkpoint, **kwargs).eval()


def export_checkpoint(checkpoint, preset_name, out, dtypes=("fp32", "q8", "q4"), max_length=None, cutoff_layers=None,
                      max_positions=None, trust_remote_code=False, model=None):
    """What the command line does: checks that `out` may be replaced (checkpoint_files.check_out_folder),
    loads the checkpoint's model unless `model` is given, exports into a folder beside `out` and moves it in
    place at the end, so a failed export leaves an earlier one intact. Returns the manifest."""
    with checkpoint_files.staged_export(out, checkpoint) as staged:
        if model is None:
            model = load_model(checkpoint, preset_name, trust_remote_code)
        return export(model, checkpoint, preset_name, staged, dtypes, max_length, cutoff_layers, max_positions)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    import export_embedding  # the embedding presets live in their own module and share this command line

    ap.add_argument("--preset", required=True, choices=sorted(PRESETS) + sorted(export_embedding.EMBEDDING_PRESETS) + [cross_encoder.PRESET])
    ap.add_argument("--checkpoint", required=True, help="a local Hugging Face checkpoint folder")
    ap.add_argument(
        "--out",
        required=True,
        help="the model folder to write: new, empty, or an earlier export of this tool (then replaced once the new "
        "export is complete); anything else is refused",
    )
    ap.add_argument("--dtypes", default=None, help="comma-separated: fp32,fp16,q8,q4,q4f16 (default fp32,q8,q4; minicpm-embedding: fp32,fp16,q4,q4f16; cross-encoder: fp32,fp16,q4f16,q8)")
    ap.add_argument("--max-length", type=int, default=None, help="default pair length the library uses")
    ap.add_argument("--max-positions", type=int, default=None, help="positions the graph supports (default 2 x max length)")
    ap.add_argument("--cutoff-layers", default=None, help="layerwise: comma-separated cutoff layers, e.g. 8,16,28,40")
    ap.add_argument("--trust-remote-code", action="store_true", help="needed by checkpoints whose classes ship with them")
    cross_encoder.add_arguments(ap)
    args = ap.parse_args()
    if args.preset == cross_encoder.PRESET:
        return cross_encoder.run(args)
    cutoffs = [int(x) for x in args.cutoff_layers.split(",")] if args.cutoff_layers else None
    if args.preset in export_embedding.EMBEDDING_PRESETS:
        dtypes = args.dtypes.split(",") if args.dtypes else None
        manifest = export_embedding.export_checkpoint(
            args.checkpoint, args.preset, args.out, dtypes, args.max_length, args.max_positions, args.trust_remote_code,
        )
    else:
        manifest = export_checkpoint(
            args.checkpoint, args.preset, args.out, (args.dtypes or "fp32,q8,q4").split(","), args.max_length, cutoffs,
            args.max_positions, args.trust_remote_code,
        )
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    for root, _, names in sorted(os.walk(args.out)):
        for name in sorted(names):
            path = os.path.join(root, name)
            print(f"{os.path.getsize(path):12d}  {os.path.relpath(path, args.out)}")


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    main()
