"""Where the project's own files live and where a run writes by default."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIGS_DIR = REPO_ROOT / "configs"
CORPORA_DIR = REPO_ROOT / "corpora"
BENCHMARKS_DIR = REPO_ROOT / "benchmarks"
REGISTRY_EXAMPLES_DIR = REPO_ROOT / "registry" / "examples"


def harness_home() -> Path:
    """The embedded default store: MLflow database, artifacts, per-item staging, caches.

    `HARNESS_HOME` moves it; the default sits beside the checkout so a fresh clone is self-contained.
    """
    return Path(os.environ.get("HARNESS_HOME", REPO_ROOT / ".harness")).resolve()


def demo_models_dir() -> Path:
    """Built demo checkpoints; `HARNESS_DEMO_MODELS` lets tests share one build across stores."""
    return Path(os.environ.get("HARNESS_DEMO_MODELS", harness_home() / "demo-models")).resolve()
