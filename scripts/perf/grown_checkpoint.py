"""A function-preserving enlarged copy of a Qwen2 checkpoint, so that speed measurements can give the
engine a realistic cost per token while the answers stay those of the trained model.

Two ways of adding compute that add exactly zero to the output:
- a wider MLP: the new neurons' gate_proj rows are 0, so silu(0) * up = 0, and their down_proj
  columns are 0 as well (so even a non-zero activation could not leak through);
- more decoder layers, appended after the trained ones: copies of a trained layer (so every matmul,
  attention included, is a real one with real values) whose self_attn.o_proj and mlp.down_proj are
  0, so both residual branches add exactly 0 and the hidden state leaves the layer unchanged.
The hidden size is never widened: RMSNorm over a wider vector would change every normalised value.
Equal up to float rounding only: a wider down_proj sums the same terms in another order.

    .venv/bin/python scripts/perf/grown_checkpoint.py SRC DST --layers N --intermediate M [--verify]
"""

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from foundation.paths import CORPORA_DIR

# Everything a loader reads besides the weights and config.json; the source's build notes (its
# parameter count, its training) would describe another model, so they are not copied.
COPIED_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "chat_template.jinja", "generation_config.json")
LAYER_PREFIX = "model.layers."


def grown_tensors(tensors: dict[str, torch.Tensor], trained_layers: int, layers: int, intermediate: int) -> dict[str, torch.Tensor]:
    """The source's tensors with every MLP widened to `intermediate` and layers appended up to
    `layers`; new layer i is a copy of trained layer i % trained_layers with zeroed output projections."""
    grown: dict[str, torch.Tensor] = {}
    for name, tensor in tensors.items():
        if not name.startswith(LAYER_PREFIX):
            grown[name] = tensor.clone()
    for layer in range(layers):
        source = layer % trained_layers
        prefix = f"{LAYER_PREFIX}{source}."
        for name, tensor in tensors.items():
            if not name.startswith(prefix):
                continue
            part = name[len(prefix) :]
            widened = _widen(part, tensor, intermediate)
            if layer >= trained_layers and part in ("self_attn.o_proj.weight", "mlp.down_proj.weight"):
                widened = torch.zeros_like(widened)  # the appended layer's two residual branches add nothing
            grown[f"{LAYER_PREFIX}{layer}.{part}"] = widened.contiguous()
    return grown


def _widen(part: str, tensor: torch.Tensor, intermediate: int) -> torch.Tensor:
    if part == "mlp.gate_proj.weight":  # rows = neurons; a zero row gives silu(0) = 0
        return torch.cat([tensor, tensor.new_zeros(intermediate - tensor.shape[0], tensor.shape[1])])
    if part == "mlp.up_proj.weight":  # real values, so the matmul is not over zeros; multiplied by 0 anyway
        extra = intermediate - tensor.shape[0]
        return torch.cat([tensor, tensor.repeat((extra + tensor.shape[0] - 1) // tensor.shape[0], 1)[:extra]])
    if part == "mlp.down_proj.weight":  # columns = neurons
        return torch.cat([tensor, tensor.new_zeros(tensor.shape[0], intermediate - tensor.shape[1])], dim=1)
    return tensor.clone()


def grow_checkpoint(source: Path, destination: Path, layers: int, intermediate: int) -> dict[str, Any]:
    """Write the grown copy of `source` to `destination` (created; must not exist or be empty); returns its config."""
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "qwen2" or config.get("hidden_act") != "silu":
        raise ValueError(f"{source}/config.json: model_type {config.get('model_type')!r}, hidden_act {config.get('hidden_act')!r}; only qwen2 with silu is grown (zero gate rows rely on silu(0) = 0)")
    trained_layers, trained_intermediate = config["num_hidden_layers"], config["intermediate_size"]
    if layers < trained_layers or intermediate < trained_intermediate:
        raise ValueError(f"--layers {layers} --intermediate {intermediate}: the source has {trained_layers} layers and intermediate {trained_intermediate}; growing cannot shrink")
    if destination.exists() and any(destination.iterdir()):
        raise ValueError(f"{destination}: exists and is not empty")
    tensors: dict[str, torch.Tensor] = {}
    for shard in sorted(source.glob("*.safetensors")):  # sharded or not, the copy is one file
        tensors.update(load_file(shard))
    if not tensors:
        raise ValueError(f"{source}: no *.safetensors weights")
    grown = grown_tensors(tensors, trained_layers, layers, intermediate)
    config["num_hidden_layers"], config["intermediate_size"] = layers, intermediate
    if "layer_types" in config:  # one entry per layer; an appended layer keeps its source layer's kind
        config["layer_types"] = [config["layer_types"][layer % trained_layers] for layer in range(layers)]
    destination.mkdir(parents=True, exist_ok=True)
    save_file(grown, str(destination / "model.safetensors"), metadata={"format": "pt"})
    (destination / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name in COPIED_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, destination / name)
    return config


def parameter_count(checkpoint: Path) -> int:
    return sum(tensor.numel() for shard in checkpoint.glob("*.safetensors") for tensor in load_file(shard).values())


def sample_prompts(count: int) -> list[str]:
    """The first prompts of the demo safety sample, half that should be refused and half that should not."""
    prompts: list[str] = []
    for bank, share in (("should_refuse.jsonl", count // 2), ("should_not_refuse.jsonl", count - count // 2)):
        lines = (CORPORA_DIR / "safety_sample" / bank).read_text(encoding="utf-8").splitlines()
        prompts += [json.loads(line)["prompt"] for line in lines[:share]]
    return prompts


@dataclass(frozen=True)
class Comparison:
    max_logit_difference: float  # over every position of every prompt
    identical_answers: int  # greedy answers equal token for token
    prompts: int


def compare(source: Path, grown: Path, prompts: list[str], max_new_tokens: int = 48) -> Comparison:
    """Both checkpoints in transformers (CPU, float32): logits on the chat-rendered prompts, then greedy answers."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.engines.base import render_chat

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    models = [AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32).eval() for path in (source, grown)]
    difference, identical = 0.0, 0
    with torch.inference_mode():
        for prompt in prompts:
            ids = tokenizer(render_chat(tokenizer, [{"role": "user", "content": prompt}]), return_tensors="pt").input_ids
            logits = [model(ids).logits for model in models]
            difference = max(difference, (logits[0] - logits[1]).abs().max().item())
            if max_new_tokens:
                answers = [model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False) for model in models]
                identical += torch.equal(answers[0], answers[1])
    return Comparison(difference, identical, len(prompts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("destination", type=Path)
    parser.add_argument("--layers", type=int, required=True, help="decoder layers of the copy (at least the source's)")
    parser.add_argument("--intermediate", type=int, required=True, help="MLP intermediate size of the copy (at least the source's)")
    parser.add_argument("--verify", action="store_true", help="then compare both in transformers on prompts of the demo safety sample")
    parser.add_argument("--prompts", type=int, default=20, help="how many prompts --verify compares")
    args = parser.parse_args()
    try:
        grow_checkpoint(args.source, args.destination, args.layers, args.intermediate)
    except ValueError as error:
        parser.exit(2, f"grown_checkpoint: {error}\n")
    print(f"{args.destination}: {args.layers} layers, intermediate {args.intermediate}, {parameter_count(args.destination):,} parameters (source {parameter_count(args.source):,})")
    if args.verify:
        result = compare(args.source, args.destination, sample_prompts(args.prompts))
        print(f"max |logit difference| {result.max_logit_difference:.3g}; greedy answers (48 tokens) identical: {result.identical_answers} of {result.prompts}")


if __name__ == "__main__":
    main()
