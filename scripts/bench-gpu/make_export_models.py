#!/usr/bin/env python3
"""Random-weight models of real sizes written by the project's own export tool, for the browser GPU bench's
dtype and LLM runs (scripts/bench-gpu/run-browser.sh with MODELS_DIR; docs/benchmarks.md, GPU part).

  minilm-l6-xenc          BERT, ms-marco-MiniLM-L-6-v2's shape, `--preset cross-encoder` (fused, the default):
                          fp32, fp16, q4f16
  minilm-l6-xenc-unfused  the same weights, `--preset cross-encoder --no-fuse`: fp32, fp16
  xlmr-base-xenc          XLM-R, bge-reranker-base's shape, `--preset cross-encoder` (fused): fp32, fp16, q4f16
  modernbert-base-xenc    ModernBERT, gte-reranker-modernbert-base's shape, `--preset cross-encoder` (unfused: the
                          optimizer does not know its graph): fp32, fp16, q4f16; max_length 512 (the bench's lengths)
  qwen2-lb                Qwen2.5-0.5B's shape (lightblue/lb-reranker-0.5B-v1.0), `--preset lb-reranker`
  qwen3-reranker          Qwen3-Reranker-0.6B's shape, `--preset qwen3-reranker`
                          (LLMs: fp32, fp16, q4, q4f16; max_length 1024)

Each model is built in memory with transformers' default initialisation (fixed seed), its config.json and the
fixture tokenizer of the family (ids valid in the real vocabulary; model_max_length raised to the real model's)
are written to a checkpoint folder, and the export functions the command line calls write the Hub layout the
library loads. Only shapes matter for speed; the fp16 / q4f16 scores are compared with fp32 in the browser.

Usage: python3 scripts/bench-gpu/make_export_models.py --out DIR [--models a,b,...] [--dtypes fp32,q4,...]
"""

import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "scripts", "export"))

import torch  # noqa: E402

import checkpoint_files  # noqa: E402
import cross_encoder  # noqa: E402
import export_reranker  # noqa: E402

FIXTURES = os.path.join(ROOT, "fixtures")
LLM_DTYPES = ("fp32", "fp16", "q4", "q4f16")

BERT = dict(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536,
            max_position_embeddings=512, type_vocab_size=2, pad_token_id=0)
XLMR = dict(vocab_size=250002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
            max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
MODERNBERT = dict(vocab_size=50368, hidden_size=768, num_hidden_layers=22, num_attention_heads=12, intermediate_size=1152,
                  max_position_embeddings=8192, local_attention=128, global_attn_every_n_layers=3, classifier_pooling="mean")
QWEN2 = dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
             num_key_value_heads=2, max_position_embeddings=32768, tie_word_embeddings=True)
QWEN3 = dict(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28, num_attention_heads=16,
             num_key_value_heads=8, head_dim=128, max_position_embeddings=40960, tie_word_embeddings=True)

# name: (family, fixture tokenizer folders in order of preference, model_max_length, export)
MODELS = {
    "minilm-l6-xenc": ("bert", ("bench/ms-marco-minilm-l6-shape", "models/tiny-bert-reranker"), 512, ("xenc", True, ("fp32", "fp16", "q4f16"))),
    "minilm-l6-xenc-unfused": ("bert", ("bench/ms-marco-minilm-l6-shape", "models/tiny-bert-reranker"), 512, ("xenc", False, ("fp32", "fp16"))),
    "xlmr-base-xenc": ("xlmr", ("models/tiny-xlmr-reranker",), 512, ("xenc", True, ("fp32", "fp16", "q4f16"))),
    "modernbert-base-xenc": ("modernbert", ("models/tiny-modernbert-reranker",), 512, ("xenc", False, ("fp32", "fp16", "q4f16"))),
    "qwen2-lb": ("qwen2", ("models/tiny-qwen2-lb-reranker",), 32768, ("llm", "lb-reranker", LLM_DTYPES)),
    "qwen3-reranker": ("qwen3", ("models/tiny-qwen3-reranker",), 40960, ("llm", "qwen3-reranker", LLM_DTYPES)),
}


def build_model(family):
    import transformers as tf

    torch.manual_seed(0)
    if family == "bert":
        config = tf.BertConfig(num_labels=1, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **BERT)
        config._attn_implementation = "eager"
        return tf.BertForSequenceClassification(config).eval()
    if family == "xlmr":
        config = tf.XLMRobertaConfig(num_labels=1, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **XLMR)
        config._attn_implementation = "eager"
        return tf.XLMRobertaForSequenceClassification(config).eval()
    if family == "modernbert":
        with open(os.path.join(FIXTURES, "models", "tiny-modernbert-reranker", "config.json"), encoding="utf-8") as f:
            fixture = json.load(f)
        specials = {k: fixture[k] for k in ("pad_token_id", "cls_token_id", "sep_token_id", "bos_token_id", "eos_token_id")}
        config = tf.ModernBertConfig(num_labels=1, attn_implementation="eager", **specials, **MODERNBERT)
        return tf.ModernBertForSequenceClassification(config).eval()
    shape = QWEN2 if family == "qwen2" else QWEN3
    config_cls, model_cls = (tf.Qwen2Config, tf.Qwen2ForCausalLM) if family == "qwen2" else (tf.Qwen3Config, tf.Qwen3ForCausalLM)
    config = config_cls(**shape, attn_implementation="eager", initializer_range=0.02)
    return model_cls(config).eval()


def checkpoint_folder(name, family, sources, max_length, model, scratch):
    """config.json of the random model and the fixture tokenizer (model_max_length: the real model's)."""
    source = next(os.path.join(FIXTURES, s) for s in sources if os.path.exists(os.path.join(FIXTURES, s, "tokenizer.json")))
    folder = os.path.join(scratch, f"{name}-checkpoint")
    os.makedirs(folder, exist_ok=True)
    for f in checkpoint_files.TOKENIZER_FILES:
        if os.path.isfile(os.path.join(source, f)):
            shutil.copyfile(os.path.join(source, f), os.path.join(folder, f))
    with open(os.path.join(source, "tokenizer_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["model_max_length"] = max_length
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    if family in ("qwen2", "qwen3"):
        with open(os.path.join(source, "special_tokens_map.json"), encoding="utf-8") as f:
            specials = json.load(f)
        from transformers import PreTrainedTokenizerFast

        tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(source, "tokenizer.json"), **specials)
        model.config.pad_token_id = tok.pad_token_id
        model.config.bos_token_id = tok.bos_token_id
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(folder)
    print(f"{name}: tokenizer from {os.path.relpath(source, ROOT)}", flush=True)
    return folder


def make(name, out, scratch, only=None):
    family, sources, max_length, (kind, option, dtypes) = MODELS[name]
    if only:
        dtypes = tuple(d for d in dtypes if d in only)
    start = time.time()
    model = build_model(family)
    params = sum(p.numel() for p in model.parameters())
    folder = checkpoint_folder(name, family, sources, max_length, model, scratch)
    target = os.path.join(out, name)
    if kind == "xenc":
        with checkpoint_files.staged_export(target, folder) as staged:
            record = cross_encoder.export(model, folder, staged, dtypes, option, log=lambda m: print(f"{name}: {m}", flush=True))
        print(f"{name}: ops {json.dumps(record['ops'], sort_keys=True)}", flush=True)
    else:
        export_reranker.export_checkpoint(folder, option, target, dtypes, 1024, model=model)
    sizes = {f: round(os.path.getsize(os.path.join(target, "onnx", f)) / 1e6, 1) for f in sorted(os.listdir(os.path.join(target, "onnx")))}
    print(f"{name}: {params / 1e6:.0f} M parameters, exported in {time.time() - start:.0f} s; MB {json.dumps(sizes)}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--dtypes", default="", help="only these of each model's dtypes (comma-separated; default all)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    scratch = os.path.join(args.out, ".checkpoints")
    status = 0
    for name in args.models.split(","):
        try:
            make(name, args.out, scratch, [d for d in args.dtypes.split(",") if d])
        except Exception as error:  # one failed export must not cost the others
            print(f"{name}: FAILED {type(error).__name__}: {error}", flush=True)
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
