"""scripts/perf/grown_checkpoint.py: the enlarged copy that speed benchmarks run computes the trained
model's function (its logits equal within 1e-4) while really having the new shapes, and a copy that
breaks the zeroing is caught by the same comparison."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from safetensors.torch import load_file, save_file

from foundation.paths import REPO_ROOT


def _grower() -> ModuleType:
    # A script, not a package: loaded from its path.
    spec = importlib.util.spec_from_file_location("grown_checkpoint", REPO_ROOT / "scripts" / "perf" / "grown_checkpoint.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.engine  # transformers, both checkpoints
def test_grown_copy_computes_the_same_function(demo_checkpoints: dict[str, Path], tmp_path: Path) -> None:
    grower = _grower()
    source, grown = demo_checkpoints["zh-tiny-tuned"], tmp_path / "grown"
    trained = json.loads((source / "config.json").read_text(encoding="utf-8"))
    config = grower.grow_checkpoint(source, grown, 4, 768)

    assert json.loads((grown / "config.json").read_text(encoding="utf-8")) == config
    assert (config["num_hidden_layers"], config["intermediate_size"]) == (4, 768)
    assert config["layer_types"] == ["full_attention"] * 4
    for kept in ("hidden_size", "max_window_layers", "tie_word_embeddings", "dtype", "vocab_size"):
        assert config[kept] == trained[kept], kept
    assert (grown / "tokenizer.json").read_bytes() == (source / "tokenizer.json").read_bytes()
    weights = load_file(grown / "model.safetensors")
    assert weights["model.layers.3.mlp.gate_proj.weight"].shape == (768, 128)
    assert weights["model.layers.3.mlp.down_proj.weight"].shape == (128, 768)
    assert weights["model.layers.3.self_attn.q_proj.weight"].abs().sum() > 0  # the added compute is real
    assert grower.parameter_count(grown) > 2 * grower.parameter_count(source)

    prompts = grower.sample_prompts(4)
    same = grower.compare(source, grown, prompts, max_new_tokens=0)
    assert same.max_logit_difference < 1e-4

    # The comparison can fail: an appended layer whose attention output is not zeroed changes the logits.
    weights["model.layers.3.self_attn.o_proj.weight"] = weights["model.layers.1.self_attn.o_proj.weight"].clone()
    save_file(weights, str(grown / "model.safetensors"), metadata={"format": "pt"})
    broken = grower.compare(source, grown, prompts, max_new_tokens=0)
    assert broken.max_logit_difference > 1e-2
