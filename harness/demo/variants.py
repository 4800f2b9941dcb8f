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

Each variant's manifest is the tuned model's example with the variant's name and the registered
model it declares as its base (model.base_registered), so `harness uplift` needs no --base.
"""

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml
from mlflow import MlflowClient
from safetensors.numpy import load_file, save_file

from demo_models.build import BASE_MODEL, BUILD_INFO, CHECKPOINT_FILES, TUNED_MODEL
from foundation.paths import REGISTRY_EXAMPLES_DIR
from harness.evidence.registration import Registered, submit

# The selection round's profile: harness demo's, so the demo's own runs are reused.
ROUND_PROFILE = "demo"

WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class Variant:
    name: str
    kind: str  # "blend" | "noise"
    alpha: float = 1.0  # blend: the tuned model's share
    scale: float = 0.0  # noise: standard deviation relative to each tensor's own
    seed: int = 0
    base: str = BASE_MODEL  # the registered model it declares as tuned from (model.base_registered)


# The selection round's extra candidates (docs/selection.md): two in between the two demo models,
# one indistinguishable from the tuned model, declared as tuned from it (the null uplift pair).
VARIANTS = (
    Variant("zh-tiny-blend", "blend", alpha=0.5, base=BASE_MODEL),
    Variant("zh-tiny-blend75", "blend", alpha=0.75, base=BASE_MODEL),
    Variant("zh-tiny-noise", "noise", scale=0.02, seed=7, base=TUNED_MODEL),
)
TUNED_EXAMPLE = "submission.yaml"


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


def variant_manifest(variant: Variant, checkpoint: Path, out_dir: Path) -> Path:
    """The tuned model's example manifest, renamed, pointing at `checkpoint`, naming its base."""
    manifest = yaml.safe_load((REGISTRY_EXAMPLES_DIR / TUNED_EXAMPLE).read_text(encoding="utf-8"))
    manifest["model"] |= {"name": variant.name, "version_label": f"v1.0-{variant.kind}", "base_model": f"derived from the demo models ({variant.kind})", "base_registered": variant.base}
    manifest["checkpoint"]["path"] = str(checkpoint)
    path = out_dir / f"{variant.name}.manifest.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def submit_variants(client: MlflowClient, demo: dict[str, Path], out_dir: Path, variants: tuple[Variant, ...] = VARIANTS, *, progress: bool = False) -> list[Registered]:
    """Derive and submit each variant; the demo models must be registered first (they are the bases)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [submit(variant_manifest(v, derive_checkpoint(v, demo, out_dir), out_dir), client, progress=progress) for v in variants]


def run_round(client: MlflowClient, demo: dict[str, Path], out_dir: Path, *, progress: bool = False) -> list[str]:
    """The selection round of docs/selection.md: both demo models and every variant registered, each
    with a full run of the demo profile (made where missing, one engine at a time). Returns the
    candidates as model/version."""
    from harness.compare import leaderboard
    from harness.demo.job import DEMO_MANIFESTS, materialize_manifest
    from harness.evaluate import evaluate  # the engines load only here

    registered = [submit(materialize_manifest(REGISTRY_EXAMPLES_DIR / m, demo, out_dir), client, progress=progress) for m in DEMO_MANIFESTS]
    registered += submit_variants(client, demo, out_dir, progress=progress)
    candidates = [f"{r.name}/{r.version}" for r in registered]
    have = {f"{r.model}/{r.version}" for r in leaderboard(client, profile=ROUND_PROFILE) if not r.partial}
    for model in candidates:
        if model not in have:
            evaluate(client, ROUND_PROFILE, model, progress=progress)
    return candidates
