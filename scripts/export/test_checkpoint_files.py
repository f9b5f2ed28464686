"""Tests of checkpoint_files.py (standard library only; `npm test` runs them through `npm run test:export`)."""

import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checkpoint_files as cf  # noqa: E402


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class TempCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = os.path.realpath(self._tmp.name)
        self.checkpoint = os.path.join(self.root, "checkpoint")
        write(os.path.join(self.checkpoint, "config.json"), "{}")
        # Run from a folder of its own, so the working-folder rule does not hide the others.
        self.cwd = os.path.join(self.root, "work")
        os.makedirs(self.cwd)
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)

    def tearDown(self):
        self._tmp.cleanup()

    def check(self, out):
        return cf.check_out_folder(out, self.checkpoint, cwd=self.cwd, home=self.home)


class OutFolderTest(TempCase):
    def test_refuses_places_that_replacing_would_destroy(self):
        refused = {
            "root": os.sep,
            "home": self.home,
            "working folder": self.cwd,
            "above the working folder": self.root,
            "the checkpoint": self.checkpoint,
        }
        for what, out in refused.items():
            with self.subTest(what):
                with self.assertRaises(cf.ExportError):
                    self.check(out)

    def test_refuses_a_git_root_a_file_and_a_foreign_non_empty_folder(self):
        repo = os.path.join(self.root, "repo")
        os.makedirs(os.path.join(repo, ".git"))
        file_path = os.path.join(self.root, "a-file")
        write(file_path, "x")
        foreign = os.path.join(self.root, "photos")
        write(os.path.join(foreign, "cat.jpg"), "meow")
        for out in (repo, file_path, foreign):
            with self.subTest(out):
                with self.assertRaises(cf.ExportError):
                    self.check(out)
        self.assertTrue(os.path.exists(os.path.join(foreign, "cat.jpg")))

    def test_refuses_a_link_that_resolves_to_the_checkpoint(self):
        link = os.path.join(self.root, "link")
        os.symlink(self.checkpoint, link)
        with self.assertRaises(cf.ExportError):
            self.check(link)

    def test_accepts_new_empty_and_earlier_export_folders(self):
        empty = os.path.join(self.root, "empty")
        os.makedirs(empty)
        earlier = os.path.join(self.root, "earlier")
        write(os.path.join(earlier, "config.json"), json.dumps({cf.MANIFEST_KEY: {"format": 1}}))
        for out in (os.path.join(self.root, "new"), empty, earlier):
            with self.subTest(out):
                self.assertEqual(self.check(out), os.path.realpath(out))
        # A folder inside the checkpoint is not the checkpoint: allowed.
        self.assertTrue(self.check(os.path.join(self.checkpoint, "onnx-export")))

    def test_replace_keeps_the_old_export_until_the_new_one_is_in_place(self):
        target = os.path.join(self.root, "export")
        write(os.path.join(target, "config.json"), json.dumps({cf.MANIFEST_KEY: {"v": "old"}}))
        staged = cf.staging_folder(target)
        self.assertEqual(os.path.dirname(staged), self.root)
        write(os.path.join(staged, "config.json"), json.dumps({cf.MANIFEST_KEY: {"v": "new"}}))
        cf.replace_with(staged, target)
        self.assertEqual(cf.read_json(os.path.join(target, "config.json"))[cf.MANIFEST_KEY]["v"], "new")
        self.assertEqual(sorted(os.listdir(self.root)), sorted(["checkpoint", "work", "home", "export"]))

    def test_a_failed_export_leaves_the_earlier_one_intact(self):
        target = os.path.join(self.root, "export")
        write(os.path.join(target, "config.json"), json.dumps({cf.MANIFEST_KEY: {"v": "old"}}))
        os.chdir(self.cwd)
        try:
            with self.assertRaises(RuntimeError):
                with cf.staged_export(target, self.checkpoint) as staged:
                    write(os.path.join(staged, "onnx", "model.onnx"), "half written")
                    raise RuntimeError("the exporter failed")
            self.assertEqual(cf.read_json(os.path.join(target, "config.json"))[cf.MANIFEST_KEY]["v"], "old")
            self.assertEqual(sorted(os.listdir(self.root)), sorted(["checkpoint", "work", "home", "export"]))
            with cf.staged_export(target, self.checkpoint) as staged:
                write(os.path.join(staged, "config.json"), json.dumps({cf.MANIFEST_KEY: {"v": "new"}}))
            self.assertEqual(cf.read_json(os.path.join(target, "config.json"))[cf.MANIFEST_KEY]["v"], "new")
        finally:
            os.chdir(self.root)


class TokenizerFilesTest(TempCase):
    def test_copies_every_tokenizer_file_byte_for_byte(self):
        files = {
            "tokenizer.json": '{"model": {"type": "BPE"}, "normalizer": null}\n',
            "tokenizer_config.json": '{"tokenizer_class": "TokenizersBackend",  "odd spacing": true}',
            "special_tokens_map.json": '{"bos_token": {"content": "<s>", "lstrip": false}}',
            "chat_template.jinja": "{% for m in messages %}{{ m['content'] }}\r\n{% endfor %}",
            "merges.txt": "#version: 0.2\nh e\n",
        }
        for name, text in files.items():
            write(os.path.join(self.checkpoint, name), text)
        write(os.path.join(self.checkpoint, "model.safetensors"), "weights")
        out = os.path.join(self.root, "out")
        os.makedirs(out)
        copied = cf.copy_tokenizer_files(self.checkpoint, out)
        self.assertEqual(sorted(copied), sorted(files))
        for name in files:
            with open(os.path.join(self.checkpoint, name), "rb") as a, open(os.path.join(out, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        self.assertFalse(os.path.exists(os.path.join(out, "model.safetensors")))

    def test_refuses_a_checkpoint_without_tokenizer_json(self):
        write(os.path.join(self.checkpoint, "tokenizer.model"), "sentencepiece")
        with self.assertRaises(cf.ExportError) as raised:
            cf.copy_tokenizer_files(self.checkpoint, self.root)
        self.assertIn("tokenizer.json", str(raised.exception))

    def test_reads_special_tokens_from_either_file_and_either_form(self):
        write(os.path.join(self.checkpoint, "tokenizer_config.json"), json.dumps({"pad_token": "<pad>", "bos_token": None}))
        write(
            os.path.join(self.checkpoint, "special_tokens_map.json"),
            json.dumps({"bos_token": {"content": "<bos>"}, "eos_token": {"content": "<eos>"}}),
        )
        settings = cf.tokenizer_settings(self.checkpoint)
        self.assertEqual(cf.special_token(settings, "pad_token"), "<pad>")
        self.assertEqual(cf.special_token(settings, "eos_token"), "<eos>")
        # tokenizer_config.json's own entry wins, even when it says there is none.
        self.assertIsNone(cf.special_token(settings, "bos_token"))
        self.assertIsNone(cf.special_token(settings, "unk_token"))

    def test_finds_a_chat_template_kept_outside_tokenizer_config(self):
        self.assertIsNone(cf.separate_chat_template(self.checkpoint))
        write(os.path.join(self.checkpoint, "chat_template.json"), json.dumps({"chat_template": "from json"}))
        self.assertEqual(cf.separate_chat_template(self.checkpoint), "from json")
        write(os.path.join(self.checkpoint, "chat_template.jinja"), "from jinja\n")
        self.assertEqual(cf.separate_chat_template(self.checkpoint), "from jinja\n")


if __name__ == "__main__":
    unittest.main()
