"""What a run writes to MLflow from outside harness/evidence/ (the evaluation, a review import) goes
through here, so that evidence stays the one place that writes: params, metrics, tags, artifacts,
dataset inputs and the run's end. `client` is an MlflowClient or the run's FailoverClient
(offline.py), which keeps every write of a run whose tracking server stopped answering."""

import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param

from harness.evidence.offline import FailoverClient

Client = MlflowClient | FailoverClient
BATCH = 1000  # MLflow's limit on one log_batch


def log_params(client: Client, run_id: str, params: Mapping[str, object]) -> None:
    """Params as text; MLflow refuses a param logged twice with another value."""
    client.log_batch(run_id, params=[Param(key, str(value)) for key, value in params.items()])


def log_metrics(client: Client, run_id: str, metrics: Mapping[str, float], step: int = 0) -> None:
    stamp = int(time.time() * 1000)
    logged = [Metric(key, value, stamp, step) for key, value in metrics.items()]
    for start in range(0, len(logged), BATCH):
        client.log_batch(run_id, metrics=logged[start : start + BATCH])


def set_tags(client: Client, run_id: str, tags: Mapping[str, str | Mapping[str, Any]]) -> None:
    """A structured value is stored as its JSON (verdicts, review state)."""
    for key, value in tags.items():
        client.set_tag(run_id, key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def log_file(client: Client, run_id: str, path: Path, artifact_dir: str) -> None:
    client.log_artifact(run_id, str(path), artifact_dir)


def log_folder(client: Client, run_id: str, folder: Path, artifact_dir: str) -> None:
    client.log_artifacts(run_id, str(folder), artifact_dir)


def log_dataset(client: Client, run_id: str, name: str, digest: str, source: str, tags: Iterable[tuple[str, str]]) -> None:
    """A suite's data as the run's dataset input: name, digest (MLflow keeps 32 characters), where it was read."""
    dataset = Dataset(name=name, digest=digest[:32], source_type="local", source=json.dumps({"path": source}))
    client.log_inputs(run_id, datasets=[DatasetInput(dataset, tags=[InputTag(key, value) for key, value in tags])])


def end_run(client: Client, run_id: str, status: Literal["FINISHED", "FAILED"]) -> None:
    client.set_terminated(run_id, status)
