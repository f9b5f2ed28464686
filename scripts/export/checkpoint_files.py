"""What the export tool reads from and writes beside a checkpoint folder, with the standard library only (so
its tests run anywhere, without torch or onnx): the tokenizer files copied byte for byte, the special tokens
and chat template the checkpoint declares, and an output folder that is safe to replace.

Why copy instead of re-saving: under transformers 5, `AutoTokenizer.from_pretrained(...).save_pretrained(...)`
rebuilds a tokenizer from its class's canonical pipeline instead of the checkpoint's own `tokenizer.json`
(a byte-level BPE with GPT-2 number grouping came out as Qwen2's digit-by-digit split plus an NFC normalizer),
so the exported model tokenized differently from the checkpoint it was made from.
"""

import contextlib
import json
import os
import shutil
import tempfile

# Every file a Hugging Face tokenizer may be made of. tokenizer.json is the one transformers.js runs; the
# others travel with it unchanged so the exported folder stays a faithful copy of the checkpoint's tokenizer.
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
    "vocab.json",
    "merges.txt",
    "vocab.txt",
    "tokenizer.model",
    "sentencepiece.bpe.model",
    "spiece.model",
)

# The key in config.json under which the export tool writes its manifest (see src/engine/reranker-manifest.ts).
MANIFEST_KEY = "webgpu_reranker"
# The same for an embedding export (export_embedding.py; see src/engine/embedding-manifest.ts).
EMBEDDER_MANIFEST_KEY = "webgpu_embedder"
# The key under which the cross-encoder preset records its export (a plain cross-encoder needs no manifest).
EXPORT_RECORD_KEY = "webgpu_reranker_export"


class ExportError(SystemExit):
    """A refusal with a message that says what to do; exits the command line with status 1."""

    def __init__(self, message):
        super().__init__(f"export_reranker: {message}")


def require_tokenizer_json(checkpoint):
    """transformers.js needs `tokenizer.json`: a checkpoint without one (slow SentencePiece-only tokenizers) is
    refused rather than converted here, since a conversion is exactly the kind of rebuild that can change ids."""
    if not os.path.isfile(os.path.join(checkpoint, "tokenizer.json")):
        raise ExportError(
            f"{checkpoint} has no tokenizer.json, which the browser tokenizer (transformers.js) needs. Use a "
            "checkpoint revision that ships one (most Hub models do), or convert its tokenizer yourself and check "
            "the ids against the original before exporting."
        )


def copy_tokenizer_files(checkpoint, out):
    """Copies the checkpoint's tokenizer files into `out` byte for byte; returns the names copied."""
    require_tokenizer_json(checkpoint)
    copied = []
    for name in TOKENIZER_FILES:
        source = os.path.join(checkpoint, name)
        if os.path.isfile(source):
            shutil.copyfile(source, os.path.join(out, name))
            copied.append(name)
    return copied


def read_json(path, default=None):
    if not os.path.isfile(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tokenizer_settings(checkpoint):
    """tokenizer_config.json with special_tokens_map.json's entries where the config lacks them."""
    config = dict(read_json(os.path.join(checkpoint, "tokenizer_config.json"), {}) or {})
    for key, value in (read_json(os.path.join(checkpoint, "special_tokens_map.json"), {}) or {}).items():
        config.setdefault(key, value)
    return config


def special_token(settings, name):
    """The text of a special token (`bos_token`, `pad_token`, ...) as the config files give it, or None.
    The files write it either as a string or as an AddedToken object with a `content` field."""
    value = settings.get(name)
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def separate_chat_template(checkpoint):
    """The chat template a checkpoint keeps outside tokenizer_config.json (`chat_template.jinja`, or the older
    `chat_template.json`), or None. Python's tokenizers load it from there, and it takes precedence over
    a template inside tokenizer_config.json; transformers.js reads only the latter, so the export puts the
    file's template in the manifest for the library to pass on."""
    jinja = os.path.join(checkpoint, "chat_template.jinja")
    if os.path.isfile(jinja):
        with open(jinja, encoding="utf-8") as f:
            return f.read()
    data = read_json(os.path.join(checkpoint, "chat_template.json"))
    if isinstance(data, dict) and isinstance(data.get("chat_template"), str):
        return data["chat_template"]
    return None


def is_earlier_export(folder):
    """Whether `folder` holds a config.json with this tool's manifest (a reranker's or an embedder's) or the
    cross-encoder preset's record."""
    config = os.path.join(folder, "config.json")
    try:
        saved = read_json(config, {}) or {}
        return MANIFEST_KEY in saved or EMBEDDER_MANIFEST_KEY in saved or EXPORT_RECORD_KEY in saved
    except (OSError, ValueError):
        return False


def _inside(path, folder):
    """`path` is `folder` or somewhere below it (both already resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_out_folder(out, checkpoint, cwd=None, home=None):
    """Refuses an `--out` that replacing would destroy something else; returns the resolved path.

    Refused: the file system root, the home folder, the working folder or any folder above it, a folder that is
    or contains the checkpoint, the root of a git work tree (a `.git` in it), an existing file,
    and any non-empty folder that is not an earlier export of this tool."""
    target = os.path.realpath(out)
    source = os.path.realpath(checkpoint)
    cwd = os.path.realpath(cwd or os.getcwd())
    home = os.path.realpath(home or os.path.expanduser("~"))
    if target == os.path.realpath(os.sep):
        raise ExportError(f"--out {out} is the file system root; give a new or empty folder for the export.")
    if target == home:
        raise ExportError(f"--out {out} is your home folder; give a new or empty folder for the export.")
    if _inside(cwd, target):
        raise ExportError(f"--out {out} is the working folder or one above it; give a new or empty folder for the export.")
    if _inside(source, target):
        raise ExportError(f"--out {out} is or contains the checkpoint {checkpoint}; write the export somewhere else.")
    if os.path.exists(os.path.join(target, ".git")):
        raise ExportError(f"--out {out} is the root of a git work tree; give a new or empty folder for the export.")
    if os.path.exists(target) and not os.path.isdir(target):
        raise ExportError(f"--out {out} is a file; give a new or empty folder for the export.")
    if os.path.isdir(target) and os.listdir(target) and not is_earlier_export(target):
        raise ExportError(
            f"--out {out} is not empty and holds no earlier export of this tool (no config.json with a "
            f"'{MANIFEST_KEY}' manifest); give a new or empty folder, or remove it yourself."
        )
    return target


def staging_folder(target):
    """A new empty folder beside `target` to write the export into; `replace_with` moves it in place."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.partial-", dir=parent)


def replace_with(staged, target):
    """Puts the finished export at `target`: the earlier export (if any) is moved aside first and removed only
    once the new one is in place, so a failure at any point leaves one complete export there."""
    old = None
    if os.path.isdir(target):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old-", dir=os.path.dirname(target))
        os.rmdir(old)
        os.rename(target, old)
    try:
        os.rename(staged, target)
    except OSError:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old)


@contextlib.contextmanager
def staged_export(out, checkpoint):
    """Checks `out` (check_out_folder), yields a staging folder beside it to write the export into, and puts
    that folder in place of `out` when the block ends normally. If the block raises, the staging folder is
    removed and `out` is left as it was."""
    target = check_out_folder(out, checkpoint)
    staged = staging_folder(target)
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    replace_with(staged, target)
