"""The weights a run scores: a registered version's files in the checkpoint store, verified before the
engine loads them and again after, and the migration of versions registered before the store.

Engines never read the submitter's directory: `harness run` materialises the version from the store
(registry/checkpoint_store.py), hashes every file, loads the engine from that directory, then hashes
the files again and compares each file's identity (inode, size, times) as well, so weights swapped
while the engine loaded (even if swapped back) stop the run before anything is scored.
"""

from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion

from foundation.errors import InputError, Problem
from harness.evidence import names
from harness.evidence.offline import registered_version
from harness.evidence.checkpoint_objects import configured_store
from registry.checkpoint_store import CheckpointStore
from registry.files import open_entry
from registry.fingerprint import Fingerprint, verify
from harness.evidence.registration import adopt_into_store, registered_fingerprint, resolve_version

FIX_TAMPERED = "find out who changed the checkpoint store (only the harness writes it); the run was not scored"


@dataclass(frozen=True)
class VerifiedCheckpoint:
    directory: Path  # versions/<fingerprint>/ inside the store
    registered: Fingerprint
    identities: dict[str, tuple[int, ...]]  # each file as hashed before the load

    def verify_again(self, *, progress: bool = False) -> None:
        """After the engine loaded: the same bytes in the same files, or InputError naming each file."""
        identities = verify(self.directory, self.registered, progress=progress)
        replaced = sorted(name for name in self.identities if identities.get(name) != self.identities[name])
        if replaced:
            raise InputError([
                Problem(str(self.directory / name), "checkpoint store", "replaced while the engine was loading it (same digest now, another file then)", FIX_TAMPERED)
                for name in replaced
            ])


def checked_checkpoint(client: MlflowClient, model_spec: str, progress: bool) -> tuple[ModelVersion, VerifiedCheckpoint]:
    """The registered version and its files in the store, re-fingerprinted: nothing is scored on altered weights."""
    version, registered = registered_version(client, model_spec)
    if names.V_STORE not in version.tags:
        raise InputError([
            Problem(
                f"{version.name}/{version.version}",
                names.V_STORE,
                "registered before the checkpoint store: its files are still only in the submitter's directory, which engines no longer read",
                f"harness store migrate --model {version.name}/{version.version} (copies them into the store if they still match the registered digests), or submit the checkpoint again",
            )
        ])
    directory = configured_store().materialise(registered, stored_in=version.tags[names.V_STORE])
    identities = verify(directory, registered, progress=progress)
    return version, VerifiedCheckpoint(directory, registered, identities)


def migrate(client: MlflowClient, model_spec: str | None, *, progress: bool = False) -> list[str]:
    """Copy the files of versions registered before the store into it, each checked against the
    digest registered at submission (the submitter's directory may have changed since); tag them.
    Returns the NAME/VERSION of each version migrated; InputError names every file that differs."""
    if model_spec:
        versions = [resolve_version(client, model_spec)]
    else:
        versions = [v for m in client.search_registered_models(max_results=1000) for v in client.search_model_versions(f"name = '{m.name}'")]
    store = configured_store()
    migrated = []
    for version in sorted((v for v in versions if names.V_STORE not in v.tags), key=lambda v: (v.name, int(v.version))):
        _store_registered_files(store, Path(version.tags[names.V_CHECKPOINT]), registered_fingerprint(client, version), progress)
        adopt_into_store(client, version, store)
        migrated.append(f"{version.name}/{version.version}")
    return migrated


def _store_registered_files(store: CheckpointStore, directory: Path, registered: Fingerprint, progress: bool) -> None:
    directory = directory.resolve()
    with store.ingest(progress=progress) as ingest:
        problems: list[Problem] = []
        for name in registered.files:
            try:
                with open_entry(directory, directory / name) as opened:
                    ingest.put(opened)
            except InputError as e:
                problems += e.problems
        problems += [
            Problem(str(directory / name), "fingerprint", "differs from the file registered", "restore the submitted file, or submit the checkpoint again as a new version")
            for name in registered.files
            if name in ingest.files and ingest.files[name] != registered.files[name]
        ]
        if problems:
            raise InputError(problems)
        ingest.commit()
