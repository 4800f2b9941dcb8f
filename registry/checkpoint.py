"""Checks on a submitted checkpoint directory, done without building the model.

Checkpoints come from outside and are untrusted: only safetensors weights are accepted (pickle
formats are refused and never opened), safetensors headers are parsed here with bounds on every
length and offset (the tensors themselves are never loaded), custom code is refused unless an
administrator allows it, nothing may point outside the directory, and the directory's size is
bounded. Every problem found is reported at once, each naming the file, the field and the fix.
"""

import json
import math
import struct
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

from foundation.errors import InputError, Problem
from registry.files import FIX_STILL, OpenedFile, open_entry, tree_entries
from registry.fingerprint import SIGNATURE_FILE

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
INDEX = "model.safetensors.index.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "vocab.txt")
CHAT_TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")
EMBEDDING_SUFFIXES = ("embed_tokens.weight", "wte.weight", "word_embeddings.weight")
LM_HEAD_SUFFIX = "lm_head.weight"
SIZE_KEYS = (
    "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
    "intermediate_size", "max_position_embeddings",
)  # fmt: skip

# Bits per element: sub-byte types (F4, F6) pack several elements into a byte.
DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F4": 4, "F6_E2M3": 6,
    "F6_E3M2": 6, "U16": 16, "I16": 16, "F16": 16, "BF16": 16, "U32": 32, "I32": 32, "F32": 32,
    "U64": 64, "I64": 64, "F64": 64, "C64": 64,
}  # fmt: skip

FIX_RESAVE = "re-save the weights with safetensors (save_pretrained(..., safe_serialization=True)); the file is damaged or was not written by safetensors"
FIX_CUSTOM_CODE = "submit an architecture that runs without custom code, or ask an administrator to submit with --allow-custom-code"


@dataclass(frozen=True)
class Limits:
    """Bounds on what the intake reads from an untrusted directory (CLI: --max-files, --max-bytes, --max-header-bytes)."""

    max_files: int = 10_000
    max_bytes: int = 400 * 10**9
    max_header_bytes: int = 100 * 10**6  # also bounds every JSON file the intake parses


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class Inspection:
    """What the intake learnt about a checkpoint; stored with the model version."""

    architecture: str
    model_type: str
    sizes: dict[str, int]
    parameters: int
    dtypes: dict[str, int]  # safetensors dtype -> parameter count
    weight_files: tuple[str, ...]
    tokenizer_files: tuple[str, ...]
    chat_template: bool
    custom_code: tuple[str, ...]  # what runs the checkpoint's own code; empty unless an administrator allowed it
    vllm_supported: str  # "yes", "no" or "unknown"
    notes: tuple[str, ...]


class FileSink(Protocol):
    """Where the intake hands each file while it is open (the checkpoint store at submission)."""

    def put(self, opened: OpenedFile) -> None:
        """Copy and hash the open file; InputError if it changed while being read."""
        ...


def inspect_checkpoint(
    directory: Path, *, limits: Limits = DEFAULT_LIMITS, allow_custom_code: bool = False, sink: FileSink | None = None
) -> Inspection:
    """Inspect an untrusted checkpoint directory; raise InputError with every problem found.

    Each file is opened once (registry/files.py: beneath the directory, no links followed, judged on
    the descriptor) and everything the inspection reads comes from that descriptor; a `sink` gets the
    same open file to copy and hash, so what is inspected is what is hashed is what is stored. A
    submission already refused by name (pickle files, custom code) is inspected without copying."""
    if not directory.is_dir():
        raise InputError([Problem(str(directory), "checkpoint.path", "no such directory", "point checkpoint.path at a Hugging Face-format checkpoint directory")])
    directory = directory.resolve()  # symlink targets are judged against the real directory
    entries = tree_entries(directory)
    # Links, special files and the size limits are judged before any file is opened.
    tree = _tree_problems(directory, entries, limits)
    if tree:
        raise InputError(tree)
    files = [p for p in entries if p.is_file()]
    problems = [
        Problem(str(p), "-", "pickle-format weights are refused (loading them can run arbitrary code)", "convert the weights to safetensors and remove this file")
        for p in files
        if p.suffix.lower() in PICKLE_SUFFIXES
    ]
    if problems or (not allow_custom_code and any(p.suffix.lower() == ".py" for p in files)):
        sink = None
    documents, tensors = _read_files(directory, files, limits, problems, sink)
    config, tokenizer_config = documents.get("config.json", {}), documents.get("tokenizer_config.json", {})
    custom_code = _custom_code(directory, files, config, tokenizer_config)
    if custom_code and not allow_custom_code:
        problems += [Problem(file, field, "the checkpoint asks to run its own code", FIX_CUSTOM_CODE) for file, field in custom_code]
    problems += _config_problems(directory / "config.json", config)
    top_level = {p: ts for p, ts in tensors.items() if p.parent == directory}
    if not top_level:
        problems.append(Problem(str(directory), "weights", "no *.safetensors file", "save the model with save_pretrained(..., safe_serialization=True)"))
    problems += _shard_problems(directory, top_level, documents.get(INDEX))
    problems += _shape_problems(directory / "config.json", config, top_level)
    names = {p.relative_to(directory).as_posix() for p in files}
    tokenizer_files = tuple(name for name in TOKENIZER_FILES if name in names)
    if not tokenizer_files:
        problems.append(Problem(str(directory), "tokenizer", f"no tokenizer file (one of {', '.join(TOKENIZER_FILES)})", "save the tokenizer beside the weights (tokenizer.save_pretrained)"))
    problems += _listing_changes(directory, entries)
    if problems:
        raise InputError(problems)
    chat_template = any(n in names for n in CHAT_TEMPLATE_FILES) or "chat_template" in tokenizer_config
    return _summary(directory, config, top_level, tokenizer_files, custom_code, chat_template)


JSON_FILES = ("config.json", "tokenizer_config.json", INDEX)  # top-level files the intake parses


def _read_files(
    directory: Path, files: list[Path], limits: Limits, problems: list[Problem], sink: FileSink | None
) -> tuple[dict[str, dict[str, Any]], dict[Path, list[Tensor]]]:
    """Open each file once: parse the JSON files and safetensors headers the checks need, hand the
    open file to `sink`. Returns the parsed JSON documents (by name) and tensor tables (by path)."""
    documents: dict[str, dict[str, Any]] = {}
    tensors: dict[Path, list[Tensor]] = {}
    total = 0
    for path in files:
        try:
            with open_entry(directory, path) as opened:
                total += opened.size
                if total > limits.max_bytes:
                    raise InputError([Problem(str(directory), "--max-bytes", f"files grew past the limit of {limits.max_bytes} bytes while read", FIX_STILL)])
                if opened.name in JSON_FILES:
                    documents[opened.name] = _parse_json(opened, limits, problems)
                elif path.suffix == ".safetensors":
                    tensors[path], found = header_from(opened, limits.max_header_bytes)
                    problems += found
                if sink is not None and opened.name != SIGNATURE_FILE:  # about the weights, not part of them
                    sink.put(opened)
        except InputError as e:
            problems += e.problems
    if directory / "config.json" not in files:
        problems.append(Problem(str(directory / "config.json"), "-", "missing", "save the model with save_pretrained()"))
    return documents, tensors


def _listing_changes(directory: Path, listed: list[Path]) -> list[Problem]:
    """Entries that appeared or vanished while the files were read: never registered uninspected."""
    now = set(tree_entries(directory))
    appeared = [Problem(str(p), "-", "appeared after the checkpoint was listed, so it was not inspected", FIX_STILL) for p in sorted(now - set(listed))]
    return appeared + [Problem(str(p), "-", "vanished while the checkpoint was read", FIX_STILL) for p in sorted(set(listed) - now)]


def _tree_problems(directory: Path, entries: list[Path], limits: Limits) -> list[Problem]:
    problems = [problem for entry in entries if (problem := _entry_problem(directory, entry))]
    files = [p for p in entries if p.is_file()]
    if len(files) > limits.max_files:
        problems.append(
            Problem(str(directory), "--max-files", f"{len(files)} files exceed the limit of {limits.max_files}", "remove files that are not part of the model, or ask an administrator to raise --max-files")
        )
    total = sum(p.stat().st_size for p in files)
    if total > limits.max_bytes:
        problems.append(
            Problem(str(directory), "--max-bytes", f"{total} bytes exceed the limit of {limits.max_bytes} bytes", "remove files that are not part of the model, or ask an administrator to raise --max-bytes")
        )
    return problems


def _entry_problem(directory: Path, entry: Path) -> Problem | None:
    if entry.is_symlink():
        try:
            target = entry.resolve()
        except RuntimeError:  # a symlink loop, on Python 3.11
            return Problem(str(entry), "-", "symlink loop", "replace the link by the file it was meant to point at")
        if not target.is_relative_to(directory):
            return Problem(str(entry), "-", f"symlink to {target} leaves the checkpoint directory", "replace the link by a copy of the file (cp -L) inside the checkpoint")
        if not target.exists():
            return Problem(str(entry), "-", "broken symlink", "remove the link or copy the file it was meant to point at")
        if target.is_dir():
            return Problem(str(entry), "-", "symlink to a directory", "replace the link by the directory's files")
    elif not entry.is_file():
        return Problem(str(entry), "-", "not a regular file (a FIFO, socket or device)", "remove it from the checkpoint")
    return None


def _parse_json(opened: OpenedFile, limits: Limits, problems: list[Problem]) -> dict[str, Any]:
    """A JSON object from the open file, or {} with the problem recorded."""
    path = opened.path
    if opened.size > limits.max_header_bytes:
        problems.append(Problem(str(path), "-", f"larger than the limit of {limits.max_header_bytes} bytes for a JSON file", "re-save it, or ask an administrator to raise --max-header-bytes"))
        return {}
    try:
        document = json.loads(opened.read_prefix(opened.size))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        problems.append(Problem(str(path), "-", f"not valid JSON ({e})", f"re-save {path.name} with save_pretrained()"))
        return {}
    if not isinstance(document, dict):
        problems.append(Problem(str(path), "-", "not a JSON object", f"re-save {path.name} with save_pretrained()"))
        return {}
    return document


def _custom_code(directory: Path, files: list[Path], config: dict[str, Any], tokenizer_config: dict[str, Any]) -> list[tuple[str, str]]:
    """(file, field) of everything that would make transformers or vLLM run the checkpoint's own code."""
    found = [(str(directory / name), "auto_map") for name, doc in (("config.json", config), ("tokenizer_config.json", tokenizer_config)) if "auto_map" in doc]
    found += [(str(p), "-") for p in files if p.suffix.lower() == ".py"]
    return found


def _config_problems(path: Path, config: dict[str, Any]) -> list[Problem]:
    if not config:
        return []
    problems = []
    architectures = config.get("architectures")
    if not (isinstance(architectures, list) and architectures and all(isinstance(a, str) for a in architectures)):
        problems.append(Problem(str(path), "architectures", "missing or not a list of class names", "save the model with save_pretrained() from its *ForCausalLM class"))
    if not isinstance(config.get("model_type"), str):
        problems.append(Problem(str(path), "model_type", "missing or not a string", "save the model with save_pretrained()"))
    sizes = _sizes_source(config)
    problems += [
        Problem(str(path), key, f"{sizes[key]!r} is not a positive integer", "re-save config.json with save_pretrained()")
        for key in SIZE_KEYS
        if key in sizes and not _positive_int(sizes[key])
    ]
    return problems


def _sizes_source(config: dict[str, Any]) -> dict[str, Any]:
    # Multimodal configs keep the language model's sizes under text_config.
    text = config.get("text_config")
    return text if "vocab_size" not in config and isinstance(text, dict) else config


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def read_safetensors_header(path: Path, max_header_bytes: int) -> tuple[list[Tensor], list[Problem]]:
    """The tensor table of a safetensors file, opened without following links (header_from)."""
    path = Path(path).absolute()
    with open_entry(path.parent, path) as opened:
        return header_from(opened, max_header_bytes)


def header_from(opened: OpenedFile, max_header_bytes: int) -> tuple[list[Tensor], list[Problem]]:
    """The tensor table of an open safetensors file (8-byte little-endian length, then JSON), bounds-checked."""
    path, size = opened.path, opened.size
    prefix = opened.read_prefix(8)
    if len(prefix) < 8:
        return [], [Problem(str(path), "header", f"file of {size} bytes is shorter than the 8-byte header length", FIX_RESAVE)]
    (length,) = struct.unpack("<Q", prefix)
    if length > max_header_bytes:
        return [], [Problem(str(path), "header", f"header length {length} bytes exceeds the limit of {max_header_bytes} bytes", f"{FIX_RESAVE}; or ask an administrator to raise --max-header-bytes")]
    if length > size - 8:
        return [], [Problem(str(path), "header", f"header length {length} bytes runs past the end of the file ({size} bytes): truncated", "copy the file again in full")]
    raw = opened.read_prefix(8 + length)[8:]
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        return [], [Problem(str(path), "header", f"header is not JSON ({e})", FIX_RESAVE)]
    if not isinstance(header, dict):
        return [], [Problem(str(path), "header", "header is not a JSON object", FIX_RESAVE)]
    data_size = size - 8 - length
    tensors, problems = [], []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        tensor, message = _tensor(name, entry, data_size)
        if message:
            problems.append(Problem(str(path), f"tensors.{name}", message, FIX_RESAVE))
        elif tensor:
            tensors.append(tensor)
    problems += [Problem(str(path), f"tensors.{b.name}", f"data_offsets overlap those of {a.name}", FIX_RESAVE) for a, b in _overlaps(tensors)]
    return tensors, problems


def _tensor(name: str, entry: object, data_size: int) -> tuple[Tensor | None, str | None]:
    """The tensor an entry of the header declares, or why the entry is malformed."""
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
        return None, "entry lacks dtype, shape or data_offsets"
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        return None, f"unknown dtype {dtype!r}"
    if not (isinstance(shape, list) and all(_natural(d) for d in shape)):
        return None, f"shape {shape!r} is not a list of non-negative integers"
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_natural(o) for o in offsets)):
        return None, f"data_offsets {offsets!r} are not two non-negative integers"
    begin, end = offsets
    if not begin <= end <= data_size:
        return None, f"data_offsets [{begin}, {end}] lie outside the data section ({data_size} bytes)"
    if math.prod(shape) * DTYPE_BITS[dtype] != (end - begin) * 8:
        return None, f"data_offsets hold {end - begin} bytes but shape {shape} of {dtype} needs {math.prod(shape) * DTYPE_BITS[dtype] / 8:g} bytes"
    return Tensor(name, dtype, tuple(shape), begin, end), None


def _natural(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _overlaps(tensors: list[Tensor]) -> list[tuple[Tensor, Tensor]]:
    """Pairs of neighbouring tensors whose byte ranges overlap (empty tensors take no bytes)."""
    ordered = sorted((t for t in tensors if t.end > t.begin), key=lambda t: (t.begin, t.end))
    return [(a, b) for a, b in pairwise(ordered) if b.begin < a.end]


def _shard_problems(directory: Path, shards: dict[Path, list[Tensor]], index: dict[str, Any] | None) -> list[Problem]:
    """A sharded checkpoint's index (`index`, parsed; None when absent) must list exactly the shards
    there and the tensors in each."""
    index_path = directory / INDEX
    problems: list[Problem] = []
    if index is None:
        if len(shards) > 1:
            problems.append(Problem(str(index_path), "-", f"missing for {len(shards)} safetensors shards", "save the model with save_pretrained(), which writes the index"))
        problems += _duplicate_problems(shards)
        return problems
    weight_map = index.get("weight_map")
    if not (isinstance(weight_map, dict) and all(isinstance(v, str) for v in weight_map.values())):
        return problems + [Problem(str(index_path), "weight_map", "missing or not a mapping of tensor names to shard files", "regenerate the index with save_pretrained()")]
    by_shard: dict[str, set[str]] = {}
    for tensor, shard in weight_map.items():
        by_shard.setdefault(shard, set()).add(tensor)
    present = {p.name: {t.name for t in ts} for p, ts in shards.items()}
    for shard, names in sorted(by_shard.items()):
        if shard not in present:
            problems.append(Problem(str(index_path), "weight_map", f"names shard {shard!r} (for {len(names)} tensor(s)), which is not in the checkpoint", "copy the missing shard, or regenerate the index"))
        elif missing := sorted(names - present[shard]):
            problems.append(Problem(str(index_path), "weight_map", f"assigns {len(missing)} tensor(s) to {shard} that it does not hold (e.g. {missing[0]})", "regenerate the index with save_pretrained()"))
    for shard, names in sorted(present.items()):
        if shard not in by_shard:
            problems.append(Problem(str(directory / shard), "-", f"shard not listed in {INDEX}", "remove the stray file, or regenerate the index"))
        elif unlisted := sorted(names - by_shard[shard]):
            problems.append(Problem(str(index_path), "weight_map", f"lacks {len(unlisted)} tensor(s) held by {shard} (e.g. {unlisted[0]})", "regenerate the index with save_pretrained()"))
    return problems


def _duplicate_problems(shards: dict[Path, list[Tensor]]) -> list[Problem]:
    """Tensors held by more than one shard, reported once per shard that repeats them."""
    seen: dict[str, Path] = {}
    problems = []
    for path, tensors in sorted(shards.items()):
        repeated = sorted(t.name for t in tensors if t.name in seen)
        if repeated:
            problems.append(Problem(str(path), f"tensors.{repeated[0]}", f"{len(repeated)} tensor(s) also held by {seen[repeated[0]].name}", "save the model with save_pretrained()"))
        seen |= {t.name: path for t in tensors if t.name not in seen}
    return problems


def _shape_problems(config_path: Path, config: dict[str, Any], shards: dict[Path, list[Tensor]]) -> list[Problem]:
    """The embedding and output layer must have the shapes config.json declares."""
    sizes = _sizes_source(config)
    vocab, hidden = sizes.get("vocab_size"), sizes.get("hidden_size")
    if not (_positive_int(vocab) and _positive_int(hidden)):
        return []
    tensors = [t for ts in shards.values() for t in ts]
    problems = [
        Problem(
            str(config_path),
            "vocab_size" if t.shape[:1] != (vocab,) else "hidden_size",
            f"vocab_size {vocab} and hidden_size {hidden} do not match {t.name}, of shape {list(t.shape)}",
            "save config.json and the weights together with save_pretrained()",
        )
        for t in tensors
        if t.name.endswith((*EMBEDDING_SUFFIXES, LM_HEAD_SUFFIX)) and t.shape != (vocab, hidden)
    ]
    if config.get("tie_word_embeddings") is False and not any(t.name.endswith(LM_HEAD_SUFFIX) for t in tensors):
        problems.append(Problem(str(config_path), "tie_word_embeddings", "is false but the weights hold no lm_head", "save the weights with save_pretrained(), or set tie_word_embeddings: true"))
    return problems


def _summary(
    directory: Path, config: dict[str, Any], shards: dict[Path, list[Tensor]], tokenizer_files: tuple[str, ...], custom_code: list[tuple[str, str]], chat_template: bool
) -> Inspection:
    tensors = [t for ts in shards.values() for t in ts]
    dtypes: dict[str, int] = {}
    for t in tensors:
        dtypes[t.dtype] = dtypes.get(t.dtype, 0) + math.prod(t.shape)
    architectures = config["architectures"]
    supported, vllm_note = vllm_support(architectures)
    notes = [n for n in (vllm_note, None if chat_template else "no chat template: prompts are sent as plain text") if n]
    if not any(t.name.endswith(EMBEDDING_SUFFIXES) for t in tensors):
        notes.append("no embedding tensor recognised by name: vocab_size was not checked against the weights")
    sizes = _sizes_source(config)
    return Inspection(
        architecture=",".join(architectures),
        model_type=config["model_type"],
        sizes={k: sizes[k] for k in SIZE_KEYS if k in sizes},
        parameters=sum(dtypes.values()),
        dtypes=dict(sorted(dtypes.items(), key=lambda kv: -kv[1])),
        weight_files=tuple(p.relative_to(directory).as_posix() for p in sorted(shards)),
        tokenizer_files=tokenizer_files,
        chat_template=chat_template,
        custom_code=tuple(Path(file).relative_to(directory).as_posix() + ("" if field == "-" else f":{field}") for file, field in custom_code),
        vllm_supported=supported,
        notes=tuple(notes),
    )


def vllm_support(architectures: list[str]) -> tuple[str, str | None]:
    """("yes" | "no" | "unknown", note): whether the installed vLLM implements one of the architectures."""
    known = _vllm_architectures()
    if isinstance(known, str):
        return "unknown", f"vLLM support not checked: {known}"
    if any(a in known for a in architectures):
        return "yes", None
    return "no", f"the installed vLLM does not implement {', '.join(architectures)}: evaluate with --engine hf"


@cache
def _vllm_architectures() -> frozenset[str] | str:
    """vLLM's registry of architectures, read without starting an engine; or why it could not be read."""
    try:
        # Imported here: vLLM (and torch behind it) takes seconds to import, and only an accepted checkpoint needs it.
        from vllm.model_executor.models import ModelRegistry
    except Exception as e:  # noqa: BLE001 -- a missing or broken vLLM must not stop an intake, only leave support unknown
        return f"vLLM is not importable ({type(e).__name__}: {e})"
    return frozenset(ModelRegistry.get_supported_archs())
