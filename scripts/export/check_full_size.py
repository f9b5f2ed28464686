#!/usr/bin/env python3
"""Checks export_reranker.py at the real models' size, with random weights (no checkpoint can be downloaded
where this project is tested). Weights do not change what the export must handle: graphs over 2 GB, external
data split into browser-sized files, quantization of billions of parameters.

    python3 scripts/export/check_full_size.py --preset bge-reranker-v2-gemma --dtypes fp32,q4 --out /tmp/full

Builds the model of the preset's real shape (bge-reranker-v2-gemma: Gemma-2B; lb-reranker: Qwen2.5-0.5B) with
the tiny fixture tokenizer (its ids are valid in the larger vocabulary), exports it, then scores a few prompts
with the full PyTorch model (the card's formula) and with native onnxruntime on every exported dtype, and
prints sizes, data files, times and differences.
"""

import argparse
import json
import math
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from transformers import GemmaConfig, GemmaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM  # noqa: E402

import checkpoint_files  # noqa: E402
import export_reranker as ex  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

SHAPES = {
    # google/gemma-2b, the base of bge-reranker-v2-gemma
    "bge-reranker-v2-gemma": (
        GemmaForCausalLM,
        GemmaConfig,
        dict(vocab_size=256000, hidden_size=2048, intermediate_size=16384, num_hidden_layers=18, num_attention_heads=8,
             num_key_value_heads=1, head_dim=256, max_position_embeddings=8192),
        "tiny-gemma-reranker",
    ),
    # Qwen/Qwen2.5-0.5B-Instruct, the base of lb-reranker-0.5B-v1.0
    "lb-reranker": (
        Qwen2ForCausalLM,
        Qwen2Config,
        dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
             num_key_value_heads=2, max_position_embeddings=32768, tie_word_embeddings=True),
        "tiny-qwen2-lb-reranker",
    ),
}

PROMPTS = [
    ("what does the giant panda eat?", "The giant panda's diet is 99% bamboo."),
    ("what does the giant panda eat?", "The stock market closed higher on Friday."),
    ("大熊猫吃什么？", "大熊猫主要以竹子为食。"),
]


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", required=True, choices=sorted(SHAPES))
    ap.add_argument("--dtypes", default="fp32,q4")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cls, config_cls, shape, tokenizer_fixture = SHAPES[args.preset]
    torch.manual_seed(0)
    t0 = time.time()
    tok_dir = os.path.join(ROOT, "fixtures", "models", tokenizer_fixture)
    specials = json.load(open(os.path.join(tok_dir, "special_tokens_map.json"), encoding="utf-8"))
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(tok_dir, "tokenizer.json"), **specials)
    cfg = json.load(open(os.path.join(tok_dir, "tokenizer_config.json"), encoding="utf-8"))
    template = checkpoint_files.separate_chat_template(tok_dir) or cfg.get("chat_template")
    if template is not None:
        tokenizer.chat_template = template
    config = config_cls(**shape, pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                        attn_implementation="eager", initializer_range=0.02)
    model = cls(config).eval()
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {args.preset} shape, {params / 1e9:.2f} B parameters, built in {time.time() - t0:.0f} s", flush=True)

    t0 = time.time()
    # The fixture folder stands in for the checkpoint's tokenizer files.
    manifest = ex.export_checkpoint(tok_dir, args.preset, args.out, args.dtypes.split(","), 1024, model=model)
    print(f"exported in {time.time() - t0:.0f} s; files:", flush=True)
    for f in sorted(os.listdir(os.path.join(args.out, "onnx"))):
        print(f"  {os.path.getsize(os.path.join(args.out, 'onnx', f)) / 1e6:10.1f} MB  onnx/{f}")
    config_json = json.load(open(os.path.join(args.out, "config.json"), encoding="utf-8"))
    print("transformers.js_config:", json.dumps(config_json.get("transformers.js_config")))

    # Prompts as the library builds them (the fixture scripts check those ids against the card's code).
    rows = []
    for query, passage in PROMPTS:
        if manifest["prompt"]["style"] == "chat":
            user = manifest["prompt"]["user_template"].replace("{query}", query).replace("{passage}", passage)
            messages = [{"role": "system", "content": manifest["prompt"]["system"]}, {"role": "user", "content": user}]
            text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            rows.append(tokenizer(text, add_special_tokens=False)["input_ids"])
        else:
            enc = lambda t: tokenizer(t, add_special_tokens=False)["input_ids"]  # noqa: E731
            rows.append([manifest["bos_token_id"]] + enc(f"A: {query}") + enc("\n") + enc(f"B: {passage}") + enc("\n") + enc(manifest["prompt"]["prompt"]))
    t0 = time.time()
    reference = []
    with torch.no_grad():
        for ids in rows:
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1].double()
            if manifest["head"] == "digit-expectation":
                probs = torch.softmax(logits, dim=-1)
                reference.append(float(sum((d + 1) * probs[t] for d, t in enumerate(manifest["scoring_token_ids"]))))
            else:
                reference.append(float(logits[manifest["scoring_token_ids"][0]]))
    print(f"PyTorch (card formula) in {time.time() - t0:.0f} s: {[round(x, 5) for x in reference]}", flush=True)

    suffix = {"fp32": "", "q8": "_quantized", "q4": "_q4", "q4f16": "_q4f16"}
    for dtype in args.dtypes.split(","):
        t0 = time.time()
        so = ort.SessionOptions()
        sess = ort.InferenceSession(os.path.join(args.out, "onnx", f"model{suffix[dtype]}.onnx"), so, providers=["CPUExecutionProvider"])
        got = []
        for ids in rows:
            out = sess.run(["scores"], {"input_ids": np.array([ids], np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)})[0][0]
            got.append(float(sum((d + 1) * math.exp(v) for d, v in enumerate(out))) if manifest["head"] == "digit-expectation" else float(out[0]))
        diff = max(abs(a - b) for a, b in zip(got, reference))
        print(f"onnxruntime {dtype}: {[round(x, 5) for x in got]}  max |diff| {diff:.2e}  ({time.time() - t0:.0f} s)", flush=True)
    print(f"folder: {folder_bytes(args.out) / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
