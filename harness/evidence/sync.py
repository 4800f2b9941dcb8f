"""`harness sync`: upload the runs kept in the local store while the tracking server was unreachable.

A run is the same run wherever it is stored when its `harness.run_uuid` tag is the same. Sync finds
the server's run with that tag (created before the outage) or creates it, then uploads only what the
server lacks: params, each metric value (key, step, timestamp, value), tags, dataset inputs,
artifacts (path and size), and the final status. Running it again uploads nothing.
"""

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import DatasetInput, Metric, Param, Run, RunTag, ViewType
from mlflow.exceptions import MlflowException
from tqdm import tqdm

from harness.evidence import names
from harness.evidence.committee_view import publish_evaluation
from harness.evidence.offline import offline_dir, offline_uri
from harness.evidence.tracking import connect, ensure_experiment

# Tags that describe the local copy, not the run.
LOCAL_ONLY_TAGS = (names.T_SYNC_TARGET, names.T_SERVER_RUN)


@dataclass(frozen=True)
class Synced:
    run_uuid: str
    local_run_id: str
    server_run_id: str
    created: bool  # the server had no run of this uuid (the outage began before the run was created)
    params: int  # how many of each were uploaded now
    metric_values: int
    tags: int
    inputs: int
    artifacts: int
    status: str
    skipped: str = ""  # why the run was left alone

    def __str__(self) -> str:
        if self.skipped:
            return f"run {self.local_run_id} (harness run {self.run_uuid}): not uploaded: {self.skipped}"
        uploaded = self.params + self.metric_values + self.tags + self.inputs + self.artifacts
        what = (
            f"uploaded {self.params} params, {self.metric_values} metric values, {self.tags} tags, {self.inputs} inputs, {self.artifacts} artifacts"
            if uploaded else "already complete on the server, nothing uploaded"
        )
        return f"run {self.local_run_id} -> server run {self.server_run_id}{' (created)' if self.created else ''} (harness run {self.run_uuid}, {self.status}): {what}"


def sync_runs(server: MlflowClient, progress: bool = True) -> list[Synced]:
    if not (offline_dir() / "mlflow.db").exists():
        return []
    local = connect(offline_uri())
    results = []
    for experiment in local.search_experiments(view_type=ViewType.ALL):
        for run in local.search_runs([experiment.experiment_id], run_view_type=ViewType.ALL, max_results=5000):
            results.append(_sync_run(server, local, experiment.name, dict(experiment.tags), run, progress))
    connect(server.tracking_uri)  # connect() also sets MLflow's global URIs: leave them on the server
    return results


def _sync_run(server: MlflowClient, local: MlflowClient, experiment: str, experiment_tags: dict[str, str], run: Run, progress: bool) -> Synced:
    tags = run.data.tags
    run_uuid, local_id = tags.get(names.T_RUN_UUID, ""), run.info.run_id
    target = tags.get(names.T_SYNC_TARGET, "")
    if target.rstrip("/") != server.tracking_uri.rstrip("/"):
        return Synced(run_uuid, local_id, "", False, 0, 0, 0, 0, 0, run.info.status, skipped=f"kept for {target or 'no server'}, not {server.tracking_uri}")
    if run.info.status == "RUNNING":
        return Synced(run_uuid, local_id, "", False, 0, 0, 0, 0, 0, run.info.status, skipped="still running (or its process died): finish or fail it first")
    experiment_id = ensure_experiment(server, experiment, experiment_tags)
    found = server.search_runs([experiment_id], filter_string=f"tags.`{names.T_RUN_UUID}` = '{run_uuid}'", run_view_type=ViewType.ALL, max_results=2)
    if len(found) > 1:
        raise MlflowException(f"the server holds {len(found)} runs with {names.T_RUN_UUID} = {run_uuid}; remove the extra one before syncing")
    created = not found
    remote = found[0] if found else server.create_run(
        experiment_id, start_time=run.info.start_time, run_name=run.info.run_name, tags={names.T_RUN_UUID: run_uuid}
    )
    remote_id = remote.info.run_id
    params = [Param(k, v) for k, v in run.data.params.items() if k not in remote.data.params]
    conflicting = [k for k, v in run.data.params.items() if k in remote.data.params and remote.data.params[k] != v]
    if conflicting:
        raise MlflowException(f"server run {remote_id} has other values for params {conflicting} than local run {local_id}; not uploading")
    metrics = _missing_metric_values(server, local, run, remote, progress)
    new_tags = [RunTag(k, v) for k, v in tags.items() if k not in LOCAL_ONLY_TAGS and remote.data.tags.get(k) != v]
    # MLflow's batch limits: 100 params, 1000 metrics, 100 tags per call.
    for start in range(0, len(params), 100):
        server.log_batch(remote_id, params=params[start : start + 100])
    for start in range(0, len(metrics), 1000):
        server.log_batch(remote_id, metrics=metrics[start : start + 1000])
    for start in range(0, len(new_tags), 100):
        server.log_batch(remote_id, tags=new_tags[start : start + 100])
    inputs = _missing_inputs(run, remote)
    if inputs:
        server.log_inputs(remote_id, datasets=inputs)
    artifacts = _upload_missing_artifacts(server, local, local_id, remote_id)
    if remote.info.status != run.info.status:
        server.set_terminated(remote_id, run.info.status, end_time=run.info.end_time)
    local.set_tag(local_id, names.T_SERVER_RUN, remote_id)
    if run.info.status == "FINISHED" and tags.get(names.T_KIND) == "evaluation":
        publish_evaluation(server, remote_id)
    return Synced(run_uuid, local_id, remote_id, created, len(params), len(metrics), len(new_tags), len(inputs), artifacts, run.info.status)


def _value_key(m: Metric) -> tuple[Any, ...]:
    return (m.step, m.timestamp, "nan" if math.isnan(m.value) else m.value)


def _missing_metric_values(server: MlflowClient, local: MlflowClient, run: Run, remote: Run, progress: bool) -> list[Metric]:
    missing = []
    for key in tqdm(sorted(run.data.metrics), desc="metrics", unit="key", disable=not progress, leave=False):
        history = local.get_metric_history(run.info.run_id, key)
        if key in remote.data.metrics and len(history) == 1 and _same_value(remote.data.metrics[key], history[0].value):
            continue  # a metric logged once, already there: no need to ask the server for its history
        have = {_value_key(m) for m in server.get_metric_history(remote.info.run_id, key)} if key in remote.data.metrics else set()
        missing += [Metric(key, m.value, m.timestamp, m.step) for m in history if _value_key(m) not in have]
    return missing


def _same_value(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _missing_inputs(run: Run, remote: Run) -> list[DatasetInput]:
    have = {(d.dataset.name, d.dataset.digest) for d in (remote.inputs.dataset_inputs if remote.inputs else [])}
    return [d for d in (run.inputs.dataset_inputs if run.inputs else []) if (d.dataset.name, d.dataset.digest) not in have]


def _files(client: MlflowClient, run_id: str, path: str = "") -> dict[str, int]:
    files: dict[str, int] = {}
    for info in client.list_artifacts(run_id, path or None):
        if info.is_dir:
            files |= _files(client, run_id, info.path)
        else:
            files[info.path] = info.file_size or 0
    return files


def _upload_missing_artifacts(server: MlflowClient, local: MlflowClient, local_id: str, remote_id: str) -> int:
    have = _files(server, remote_id)
    wanted = {path: size for path, size in _files(local, local_id).items() if have.get(path) != size}
    with tempfile.TemporaryDirectory() as tmp:
        for path in wanted:
            copy = local.download_artifacts(local_id, path, tmp)
            parent = str(Path(path).parent)
            server.log_artifact(remote_id, copy, None if parent == "." else parent)
    return len(wanted)
