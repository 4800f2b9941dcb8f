"""Checks on a submitted checkpoint directory, done without building the model.

Checkpoints come from outside and are untrusted: only safetensors weights are accepted (pickle
formats are refused and never opened), and a config that asks for custom code is refused.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InputError, Problem

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")


@dataclass(frozen=True)
class CheckpointSummary:
    architecture: str
    model_type: str
    weight_files: int
    has_chat_template: bool


def inspect_checkpoint(directory: Path) -> CheckpointSummary:
    where = str(directory)
    if not directory.is_dir():
        raise InputError([Problem(where, "checkpoint.path", "no such directory", "point checkpoint.path at a Hugging Face-format checkpoint directory")])
    problems: list[Problem] = []
    config: dict = {}
    config_path = directory / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(config_path), "-", "missing", "save the model with save_pretrained()"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        problems.append(Problem(str(config_path), "-", f"not valid JSON ({e})", "re-save config.json"))
    if "auto_map" in config:
        problems.append(
            Problem(str(config_path), "auto_map", "the checkpoint asks to run its own code", "submit a checkpoint of an architecture supported without custom code")
        )
    for pickled in sorted(p for p in directory.rglob("*") if p.suffix in PICKLE_SUFFIXES):
        problems.append(Problem(str(pickled), "-", "pickle-format weights are refused (unsafe to load)", "convert the weights to safetensors"))
    weights = sorted(directory.rglob("*.safetensors"))
    if not weights:
        problems.append(Problem(where, "weights", "no *.safetensors file", "save the model with safe_serialization=True"))
    if not (directory / "tokenizer.json").exists() and not (directory / "tokenizer.model").exists():
        problems.append(Problem(where, "tokenizer", "no tokenizer.json or tokenizer.model", "save the tokenizer beside the weights"))
    if problems:
        raise InputError(problems)
    tokenizer_config = directory / "tokenizer_config.json"
    chat_template = (directory / "chat_template.jinja").exists() or (
        tokenizer_config.exists() and "chat_template" in json.loads(tokenizer_config.read_text(encoding="utf-8"))
    )
    return CheckpointSummary(
        architecture=",".join(config.get("architectures", [])) or "unknown",
        model_type=str(config.get("model_type", "unknown")),
        weight_files=len(weights),
        has_chat_template=chat_template,
    )
