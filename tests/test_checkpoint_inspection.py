"""Checkpoint inspection without building the model: facts read from config.json and the safetensors
headers, sharded checkpoints, vLLM support, and the header parser under arbitrary bytes."""

import json
import shutil
import struct
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from intake_cases import shard

from registry import checkpoint as checkpoint_module
from registry.checkpoint import Inspection, inspect_checkpoint, read_safetensors_header, vllm_support


@pytest.fixture
def tuned_copy(demo_checkpoints, tmp_path: Path) -> Path:
    copy = tmp_path / "checkpoint"
    shutil.copytree(demo_checkpoints["zh-tiny-tuned"], copy)
    return copy


def test_the_demo_checkpoint_is_described_from_its_headers(demo_checkpoints) -> None:
    directory = demo_checkpoints["zh-tiny-tuned"]
    inspection = inspect_checkpoint(directory)
    built = json.loads((directory / "build-info.json").read_text(encoding="utf-8"))
    assert inspection == Inspection(
        architecture="Qwen2ForCausalLM",
        model_type="qwen2",
        sizes={
            "vocab_size": 4096,
            "hidden_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "intermediate_size": 384,
            "max_position_embeddings": 1024,
        },
        parameters=built["parameters"],
        dtypes={"F32": built["parameters"]},
        weight_files=("model.safetensors",),
        tokenizer_files=("tokenizer.json",),
        chat_template=True,
        custom_code=(),
        vllm_supported="yes",
        notes=(),
    )


def test_a_sharded_copy_has_the_same_parameters(demo_checkpoints, tuned_copy: Path) -> None:
    shard(tuned_copy)
    inspection = inspect_checkpoint(tuned_copy)
    assert inspection.weight_files == ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
    assert inspection.parameters == inspect_checkpoint(demo_checkpoints["zh-tiny-tuned"]).parameters


def test_a_symlink_that_stays_inside_is_accepted(tuned_copy: Path) -> None:
    (tuned_copy / "extra").mkdir()
    (tuned_copy / "extra" / "tokenizer.json").symlink_to(tuned_copy / "tokenizer.json")
    assert inspect_checkpoint(tuned_copy).architecture == "Qwen2ForCausalLM"


def test_custom_code_allowed_is_listed(tuned_copy: Path) -> None:
    (tuned_copy / "modeling_custom.py").write_text("# custom code\n", encoding="utf-8")
    assert inspect_checkpoint(tuned_copy, allow_custom_code=True).custom_code == ("modeling_custom.py",)


def test_an_architecture_vllm_lacks_is_accepted_with_a_note(tuned_copy: Path) -> None:
    config = json.loads((tuned_copy / "config.json").read_text(encoding="utf-8"))
    (tuned_copy / "config.json").write_text(json.dumps(config | {"architectures": ["MadeUpForCausalLM"]}), encoding="utf-8")
    inspection = inspect_checkpoint(tuned_copy)
    assert inspection.vllm_supported == "no" and "--engine hf" in inspection.notes[0]


def test_vllm_support_is_unknown_when_vllm_cannot_be_imported(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm.model_executor.models", None)  # makes the import raise ImportError
    checkpoint_module._vllm_architectures.cache_clear()
    try:
        supported, note = vllm_support(["Qwen2ForCausalLM"])
    finally:
        checkpoint_module._vllm_architectures.cache_clear()
    assert supported == "unknown" and note and "not importable" in note


def test_the_header_parser_reads_the_demo_weights(demo_checkpoints) -> None:
    tensors, problems = read_safetensors_header(demo_checkpoints["zh-tiny-tuned"] / "model.safetensors", 10**6)
    assert not problems and len(tensors) == 26
    embedding = next(t for t in tensors if t.name == "model.embed_tokens.weight")
    assert (embedding.dtype, embedding.shape, embedding.begin) == ("F32", (4096, 128), 0)


header_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8) | st.sampled_from(["F32", "BF16", "F4", "data_offsets", "shape", "dtype"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["dtype", "shape", "data_offsets", "__metadata__", "w"]), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(header=st.dictionaries(st.text(max_size=6), header_values, max_size=5), data=st.binary(max_size=64), declared=st.none() | st.integers(0, 2**64 - 1))
def test_the_header_parser_never_raises(header: dict, data: bytes, declared: int | None) -> None:
    """Arbitrary headers, data and declared lengths: a list of problems, never an exception."""
    encoded = json.dumps(header).encode()
    length = len(encoded) if declared is None else declared
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.safetensors"
        path.write_bytes(struct.pack("<Q", length) + encoded + data)
        tensors, problems = read_safetensors_header(path, 10**6)
    assert all(p.field and p.fix for p in problems)
    assert all(0 <= t.begin <= t.end <= len(data) + len(encoded) for t in tensors)
