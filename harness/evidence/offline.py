"""Evaluations that outlive a tracking-server outage.

An evaluation records through a `FailoverClient`: while the server answers, every write goes to it
and is remembered; at the first call the server does not answer (refused connection, timeout, 5xx
after MLflow's retries) the client opens the same run in the local store (`offline_uri()`): same
experiment name and tags, same `harness.run_uuid`, the same start time; it replays what the server
had received and goes on there for the rest of the run. `harness sync` uploads such runs later
(harness/evidence/sync.py). A run whose server is unreachable from the start resolves its model
version from the copy this machine kept the last time it read that version from the server.
"""

import hashlib
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from mlflow import MlflowClient
from mlflow.entities import Run
from mlflow.entities.model_registry import ModelVersion, ModelVersionTag

from foundation.errors import InputError, Problem
from harness.evidence import names
from harness.evidence.tracking import connect, ensure_experiment, is_local_store
from foundation.paths import harness_home
from registry.fingerprint import Fingerprint
from harness.evidence.registration import registered_fingerprint, resolve_version

# The calls that change a run; each is replayed into the local store when the server goes away.
_WRITES = frozenset({"log_batch", "log_artifact", "log_artifacts", "set_tag", "delete_tag", "log_inputs", "log_param", "log_metric", "set_terminated"})


def offline_dir() -> Path:
    return harness_home() / "offline"


def offline_uri() -> str:
    return f"sqlite:///{offline_dir() / 'mlflow.db'}"


def is_unreachable(error: BaseException) -> bool:
    """Whether an MLflow call failed because the server could not be reached (not because it refused)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, requests.exceptions.RetryError)):
            return True
        text = str(current)
        # MLflow wraps requests' errors in its own exception and keeps only their text.
        if text.startswith("API request to") and ("Max retries exceeded" in text or "timeout" in text.lower() or "Connection" in text):
            return True
        current = current.__cause__ or current.__context__
    return False


class FailoverClient:
    """An MlflowClient for one run that falls back to the local store. Calls that name the run take
    the id it was created with, wherever it now lives."""

    def __init__(
        self, remote: MlflowClient, experiment: str, experiment_tags: dict[str, str], run_name: str, tags: dict[str, str],
        version: ModelVersion | None = None, notify: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
        resume: Run | None = None,
    ) -> None:
        """`resume`: an interrupted run on `remote` to continue instead of creating one."""
        self.remote = remote
        self._version = version  # the evaluated version, answered from here once the server is gone
        self.local: MlflowClient | None = None
        self.reason: str | None = None
        self.run_uuid = resume.data.tags.get(names.T_RUN_UUID, uuid.uuid4().hex) if resume is not None else uuid.uuid4().hex
        self._experiment = (experiment, experiment_tags)
        self._run_name = run_name
        self._tags = tags | {names.T_RUN_UUID: self.run_uuid}
        self._start_time = resume.info.start_time if resume is not None else int(time.time() * 1000)
        self._journal: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self._journaling = not is_local_store(remote)  # a store on this machine cannot go away
        self._kept_files = tempfile.TemporaryDirectory(prefix="harness-journal-")
        self._notify = notify
        self._remote_run_id: str | None = None
        self._local_run_id: str | None = None
        try:
            if resume is not None:
                self._remote_run_id = resume.info.run_id
                remote.update_run(resume.info.run_id, status="RUNNING")
                resumes = int(resume.data.tags.get(names.T_RESUMED, "0")) + 1
                remote.set_tag(resume.info.run_id, names.T_RESUMED, str(resumes))
                self._journal.append(("set_tag", (resume.info.run_id, names.T_RESUMED, str(resumes)), {}))
                return
            experiment_id = ensure_experiment(remote, experiment, experiment_tags)
            self._remote_run_id = remote.create_run(experiment_id, start_time=self._start_time, tags=self._tags, run_name=run_name).info.run_id
        except Exception as e:
            if not is_unreachable(e):
                raise
            self._go_local(e)

    @property
    def run_id(self) -> str:
        """The id the run is known by to the code that records it (the server's, when it was created there)."""
        return self._remote_run_id or self._local_run_id  # type: ignore[return-value]

    @property
    def local_run_id(self) -> str | None:
        """The run's id in the local store, once it went there."""
        return self._local_run_id

    @property
    def active(self) -> MlflowClient:
        return self.local or self.remote

    @property
    def tracking_uri(self) -> str:
        uri: str = self.active.tracking_uri
        return uri

    def _translate(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.local is not None and args and args[0] == self._remote_run_id:
            return (self._local_run_id, *args[1:])
        return args

    def _go_local(self, error: BaseException) -> None:
        self.reason = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
        local = connect(offline_uri())
        experiment, experiment_tags = self._experiment
        tags = self._tags | {names.T_SYNC_TARGET: self.remote.tracking_uri, names.T_OFFLINE_NOTE: self.reason}
        if self._remote_run_id:
            tags[names.T_SERVER_RUN] = self._remote_run_id
        run = local.create_run(ensure_experiment(local, experiment, experiment_tags), start_time=self._start_time, tags=tags, run_name=self._run_name)
        self.local, self._local_run_id = local, run.info.run_id
        for name, args, kwargs in self._journal:
            getattr(local, name)(*self._translate(args), **kwargs)
        self._journal.clear()
        self._notify(
            f"warning: the tracking server {self.remote.tracking_uri} cannot be reached ({self.reason}); this run goes on in the "
            f"local store {offline_uri()} as run {self._local_run_id} (harness run id {self.run_uuid}); upload it with "
            f"`harness sync --tracking-uri {self.remote.tracking_uri}` once the server is back"
        )

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.active, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.local is not None:
                if name == "get_model_version" and self._version is not None and tuple(map(str, args)) == (self._version.name, str(self._version.version)):
                    return self._version  # the local store has no registry: the copy the run started from
                return getattr(self.local, name)(*self._translate(args), **kwargs)
            try:
                result = target(*args, **kwargs)
            except Exception as e:
                if not is_unreachable(e):
                    raise
                self._go_local(e)
                return getattr(self.local, name)(*self._translate(args), **kwargs)
            if name in _WRITES and self._journaling:
                self._journal.append((name, self._kept(name, args), kwargs))
            return result

        return call

    def _kept(self, name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The journal's own copy of a logged file or folder: what the server received is replayed into
        the local store later, when the caller's file (often a temporary one) may be gone."""
        if name not in ("log_artifact", "log_artifacts") or len(args) < 2:
            return args
        source = Path(args[1])
        target = Path(self._kept_files.name) / str(len(self._journal)) / source.name
        target.parent.mkdir(parents=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        return (args[0], str(target), *args[2:])


def _cache_path(client: MlflowClient, name: str, version: str) -> Path:
    server = hashlib.sha256(client.tracking_uri.encode()).hexdigest()[:16]
    return offline_dir() / "versions" / server / name / f"{version}.json"


def registered_version(client: MlflowClient, spec: str) -> tuple[ModelVersion, Fingerprint]:
    """The model version and its registered fingerprint: from the server, keeping a copy on this machine;
    from that copy when the server cannot be reached."""
    try:
        version = resolve_version(client, spec)
        fp = registered_fingerprint(client, version)
    except Exception as e:
        # MLflow hides why an artifact download failed: ask the server something cheap to tell.
        if is_local_store(client) or not (is_unreachable(e) or not _answers(client)):
            raise
        return _cached_version(client, spec, e)
    path = _cache_path(client, version.name, str(version.version))
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"name": version.name, "version": str(version.version), "source": version.source, "run_id": version.run_id, "model_id": version.model_id, "tags": version.tags, "fingerprint": {"digest": fp.digest, "files": fp.files}}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return version, fp


def _answers(client: MlflowClient) -> bool:
    try:
        client.search_experiments(max_results=1)
    except Exception as e:
        return not is_unreachable(e)
    return True


def _cached_version(client: MlflowClient, spec: str, error: BaseException) -> tuple[ModelVersion, Fingerprint]:
    name, _, number = spec.partition("/")
    folder = _cache_path(client, name, "0").parent
    candidates = [folder / f"{number}.json"] if number else sorted(folder.glob("*.json"), key=lambda p: int(p.stem))[-1:]
    if not candidates or not candidates[0].is_file():
        raise InputError([Problem(
            "--tracking-uri", client.tracking_uri, f"the tracking server cannot be reached and this machine keeps no copy of {spec} ({str(error).splitlines()[0][:200]})",
            "run again once the server answers (each run against the server keeps a copy of the version it evaluated, for the next outage)",
        )]) from error
    record = json.loads(candidates[0].read_text(encoding="utf-8"))
    version = ModelVersion(
        record["name"], record["version"], 0, source=record["source"], run_id=record["run_id"], model_id=record.get("model_id"),
        tags=[ModelVersionTag(k, v) for k, v in record["tags"].items()],  # type: ignore[no-untyped-call]  # mlflow leaves ModelVersionTag.__init__ unannotated
    )
    return version, Fingerprint(digest=record["fingerprint"]["digest"], files=record["fingerprint"]["files"])
