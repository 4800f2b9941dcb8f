"""The bad-submission corpus: each case starts from the shipped example manifest and a copy of the
tiny demo checkpoint, breaks one thing, and names the file, field and message phrase of the problem
the intake must report. Used by tests/test_intake_corpus.py and scripts/bad_submissions_table.py.
"""

import json
import os
import shutil
import struct
from collections.abc import Callable
import dataclasses
from dataclasses import dataclass
from pathlib import Path

import yaml

from foundation.paths import REGISTRY_EXAMPLES_DIR
from registry.checkpoint import INDEX, Limits
from registry.uscc import check_character

# The shipped example's enterprise (owner of zh-tiny-tuned) and the base example's, a different one.
USCC = "91440106MA5D0K7A9M"
OTHER_USCC = "91440112MA9W3R2EX3"
MANIFEST = "submission.yaml"
CHECKPOINT = "checkpoint"
WEIGHTS = f"{CHECKPOINT}/model.safetensors"


@dataclass
class Submission:
    """A submission being built in `root`: the manifest document (or raw text) and the checkpoint copy."""

    root: Path
    manifest: dict
    text: str | None = None

    @property
    def checkpoint(self) -> Path:
        return self.root / CHECKPOINT

    def edit_json(self, name: str, edit: Callable[[dict], object]) -> None:
        path = self.checkpoint / name
        document = json.loads(path.read_text(encoding="utf-8"))
        edit(document)
        path.write_text(json.dumps(document), encoding="utf-8")

    def edit_header(self, edit: Callable[[dict], object]) -> None:
        header, data = read_safetensors(self.checkpoint / "model.safetensors")
        edit(header)
        write_safetensors(self.checkpoint / "model.safetensors", json.dumps(header).encode(), data)


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # relative to the submission's root
    field: str
    phrase: str  # part of the expected problem's message
    breaks: Callable[[Submission], object]
    limits: Limits = dataclasses.field(default_factory=Limits)  # the class's own `field` shadows dataclasses.field here


def read_safetensors(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + length]), raw[8 + length :]


def write_safetensors(path: Path, header: bytes, data: bytes) -> None:
    path.write_bytes(struct.pack("<Q", len(header)) + header + data)


def shard(checkpoint: Path) -> None:
    """Split the checkpoint's single safetensors file into two shards and an index, as save_pretrained would."""
    header, data = read_safetensors(checkpoint / "model.safetensors")
    names = sorted(n for n in header if n != "__metadata__")
    halves = {"model-00001-of-00002.safetensors": names[: len(names) // 2], "model-00002-of-00002.safetensors": names[len(names) // 2 :]}
    weight_map = {}
    for shard_name, members in halves.items():
        part, blob = {}, b""
        for name in members:
            begin, end = header[name]["data_offsets"]
            part[name] = header[name] | {"data_offsets": [len(blob), len(blob) + end - begin]}
            blob += data[begin:end]
            weight_map[name] = shard_name
        write_safetensors(checkpoint / shard_name, json.dumps(part).encode(), blob)
    (checkpoint / "model.safetensors").unlink()
    (checkpoint / INDEX).write_text(json.dumps({"metadata": {}, "weight_map": weight_map}), encoding="utf-8")


def build(case: Case | None, root: Path, demo_checkpoint: Path) -> Path:
    """Write the case's submission under `root` (the intact submission when `case` is None); return the manifest."""
    shutil.copytree(demo_checkpoint, root / CHECKPOINT)
    manifest = yaml.safe_load((REGISTRY_EXAMPLES_DIR / "submission.yaml").read_text(encoding="utf-8"))
    manifest["checkpoint"]["path"] = CHECKPOINT  # relative to the manifest, as an enterprise would write it
    submission = Submission(root, manifest)
    if case:
        case.breaks(submission)
    text = submission.text if submission.text is not None else yaml.safe_dump(submission.manifest, allow_unicode=True, sort_keys=False)
    (root / MANIFEST).write_text(text, encoding="utf-8")
    return root / MANIFEST


def _org_check_corrupted() -> str:
    """USCC whose outer check passes but whose embedded organisation code fails GB 11714."""
    wrong_org_check = "1" if USCC[16] != "1" else "2"
    first17 = USCC[:16] + wrong_org_check
    return first17 + check_character(first17)


def _set(*keys: str | int, value: object) -> Callable[[Submission], None]:
    def edit(s: Submission) -> None:
        target = s.manifest
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


def _drop(*keys: str) -> Callable[[Submission], None]:
    return lambda s: s.manifest[keys[0]].pop(keys[1])


def _text(text: str) -> Callable[[Submission], None]:
    return lambda s: setattr(s, "text", text)


def _write(name: str, content: bytes) -> Callable[[Submission], object]:
    return lambda s: (s.checkpoint / name).write_bytes(content)


def _remove(name: str) -> Callable[[Submission], None]:
    return lambda s: (s.checkpoint / name).unlink()


def _config(edit: Callable[[dict], object]) -> Callable[[Submission], None]:
    return lambda s: s.edit_json("config.json", edit)


def _header(edit: Callable[[dict], object]) -> Callable[[Submission], None]:
    return lambda s: s.edit_header(edit)


def _raw_header(header: bytes) -> Callable[[Submission], None]:
    def edit(s: Submission) -> None:
        path = s.checkpoint / "model.safetensors"
        old_header, data = read_safetensors(path)
        write_safetensors(path, header.ljust(len(json.dumps(old_header))), data)

    return edit


def _truncate(size: int) -> Callable[[Submission], None]:
    def edit(s: Submission) -> None:
        path = s.checkpoint / "model.safetensors"
        path.write_bytes(path.read_bytes()[:size])

    return edit


def _symlink_out(s: Submission) -> None:
    (s.root / "outside.json").write_text("{}", encoding="utf-8")
    (s.checkpoint / "special_tokens_map.json").symlink_to(s.root / "outside.json")


def _overlap(header: dict) -> None:
    header["model.layers.0.self_attn.o_proj.weight"]["data_offsets"] = header["model.layers.0.self_attn.k_proj.weight"]["data_offsets"]


def _index_with_missing_shard(s: Submission) -> None:
    header, _ = read_safetensors(s.checkpoint / "model.safetensors")
    weight_map = {name: "model.safetensors" for name in header if name != "__metadata__"}
    weight_map["lm_head.weight"] = "model-00002-of-00002.safetensors"
    (s.checkpoint / INDEX).write_text(json.dumps({"weight_map": weight_map}), encoding="utf-8")


PICKLE = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94."  # never unpickled: refused by name

CASES: tuple[Case, ...] = (
    # The manifest.
    Case("uscc-missing", MANIFEST, "enterprise.uscc", "Field required", _drop("enterprise", "uscc")),
    Case("uscc-length", MANIFEST, "enterprise.uscc", "is not 18 characters", _set("enterprise", "uscc", value=USCC[:17])),
    Case("uscc-letter-O", MANIFEST, "enterprise.uscc", "other than I, O, S, V, Z", _set("enterprise", "uscc", value=USCC[:9] + "O" + USCC[10:])),
    Case("uscc-check-character", MANIFEST, "enterprise.uscc", "check character (GB 32100-2015)", _set("enterprise", "uscc", value=USCC[:17] + "N")),
    Case("uscc-organisation-code", MANIFEST, "enterprise.uscc", "GB 11714", _set("enterprise", "uscc", value=_org_check_corrupted())),
    Case("district-outside-guangzhou", MANIFEST, "enterprise.district", "not a Guangzhou district", _set("enterprise", "district", value="Futian")),
    Case("contact-email", MANIFEST, "enterprise.contact.email", "is not an e-mail address", _set("enterprise", "contact", "email", value="eval-at-example.com")),
    Case("enterprise-name-empty", MANIFEST, "enterprise.name", "at least 1 character", _set("enterprise", "name", value=" ")),
    Case("model-name-characters", MANIFEST, "model.name", "is not a valid model name", _set("model", "name", value="zh tiny/tuned")),
    Case("sector-unknown", MANIFEST, "model.sectors", "unknown sector", _set("model", "sectors", value=["spaceflight"])),
    Case("sectors-empty", MANIFEST, "model.sectors", "at least 1 item", _set("model", "sectors", value=[])),
    Case("filing-kind", MANIFEST, "filings.0.kind", "'generative-ai', 'deep-synthesis' or 'other'", _set("filings", 0, "kind", value="algorithm")),
    Case("filing-date", MANIFEST, "filings.0.date", "valid date", _set("filings", 0, "date", value="30/06/2026")),
    Case("schema-version", MANIFEST, "schema_version", "not supported", _set("schema_version", value=2)),
    Case("unknown-field", MANIFEST, "model.licence", "Extra inputs are not permitted", _set("model", "licence", value="MIT")),
    Case("not-yaml", MANIFEST, "-", "not valid YAML", _text("model: [unclosed\n")),
    Case("not-a-mapping", MANIFEST, "-", "must be a mapping", _text("- a list\n- not a manifest\n")),
    Case("checkpoint-path-missing", MANIFEST, "checkpoint.path", "is not a directory", _set("checkpoint", "path", value="no-such-dir")),
    Case("name-of-another-enterprise", MANIFEST, "model.name", "registered by another enterprise", _set("enterprise", "uscc", value=OTHER_USCC)),
    # Untrusted content in the checkpoint.
    Case("pickle-weights", f"{CHECKPOINT}/pytorch_model.bin", "-", "pickle-format weights are refused", _write("pytorch_model.bin", PICKLE)),
    Case("config-auto-map", f"{CHECKPOINT}/config.json", "auto_map", "run its own code", _config(lambda c: c.update(auto_map={"AutoModelForCausalLM": "evil.Model"}))),
    Case("tokenizer-auto-map", f"{CHECKPOINT}/tokenizer_config.json", "auto_map", "run its own code", lambda s: s.edit_json("tokenizer_config.json", lambda t: t.update(auto_map={"AutoTokenizer": ["evil.Tok", None]}))),
    Case("python-file", f"{CHECKPOINT}/modeling_evil.py", "-", "run its own code", _write("modeling_evil.py", b"import os\n")),
    Case("symlink-out", f"{CHECKPOINT}/special_tokens_map.json", "-", "leaves the checkpoint directory", _symlink_out),
    Case("fifo", f"{CHECKPOINT}/pipe", "-", "not a regular file", lambda s: os.mkfifo(s.checkpoint / "pipe")),
    Case("too-many-files", CHECKPOINT, "--max-files", "exceed the limit of 3", lambda s: None, Limits(max_files=3)),
    Case("too-many-bytes", CHECKPOINT, "--max-bytes", "exceed the limit of 1000000 bytes", lambda s: None, Limits(max_bytes=1_000_000)),
    # config.json, tokenizer and weights.
    Case("config-missing", f"{CHECKPOINT}/config.json", "-", "missing", _remove("config.json")),
    Case("config-not-json", f"{CHECKPOINT}/config.json", "-", "not valid JSON", _write("config.json", b"{not json")),
    Case("config-no-architectures", f"{CHECKPOINT}/config.json", "architectures", "missing or not a list", _config(lambda c: c.pop("architectures"))),
    Case("config-bad-size", f"{CHECKPOINT}/config.json", "num_hidden_layers", "not a positive integer", _config(lambda c: c.update(num_hidden_layers="two"))),
    Case("vocab-vs-embedding", f"{CHECKPOINT}/config.json", "vocab_size", "do not match model.embed_tokens.weight", _config(lambda c: c.update(vocab_size=5000))),
    Case("untied-without-lm-head", f"{CHECKPOINT}/config.json", "tie_word_embeddings", "no lm_head", _config(lambda c: c.update(tie_word_embeddings=False))),
    Case("no-weights", CHECKPOINT, "weights", "no *.safetensors file", _remove("model.safetensors")),
    Case("no-tokenizer", CHECKPOINT, "tokenizer", "no tokenizer file", _remove("tokenizer.json")),
    # Malformed safetensors headers.
    Case("header-over-limit", WEIGHTS, "header", "exceeds the limit of 1024 bytes", lambda s: None, Limits(max_header_bytes=1024)),
    Case("header-truncated", WEIGHTS, "header", "runs past the end of the file", _truncate(1000)),
    Case("file-shorter-than-length", WEIGHTS, "header", "shorter than the 8-byte header length", _truncate(5)),
    Case("header-not-json", WEIGHTS, "header", "header is not JSON", _raw_header(b"\x80not json")),
    Case("header-not-object", WEIGHTS, "header", "not a JSON object", _raw_header(b"[1, 2, 3]")),
    Case("offsets-outside-file", WEIGHTS, "tensors.model.norm.weight", "outside the data section", _header(lambda h: h["model.norm.weight"].update(data_offsets=[3806208, 9999999]))),
    Case("overlapping-tensors", WEIGHTS, "tensors.model.layers.0.self_attn.o_proj.weight", "overlap", _header(_overlap)),
    Case("shape-vs-offsets", WEIGHTS, "tensors.model.norm.weight", "needs 516 bytes", _header(lambda h: h["model.norm.weight"].update(shape=[129]))),
    Case("unknown-dtype", WEIGHTS, "tensors.model.norm.weight", "unknown dtype 'F13'", _header(lambda h: h["model.norm.weight"].update(dtype="F13"))),
    # Sharded checkpoints.
    Case("index-names-missing-shard", f"{CHECKPOINT}/{INDEX}", "weight_map", "not in the checkpoint", _index_with_missing_shard),
    Case("shards-without-index", f"{CHECKPOINT}/{INDEX}", "-", "missing for 2 safetensors shards", lambda s: shutil.copy(s.checkpoint / "model.safetensors", s.checkpoint / "model-extra.safetensors")),
)
