"""The configured checkpoint store (registry/checkpoint_store.py) and its objects in an MLflow artifact
repository shared by several machines: the one place the store writes through MLflow."""

import os
from pathlib import Path
from urllib.parse import urlparse

from foundation.paths import harness_home
from registry.checkpoint_store import CheckpointStore


class ArtifactObjects:
    """Objects in any MLflow artifact repository (served `mlflow-artifacts:`, S3, GCS, a file URI...),
    under `sha256/ab/<digest>`."""

    def __init__(self, location: str) -> None:
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        self.location = location
        self.repo = get_artifact_repository(location)

    @staticmethod
    def _folder(digest: str) -> str:
        return f"sha256/{digest[:2]}"

    def has(self, digest: str) -> bool:
        return any(Path(f.path).name == digest for f in self.repo.list_artifacts(self._folder(digest)))

    def upload(self, digest: str, local: Path) -> None:
        assert local.name == digest  # the repository names the object after the file
        self.repo.log_artifact(str(local), self._folder(digest))  # type: ignore[no-untyped-call]  # mlflow leaves ArtifactRepository unannotated

    def download(self, digest: str, directory: Path) -> Path:
        return Path(self.repo.download_artifacts(f"{self._folder(digest)}/{digest}", dst_path=str(directory)))  # type: ignore[no-untyped-call]  # as above


def configured_store() -> CheckpointStore:
    """The store named by HARNESS_CHECKPOINT_STORE (registry/checkpoint_store.py says where)."""
    location = os.environ.get("HARNESS_CHECKPOINT_STORE", "")
    scheme = urlparse(location).scheme
    if len(scheme) > 1 and scheme != "file":
        cache = Path(os.environ.get("HARNESS_CHECKPOINT_CACHE") or harness_home() / "checkpoint-cache")
        return CheckpointStore(cache, ArtifactObjects(location))
    return CheckpointStore(Path(location.removeprefix("file://")) if location else harness_home() / "checkpoints")
