"""Register a validated submission in the MLflow Model Registry.

One registered model per model name (owned by one enterprise), one version per checkpoint
fingerprint: submitting the same weights again returns the version already there. Registration is
all-or-nothing: a submission that fails part-way leaves a FAILED run and no model or version that
could be mistaken for a good one.
"""

import json
import tempfile
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import LoggedModel, LoggedModelStatus
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from foundation.errors import InputError, Problem
from harness.evidence import names
from harness.evidence.tracking import enterprise_experiment_tags, ensure_experiment, git_revision, package_versions
from registry.checkpoint import DEFAULT_LIMITS, Inspection, Limits
from harness.evidence.checkpoint_objects import configured_store
from registry.checkpoint_store import CheckpointStore
from registry.fingerprint import Fingerprint, listing_digest
from registry.manifest import Manifest
from registry.provenance import KeyLookup, Provenance, check_signature, provenance_problems
from registry.submission import validate_submission


@dataclass(frozen=True)
class Registered:
    name: str
    version: str
    fingerprint: str
    existing: bool
    notes: tuple[str, ...] = ()
    provenance: str = "unsigned"  # or "signed by the enterprise (key …)" (registry/provenance.py)


def submit(
    manifest_path: Path,
    client: MlflowClient,
    *,
    progress: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    allow_custom_code: bool = False,
    key_for: KeyLookup | None = None,
    store: CheckpointStore | None = None,
    reference: bool = False,
) -> Registered:
    """`key_for` finds an enterprise's registered public key by USCC (harness.evidence.keys). The
    files go into the checkpoint store (registry/checkpoint_store.py) as they are inspected; the
    fingerprint is taken from the stored bytes. `reference`: a base model the evaluator registers
    for vertical models to be measured against (`harness uplift`); tagged, otherwise registered
    like any other."""
    provenance = check_signature(manifest_path, key_for)  # before anything else is read
    store = store or configured_store()
    with store.ingest(progress=progress) as ingest:
        manifest, checkpoint, inspection = validate_submission(manifest_path, limits=limits, allow_custom_code=allow_custom_code, sink=ingest)
        if problems := provenance_problems(checkpoint, provenance, Fingerprint.of(ingest.files)):
            raise InputError(problems)
        base = _base_tags(client, manifest, manifest_path)  # a base that is not registered refuses the submission, nothing stored
        fp = ingest.commit()
    name = manifest.model.name
    model_exists = _check_owner(client, name, manifest.enterprise.uscc, manifest_path)
    if model_exists:
        for version in client.search_model_versions(f"name = '{name}'"):
            if version.tags.get(names.V_FINGERPRINT) in (fp.digest, listing_digest(fp.files, 1)):
                adopt_into_store(client, version, store)
                if reference:
                    client.set_model_version_tag(name, version.version, names.V_REFERENCE, "true")
                return Registered(name, str(version.version), version.tags[names.V_FINGERPRINT], existing=True, notes=inspection.notes, provenance=provenance.summary)
    extra = base | ({names.V_REFERENCE: "true"} if reference else {})
    version = _register(client, manifest_path, manifest, checkpoint, inspection, fp, provenance, store, create_model=not model_exists, extra_tags=extra)
    return Registered(name, str(version.version), fp.digest, existing=False, notes=inspection.notes, provenance=provenance.summary)


def _base_tags(client: MlflowClient, manifest: Manifest, manifest_path: Path) -> dict[str, str]:
    """The registered base the manifest names (model.base_registered), pinned to a version and its
    fingerprint; {} when it names none."""
    spec = manifest.model.base_registered
    if spec is None:
        return {}
    try:
        base = resolve_version(client, spec)
    except InputError as e:
        raise InputError([Problem(str(manifest_path), "model.base_registered", f"{spec!r}: {p.message}", "register the base model first (`harness submit BASE_MANIFEST --reference`), or name one `harness models` lists")
                          for p in e.problems]) from e
    return {names.V_BASE_VERSION: f"{base.name}/{base.version}", names.V_BASE_FINGERPRINT: base.tags[names.V_FINGERPRINT]}


def _check_owner(client: MlflowClient, name: str, uscc: str, manifest_path: Path) -> bool:
    """Whether the registered model exists; refuse a name another enterprise registered."""
    try:
        model = client.get_registered_model(name)
    except MlflowException:
        return False
    if model.tags.get(names.V_USCC) != uscc:
        raise InputError([Problem(str(manifest_path), "model.name", f"{name!r} is registered by another enterprise", "choose another model.name")])
    return True


def _store_tags(store: CheckpointStore, fp: Fingerprint) -> dict[str, str]:
    return {names.V_STORE: store.location, names.V_FINGERPRINT_SCHEME: str(fp.scheme)}


def adopt_into_store(client: MlflowClient, version: ModelVersion, store: CheckpointStore) -> None:
    """A version registered before the checkpoint store whose files are now in the store (submitted
    again with the same files, or migrated: their digests are the registered ones), so runs may use them."""
    if names.V_STORE not in version.tags:
        client.set_model_version_tag(version.name, version.version, names.V_STORE, store.location)


def _register(
    client: MlflowClient,
    manifest_path: Path,
    manifest: Manifest,
    checkpoint: Path,
    inspection: Inspection,
    fp: Fingerprint,
    provenance: Provenance,
    store: CheckpointStore,
    *,
    create_model: bool,
    extra_tags: dict[str, str],
) -> ModelVersion:
    name = manifest.model.name
    experiment_id = ensure_experiment(
        client, names.submission_experiment(manifest.enterprise.uscc), enterprise_experiment_tags(manifest.enterprise.uscc, manifest.enterprise.name)
    )
    run = client.create_run(
        experiment_id,
        run_name=f"submit {name} {manifest.model.version_label}",
        tags={names.T_KIND: "submission", names.T_GIT_REVISION: git_revision(), names.T_PACKAGES: package_versions()},
    )
    run_id = run.info.run_id
    version: ModelVersion | None = None
    logged: LoggedModel | None = None
    try:
        client.log_param(run_id, names.P_FINGERPRINT, fp.digest)
        _log_artifacts(client, run_id, manifest_path, inspection, fp)
        if provenance.signature is not None:
            _log_bytes(client, run_id, names.A_ENTERPRISE_SIGNATURE, provenance.signature)
        if create_model:
            client.create_registered_model(name, tags={names.V_USCC: manifest.enterprise.uscc})
        # MLflow 3 links a version to the runs that evaluate it through a logged model: evaluation runs
        # log it as their model input, and the UI lists the version on their pages. The checkpoint's own
        # path is the `checkpoint_path` tag (a tracking server refuses local paths as a source).
        logged = client.create_logged_model(experiment_id, name=name, source_run_id=run_id, tags={names.V_FINGERPRINT: fp.digest})
        client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
        version = client.create_model_version(
            name,
            source=f"models:/{logged.model_id}",
            run_id=run_id,
            model_id=logged.model_id,
            description=f"{manifest.enterprise.name}: {name} {manifest.model.version_label}",
            tags=_version_tags(manifest, checkpoint, inspection, fp, run_id) | _provenance_tags(provenance) | _store_tags(store, fp) | extra_tags,
        )
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        _undo(client, run_id, name, version, created_model=create_model)
        if logged is not None:
            with suppress(Exception):
                client.delete_logged_model(logged.model_id)
        raise
    return version


def _undo(client: MlflowClient, run_id: str, name: str, version: ModelVersion | None, *, created_model: bool) -> None:
    # Each step is attempted even if an earlier one fails: the original error is the one to report.
    if version is not None:
        with suppress(Exception):
            client.delete_model_version(name, version.version)
    if created_model:
        with suppress(Exception):
            if not client.search_model_versions(f"name = '{name}'"):
                client.delete_registered_model(name)
    with suppress(Exception):
        client.set_terminated(run_id, "FAILED")


def _log_artifacts(client: MlflowClient, run_id: str, manifest_path: Path, inspection: Inspection, fp: Fingerprint) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            Path(names.A_MANIFEST).name: manifest_path.read_bytes(),
            Path(names.A_FINGERPRINT).name: json.dumps(fp.as_json(), indent=1).encode(),
            Path(names.A_INSPECTION).name: json.dumps(asdict(inspection), indent=1, ensure_ascii=False).encode(),
        }
        for filename, content in files.items():
            (Path(tmp) / filename).write_bytes(content)
        client.log_artifacts(run_id, tmp, str(Path(names.A_MANIFEST).parent))


def _log_bytes(client: MlflowClient, run_id: str, artifact: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(artifact).name
        path.write_bytes(content)
        client.log_artifact(run_id, str(path), str(Path(artifact).parent))


def _provenance_tags(provenance: Provenance) -> dict[str, str]:
    tags = {names.V_PROVENANCE: provenance.summary}
    if provenance.signed is not None:
        tags[names.V_PROVENANCE_KEY] = provenance.signed.key_id
    return tags


def _version_tags(manifest: Manifest, checkpoint: Path, inspection: Inspection, fp: Fingerprint, run_id: str) -> dict[str, str]:
    tags = {
        names.V_FINGERPRINT: fp.digest,
        names.V_CHECKPOINT: str(checkpoint),
        names.V_ENTERPRISE: manifest.enterprise.name,
        names.V_USCC: manifest.enterprise.uscc,
        names.V_DISTRICT: manifest.enterprise.district,
        names.V_SECTORS: ",".join(manifest.model.sectors),
        names.V_VERSION_LABEL: manifest.model.version_label,
        names.V_BASE_MODEL: manifest.model.base_model,
        names.V_ARCHITECTURE: inspection.architecture,
        names.V_PARAMETERS: str(inspection.parameters),
        names.V_DTYPES: ",".join(inspection.dtypes),
        names.V_VLLM_SUPPORTED: inspection.vllm_supported,
        names.V_SUBMISSION_RUN: run_id,
    }
    if inspection.custom_code:
        tags[names.V_CUSTOM_CODE] = ",".join(inspection.custom_code)
    return tags


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
        assert version.run_id is not None  # every version is created by its submission run
        local = client.download_artifacts(version.run_id, names.A_FINGERPRINT, tmp)
        data = json.loads(Path(local).read_text())
    return Fingerprint.from_json(data)
