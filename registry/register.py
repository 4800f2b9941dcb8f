"""Register a validated submission in the MLflow Model Registry.

One registered model per model name (owned by one enterprise), one version per checkpoint
fingerprint: submitting the same weights again returns the version already there.
"""

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from harness.errors import InputError, Problem
from harness.evidence import names
from harness.evidence.tracking import ensure_experiment, git_revision, package_versions
from registry.checkpoint import inspect_checkpoint
from registry.fingerprint import Fingerprint, fingerprint
from registry.manifest import load_manifest


@dataclass(frozen=True)
class Registered:
    name: str
    version: str
    fingerprint: str
    existing: bool


def submit(manifest_path: Path, client: MlflowClient, *, progress: bool = False) -> Registered:
    manifest, checkpoint = load_manifest(manifest_path)
    summary = inspect_checkpoint(checkpoint)
    fp = fingerprint(checkpoint, progress=progress)
    name = manifest.model.name
    _claim_model_name(client, name, manifest.enterprise.uscc, manifest_path)

    for version in client.search_model_versions(f"name = '{name}'"):
        if version.tags.get(names.V_FINGERPRINT) == fp.digest:
            return Registered(name, str(version.version), fp.digest, existing=True)

    experiment_id = ensure_experiment(client, names.SUBMISSIONS_EXPERIMENT)
    run = client.create_run(
        experiment_id,
        run_name=f"submit {name} {manifest.model.version_label}",
        tags={names.T_KIND: "submission", names.T_GIT_REVISION: git_revision(), names.T_PACKAGES: package_versions()},
    )
    try:
        client.log_param(run.info.run_id, names.P_FINGERPRINT, fp.digest)
        with tempfile.TemporaryDirectory() as tmp:
            manifest_copy = Path(tmp) / "manifest.yaml"
            manifest_copy.write_bytes(manifest_path.read_bytes())
            fingerfpfile = Path(tmp) / "fingerprint.json"
            fingerfpfile.write_text(json.dumps({"digest": fp.digest, "files": fp.files}, indent=1))
            client.log_artifact(run.info.run_id, str(manifest_copy), "submission")
            client.log_artifact(run.info.run_id, str(fingerfpfile), "submission")
        version = client.create_model_version(
            name,
            source=checkpoint.as_uri(),
            run_id=run.info.run_id,
            description=f"{manifest.enterprise.name}: {name} {manifest.model.version_label}",
            tags={
                names.V_FINGERPRINT: fp.digest,
                names.V_CHECKPOINT: str(checkpoint),
                names.V_ENTERPRISE: manifest.enterprise.name,
                names.V_USCC: manifest.enterprise.uscc,
                names.V_DISTRICT: manifest.enterprise.district,
                names.V_SECTORS: ",".join(manifest.model.sectors),
                names.V_VERSION_LABEL: manifest.model.version_label,
                names.V_BASE_MODEL: manifest.model.base_model,
                names.V_ARCHITECTURE: summary.architecture,
                names.V_SUBMISSION_RUN: run.info.run_id,
            },
        )
    except BaseException:
        client.set_terminated(run.info.run_id, "FAILED")
        raise
    client.set_terminated(run.info.run_id, "FINISHED")
    return Registered(name, str(version.version), fp.digest, existing=False)


def _claim_model_name(client: MlflowClient, name: str, uscc: str, manifest_path: Path) -> None:
    try:
        model = client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, tags={names.V_USCC: uscc})
        return
    if model.tags.get(names.V_USCC) != uscc:
        raise InputError(
            [Problem(str(manifest_path), "model.name", f"{name!r} is registered by another enterprise", "choose another model.name")]
        )


def resolve_version(client: MlflowClient, spec: str) -> ModelVersion:
    """`NAME` (latest version) or `NAME/VERSION` to a registered model version."""
    name, _, number = spec.partition("/")
    try:
        if number:
            return client.get_model_version(name, number)
        versions = client.search_model_versions(f"name = '{name}'")
    except MlflowException as e:
        raise InputError([Problem("--model", spec, f"no such model version ({e.message.splitlines()[0]})", "list them with `harness models`")]) from e
    if not versions:
        raise InputError([Problem("--model", spec, "no registered model of that name", "submit it first (`harness submit MANIFEST`) or list them with `harness models`")])
    return max(versions, key=lambda v: int(v.version))


def registered_fingerprint(client: MlflowClient, version: ModelVersion) -> Fingerprint:
    """The per-file digests stored at submission, so a changed file can be named."""
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(version.run_id, names.A_FINGERPRINT, tmp)
        data = json.loads(Path(local).read_text())
    return Fingerprint(digest=data["digest"], files=data["files"])
