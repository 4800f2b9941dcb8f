"""More demo models, derived cheaply from the two built ones (no training): a blend of their weights,
or the tuned model with a little seeded noise. A selection round needs at least three candidates,
and the uplift test needs a pair that differs and a pair that does not; these provide both in
seconds. Each is an ordinary checkpoint directory (the tuned model's config and tokenizer, new
weights), submitted through the ordinary intake like any other.

- `blend`: every tensor `alpha * tuned + (1 - alpha) * base`. Both start from the same
  initialisation, so the blend lies on the path fine-tuning took and behaves in between.
- `noise`: every floating-point tensor of the tuned model plus Gaussian noise of `scale` times that
  tensor's own standard deviation (seeded): a near-copy with no training signal, whose true
  accuracy is the tuned model's up to the noise: the "no real difference" pair.
"""

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from harness.demo.checkpoints import BASE_MODEL, BUILD_INFO, CHECKPOINT_FILES, TUNED_MODEL

WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class Variant:
    name: str
    kind: str  # "blend" | "noise"
    alpha: float = 1.0  # blend: the tuned model's share
    scale: float = 0.0  # noise: standard deviation relative to each tensor's own
    seed: int = 0


def derive_checkpoint(variant: Variant, demo: dict[str, Path], out_dir: Path) -> Path:
    """Write `variant` under `out_dir/<name>` from the built demo checkpoints (`demo`: name -> dir,
    as build_demo_checkpoints returns); rewritten only when its recipe or sources changed."""
    target = out_dir / variant.name
    sources = {name: json.loads((demo[name] / BUILD_INFO).read_text(encoding="utf-8"))["key"] for name in (TUNED_MODEL, BASE_MODEL)}
    recipe = {"derived_from": sources, **asdict(variant)}
    info_path = target / BUILD_INFO
    if info_path.is_file() and json.loads(info_path.read_text(encoding="utf-8")) == recipe:
        return target
    tuned = load_file(demo[TUNED_MODEL] / WEIGHTS)
    if variant.kind == "blend":
        base = load_file(demo[BASE_MODEL] / WEIGHTS)
        weights = {k: (variant.alpha * v + (1 - variant.alpha) * base[k]).astype(v.dtype) for k, v in tuned.items()}
    elif variant.kind == "noise":
        rng = np.random.default_rng(variant.seed)
        weights = {k: (v + rng.normal(0.0, variant.scale * float(v.std()), v.shape)).astype(v.dtype) if v.dtype.kind == "f" else v for k, v in sorted(tuned.items())}
    else:
        raise ValueError(f"unknown variant kind {variant.kind!r}: blend or noise")
    staging = out_dir / f".{variant.name}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in CHECKPOINT_FILES:
        if name not in (WEIGHTS, BUILD_INFO):
            shutil.copyfile(demo[TUNED_MODEL] / name, staging / name)
    save_file(weights, str(staging / WEIGHTS), metadata={"format": "pt"})
    (staging / BUILD_INFO).write_text(json.dumps(recipe, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
