#!/usr/bin/env python3
"""Random-weight cross-encoders at real model sizes, for the GPU benchmark.

Writes Hub-layout folders that the library loads (config.json, tokenizer files, onnx/model.onnx):

  minilm-l6   BertForSequenceClassification with ms-marco-MiniLM-L-6-v2's shape:
              6 layers, hidden 384, 12 heads, intermediate 1536, vocab 30522, 512 positions
  minilm-l6-sdpa  the same, exported with transformers' default SDPA attention: the export flavour whose
              mask arithmetic onnxruntime-web's WebGPU EP leaves on the CPU (the slow path users meet)
  tiny-bert-sdpa  the same flavour at the fixture tiny-bert-reranker's size (2 layers, hidden 32), for the
              test that `info` names the nodes a WebGPU session left on the CPU
  minilm-l6-embedding  BertModel with all-MiniLM-L6-v2's shape (the same body as minilm-l6) and its
              sentence-transformers files (mean pooling, Normalize, max_seq_length 256): output
              last_hidden_state, which createEmbedder pools; for the browser bench's search scenario
  xlmr-base   XLMRobertaForSequenceClassification with bge-reranker-base's shape:
              12 layers, hidden 768, 12 heads, intermediate 3072, vocab 250002, 514 positions
  modernbert-base  ModernBertForSequenceClassification with gte-reranker-modernbert-base's shape: 22 layers,
              hidden 768, 12 heads, intermediate 1152, vocab 50368, 8,192 positions, local attention 128 (global
              every 3rd layer); exported as the Hub-style fixture tiny-modernbert-reranker is (input_ids,
              attention_mask -> logits); tokenizer: that fixture's byte-level BPE (model_max_length 512 here)

The XLM-R export computes its position ids in int32 (see XlmrWrapper). The weights are random (transformers' default initialisation, fixed seed); only the shapes matter for
speed. The tokenizers: for minilm-l6, bert-base-uncased's (from `npm run bench`'s fixtures/bench model) when
present, else the fixture WordPiece tokenizer; for xlmr-base, the fixture Unigram tokenizer (2,000 entries,
all valid rows of the larger embedding table); model_max_length 512. Export as in scripts/fixtures: eager attention,
TorchScript exporter, opset 17, fp32, dynamic batch and sequence axes, int64 inputs.

With --fused, also onnx/model_fused.onnx: onnxruntime's transformer optimizer fuses attention
(com.microsoft Attention with a raw 2-D mask), SkipLayerNormalization and BiasGelu; the embedding
layer norm is left unfused (the WebGPU EP has no EmbedLayerNormalization kernel).

Usage: python3 scripts/bench-gpu/make_models.py --out bench-models [--models minilm-l6,xlmr-base] [--fused]
"""

import argparse
import json
import os
import shutil
import time

import onnx
import torch
from transformers import (BertConfig, BertForSequenceClassification, BertModel, ModernBertConfig, ModernBertForSequenceClassification,
                          XLMRobertaConfig, XLMRobertaForSequenceClassification)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "fixtures", "models")
OPSET = 17

SHAPES = {
    "minilm-l6": dict(
        kind="bert",
        # bert-base-uncased's WordPiece vocabulary from `npm run bench`'s model when present, else the fixture's
        tokenizer=("../bench/ms-marco-minilm-l6-shape", "tiny-bert-reranker"),
        config=dict(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                    intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2, pad_token_id=0),
    ),
    "minilm-l6-sdpa": dict(
        kind="bert",
        attention="sdpa",
        tokenizer=("../bench/ms-marco-minilm-l6-shape", "tiny-bert-reranker"),
        config=dict(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                    intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2, pad_token_id=0),
    ),
    "minilm-l6-embedding": dict(
        kind="bert-embedding",
        tokenizer=("../bench/ms-marco-minilm-l6-shape", "tiny-bert-reranker"),
        config=dict(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                    intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2, pad_token_id=0),
    ),
    "tiny-bert-sdpa": dict(
        kind="bert",
        attention="sdpa",
        tokenizer=("tiny-bert-reranker",),
        config=dict(vocab_size=2000, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=64, max_position_embeddings=128, type_vocab_size=2, pad_token_id=0),
    ),
    "xlmr-base": dict(
        kind="xlmr",
        tokenizer=("tiny-xlmr-reranker",),
        config=dict(vocab_size=250002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                    intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
                    bos_token_id=0, eos_token_id=2),
    ),
    "modernbert-base": dict(
        kind="modernbert",
        tokenizer=("tiny-modernbert-reranker",),
        config=dict(vocab_size=50368, hidden_size=768, num_hidden_layers=22, num_attention_heads=12,
                    intermediate_size=1152, max_position_embeddings=8192, local_attention=128,
                    global_attn_every_n_layers=3, classifier_pooling="mean"),
    ),
}


class BertWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


class BertEmbeddingWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state


def write_sentence_transformers(folder, hidden, max_seq_length):
    """all-MiniLM-L6-v2's sentence-transformers files: Transformer, mean Pooling, Normalize."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
               "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
               "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True}
    os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
    files = {"modules.json": modules, "1_Pooling/config.json": pooling,
             "sentence_bert_config.json": {"max_seq_length": max_seq_length, "do_lower_case": False},
             "config_sentence_transformers.json": {"similarity_fn_name": "cosine"}}
    for name, value in files.items():
        with open(os.path.join(folder, name), "w") as f:
            json.dump(value, f, indent=2)


class XlmrWrapper(torch.nn.Module):
    """Position and token-type ids as XLM-R computes them by default (cumsum of the non-pad mask, offset by
    the padding index; zeros), but in int32: the default export does this in int64 (Equal, Add, GatherElements
    on int64), which onnxruntime-web's WebGPU EP leaves on the CPU, and graph capture needs every node on the
    GPU. Same function, same scores."""

    def __init__(self, model):
        super().__init__()
        self.m = model
        self.pad = model.config.pad_token_id

    def forward(self, input_ids, attention_mask):
        ids = input_ids.to(torch.int32)
        not_pad = (ids != self.pad).to(torch.int32)
        position_ids = torch.cumsum(not_pad, dim=1, dtype=torch.int32) * not_pad + self.pad
        token_type_ids = ids * 0
        return self.m(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                      token_type_ids=token_type_ids).logits


class LogitsWrapper(torch.nn.Module):
    """input_ids, attention_mask -> logits, as the Hub's ModernBERT exports take them."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask).logits


def special_ids(sources):
    """pad / cls / sep (and bos / eos = cls / sep) ids of the fixture tokenizer the model is paired with."""
    source = next(s for s in sources if os.path.exists(os.path.join(FIXTURES, s, "tokenizer.json")))
    with open(os.path.join(FIXTURES, source, "tokenizer.json")) as f:
        added = {t["content"]: t["id"] for t in json.load(f)["added_tokens"]}
    return dict(pad_token_id=added["[PAD]"], cls_token_id=added["[CLS]"], sep_token_id=added["[SEP]"],
                bos_token_id=added["[CLS]"], eos_token_id=added["[SEP]"])


def copy_tokenizer(sources, folder, max_length=512):
    source = next(s for s in sources if os.path.exists(os.path.join(FIXTURES, s, "tokenizer.json")))
    print(f"tokenizer from {os.path.normpath(os.path.join(FIXTURES, source))}", flush=True)
    for name in ("tokenizer.json", "special_tokens_map.json", "vocab.txt"):
        path = os.path.join(FIXTURES, source, name)
        if os.path.exists(path):
            shutil.copyfile(path, os.path.join(folder, name))
    with open(os.path.join(FIXTURES, source, "tokenizer_config.json")) as f:
        cfg = json.load(f)
    cfg["model_max_length"] = max_length
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def build(name, out, fused):
    spec = SHAPES[name]
    folder = os.path.join(out, name)
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    torch.manual_seed(0)
    output = "logits"
    if spec["kind"] == "bert-embedding":
        config = BertConfig(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **spec["config"])
        config._attn_implementation = "eager"
        model = BertModel(config, add_pooling_layer=False).eval()
        wrapper = BertEmbeddingWrapper(model).eval()
        names = ["input_ids", "attention_mask", "token_type_ids"]
        output = "last_hidden_state"
        write_sentence_transformers(folder, spec["config"]["hidden_size"], 256)
    elif spec["kind"] == "bert":
        config = BertConfig(num_labels=1, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **spec["config"])
        config._attn_implementation = spec.get("attention", "eager")
        model = BertForSequenceClassification(config).eval()
        wrapper = BertWrapper(model).eval()
        names = ["input_ids", "attention_mask", "token_type_ids"]
    elif spec["kind"] == "modernbert":
        specials = special_ids(spec["tokenizer"])
        config = ModernBertConfig(num_labels=1, attn_implementation="eager", **specials, **spec["config"])
        model = ModernBertForSequenceClassification(config).eval()
        wrapper = LogitsWrapper(model).eval()
        names = ["input_ids", "attention_mask"]
    else:
        config = XLMRobertaConfig(num_labels=1, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **spec["config"])
        config._attn_implementation = "eager"
        model = XLMRobertaForSequenceClassification(config).eval()
        wrapper = XlmrWrapper(model).eval()
        names = ["input_ids", "attention_mask"]
    config.architectures = [type(model).__name__]
    config.save_pretrained(folder)
    copy_tokenizer(spec["tokenizer"], folder, min(512, spec["config"]["max_position_embeddings"]))

    gen = torch.Generator().manual_seed(7)
    ids = torch.randint(5, 1999, (2, 12), generator=gen, dtype=torch.long)
    mask = torch.ones(2, 12, dtype=torch.long)
    mask[0, 9:] = 0
    args = [ids, mask]
    if spec["kind"] in ("bert", "bert-embedding"):
        tt = torch.zeros(2, 12, dtype=torch.long)
        tt[:, 6:] = 1
        args.append(tt)
    axes = {0: "batch_size", 1: "sequence_length"}
    path = os.path.join(folder, "onnx", "model.onnx")
    start = time.time()
    with torch.no_grad():
        torch.onnx.export(
            wrapper, tuple(args), path,
            input_names=names, output_names=[output],
            dynamic_axes={**{n: axes for n in names}, output: axes if output == "last_hidden_state" else {0: "batch_size"}},
            opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )
    print(f"{name}: exported {os.path.getsize(path) / 1e6:.0f} MB in {time.time() - start:.1f} s", flush=True)
    if fused:
        fuse(path, os.path.join(folder, "onnx", "model_fused.onnx"), config)


def fuse(source, target, config):
    from onnxruntime.transformers.fusion_options import AttentionMaskFormat, FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False
    options.attention_mask_format = AttentionMaskFormat.AttentionMask
    options.enable_gelu_approximation = False
    model = optimize_model(
        source, model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size,
        optimization_options=options, opt_level=0, use_gpu=False,
    )
    model.save_model_to_file(target)
    ops = {}
    for node in onnx.load(target).graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    print(f"fused graph: {json.dumps(ops, sort_keys=True)}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench-models")
    parser.add_argument("--models", default="minilm-l6,xlmr-base")
    parser.add_argument("--fused", action="store_true")
    args = parser.parse_args()
    for name in args.models.split(","):
        build(name, args.out, args.fused)


if __name__ == "__main__":
    main()
