"""`harness demo`: the main job on the embedded default store.

Builds the bundled tiny models (cached), submits each through the ordinary intake, runs the demo
profile on each with one engine load per model, and returns the leaderboard of those runs.
"""

from pathlib import Path

import yaml
from mlflow import MlflowClient

from harness.compare import Row, leaderboard
from demo_models.build import build_demo_checkpoints
from harness.evaluate import Evaluation, evaluate
from foundation.paths import REGISTRY_EXAMPLES_DIR, demo_models_dir
from harness.evidence.registration import Registered, submit

DEMO_PROFILE = "demo"
DEMO_MANIFESTS = ("submission.yaml", "submission-base.yaml")


def materialize_manifest(example: Path, checkpoints: dict[str, Path], out_dir: Path) -> Path:
    """The shipped example with its checkpoint path pointing at this machine's build."""
    manifest = yaml.safe_load(example.read_text(encoding="utf-8"))
    manifest["checkpoint"]["path"] = str(checkpoints[manifest["model"]["name"]])
    path = out_dir / f"{manifest['model']['name']}.manifest.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_demo(
    client: MlflowClient, *, engine: str | None = None, limit: int | None = None, rebuild: bool = False, progress: bool = True
) -> tuple[list[Registered], list[Evaluation], list[Row]]:
    out_dir = demo_models_dir()
    checkpoints = build_demo_checkpoints(out_dir, force=rebuild, progress=progress)
    registered = [submit(materialize_manifest(REGISTRY_EXAMPLES_DIR / m, checkpoints, out_dir), client, progress=progress) for m in DEMO_MANIFESTS]
    evaluations = [
        evaluate(client, DEMO_PROFILE, f"{r.name}/{r.version}", engine_name=engine, limit=limit, progress=progress) for r in registered
    ]
    rows = leaderboard(client, profile=DEMO_PROFILE, run_ids=[e.run_id for e in evaluations])
    return registered, evaluations, rows
