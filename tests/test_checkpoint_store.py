"""The checkpoint store: what a submission stores (read-only, by digest, never a hard link to the
submitter's file), reflink where the filesystem allows, the one-descriptor intake refusing files that
change or appear while it reads, runs verifying the store, and versions registered before it."""

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from intake_cases import USCC, build
from mlflow import MlflowClient

import registry.checkpoint as checkpoint_module
from harness.checkpoints import checked_checkpoint
from harness.cli import main
from foundation.errors import InputError
from harness.evidence import names
from harness.evidence.tracking import ensure_experiment
from registry.checkpoint_store import CheckpointStore
from registry.files import open_entry
from registry.fingerprint import Fingerprint, fingerprint, listing_digest, sha256_file
from harness.evidence.registration import submit


@pytest.fixture
def client(fresh_client: MlflowClient) -> MlflowClient:
    """A registry of its own: each test registers its version afresh."""
    return fresh_client


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "store"
    monkeypatch.setenv("HARNESS_CHECKPOINT_STORE", str(directory))
    return directory


@pytest.fixture
def manifest(tmp_path: Path, demo_checkpoints: dict[str, Path]) -> Path:
    return build(None, tmp_path / "submission", demo_checkpoints["zh-tiny-tuned"])


@pytest.fixture(scope="module")
def reflink_dir() -> Iterator[Path]:
    """A loop-mounted XFS image (reflink=1): needs root, xfsprogs (requirements/debian.txt) and a loop device."""
    if os.geteuid() != 0 or shutil.which("mkfs.xfs") is None:
        pytest.skip("reflink needs root and mkfs.xfs to mount an XFS image")
    with tempfile.TemporaryDirectory(prefix="reflink-") as tmp:
        image, mount = Path(tmp) / "xfs.img", Path(tmp) / "mnt"
        mount.mkdir()
        with open(image, "wb") as f:
            f.truncate(512 * 1024 * 1024)
        subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", str(image)], check=True)
        if subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True).returncode != 0:
            pytest.skip("no loop device could be mounted here")
        try:
            yield mount
        finally:
            subprocess.run(["umount", str(mount)], check=True)


def test_submission_stores_each_file_read_only_by_digest_never_as_a_hard_link(client, store_dir: Path, manifest: Path) -> None:
    registered = submit(manifest, client)
    checkpoint = manifest.parent / "checkpoint"
    store = CheckpointStore(store_dir)
    digests = {p.name: sha256_file(p) for p in checkpoint.iterdir()}
    assert registered.fingerprint == Fingerprint.of(digests).digest
    for name, digest in digests.items():
        stored, submitted = store.object_path(digest).stat(), (checkpoint / name).stat()
        assert stored.st_mode & 0o777 == 0o444 and store.object_path(digest).parent.stat().st_mode & 0o777 == 0o555
        assert stored.st_ino != submitted.st_ino and submitted.st_nlink == 1, f"{name} is linked to the submitter's file"
    version = client.get_model_version(registered.name, registered.version)
    assert version.tags[names.V_STORE] == str(store.root) and version.tags[names.V_FINGERPRINT_SCHEME] == "2"
    # What the submitter does to the directory afterwards does not reach the store.
    weights = checkpoint / "model.safetensors"
    weights.write_bytes(b"\0" * weights.stat().st_size)
    assert sha256_file(store.object_path(digests["model.safetensors"])) == digests["model.safetensors"]
    assert not list((store.root / "staging").iterdir()), "staging is emptied after a submission"


def test_a_reflink_where_the_filesystem_allows_a_copy_otherwise(reflink_dir: Path, tmp_path: Path) -> None:
    for where, expected in ((reflink_dir, "reflink"), (tmp_path, "copy")):  # the XFS image; ext4 (no reflink)
        source = where / "source"
        source.mkdir(exist_ok=True)
        (source / "model.safetensors").write_bytes(os.urandom(1 << 20))
        store = CheckpointStore(where / "store")
        with store.ingest() as ingest, open_entry(source, source / "model.safetensors") as opened:
            ingest.put(opened)
            fp = ingest.commit()
        assert ingest.methods == {expected: 1}
        stored = store.object_path(fp.files["model.safetensors"])
        (source / "model.safetensors").write_bytes(b"changed")  # copy-on-write: the clone keeps its bytes
        assert sha256_file(stored) == fp.files["model.safetensors"]


def test_a_file_that_appears_after_the_listing_is_refused(client, store_dir: Path, manifest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listing, calls = checkpoint_module.tree_entries, []

    def listed_then_added(directory: Path) -> list[Path]:
        entries = listing(directory)
        calls.append(directory)
        if len(calls) == 1:
            (directory / "added_later.safetensors").write_bytes(b"never inspected")
        return entries

    monkeypatch.setattr(checkpoint_module, "tree_entries", listed_then_added)
    with pytest.raises(InputError, match="added_later.safetensors: -: appeared after the checkpoint was listed, so it was not inspected"):
        submit(manifest, client)
    assert client.search_model_versions() == [] and not list((store_dir / "objects").rglob("*"))


def test_a_file_changed_between_inspection_and_copy_is_refused(client, store_dir: Path, manifest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The header the intake parsed must be the header stored: a writer changes it right after the
    parse (the seam between inspecting and copying one open file)."""
    parse = checkpoint_module.header_from

    def parsed_then_changed(opened, max_header_bytes):  # noqa: ANN001, ANN202  (the wrapped function's signature)
        found = parse(opened, max_header_bytes)
        with open(opened.path, "r+b") as f:  # the same inode, written in place
            f.seek(8)
            f.write(b"{" + b" " * 7)
        return found

    monkeypatch.setattr(checkpoint_module, "header_from", parsed_then_changed)
    with pytest.raises(InputError, match="model.safetensors: -: changed while it was being copied into the checkpoint store"):
        submit(manifest, client)
    assert client.search_model_versions() == []


def test_runs_load_the_store_and_refuse_an_altered_object(client, store_dir: Path, manifest: Path) -> None:
    registered = submit(manifest, client)
    version, verified = checked_checkpoint(client, registered.name, progress=False)
    store = CheckpointStore(store_dir)
    assert verified.directory == store.root / "versions" / registered.fingerprint
    weights = verified.directory / "model.safetensors"
    obj = store.object_path(verified.registered.files["model.safetensors"])
    assert weights.stat().st_ino == obj.stat().st_ino and verified.directory.stat().st_mode & 0o777 == 0o555
    obj.chmod(0o644)  # someone with root rights over the store
    with open(obj, "r+b") as f:
        f.seek(-1, os.SEEK_END)
        f.write(b"\x01")
    with pytest.raises(InputError, match=f"{weights}: fingerprint: changed, added or removed since the model version was registered"):
        checked_checkpoint(client, registered.name, progress=False)


def register_before_the_store(client: MlflowClient, checkpoint: Path) -> str:
    """A version as the harness registered it before the store: a scheme-1 fingerprint.json, the
    submitter's directory as checkpoint_path, no checkpoint_store tag."""
    files = fingerprint(checkpoint).files
    digest = listing_digest(files, 1)
    run = client.create_run(ensure_experiment(client, names.submission_experiment(USCC)))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "fingerprint.json").write_text(json.dumps({"digest": digest, "files": files}))
        client.log_artifact(run.info.run_id, str(Path(tmp) / "fingerprint.json"), "submission")
    client.create_registered_model("zh-tiny-tuned", tags={names.V_USCC: USCC})
    tags = {names.V_FINGERPRINT: digest, names.V_CHECKPOINT: str(checkpoint)}
    client.create_model_version("zh-tiny-tuned", source=checkpoint.as_uri(), run_id=run.info.run_id, tags=tags)
    return digest


def test_a_version_registered_before_the_store_is_refused_until_migrated(client, store_dir: Path, manifest: Path, capsys) -> None:
    checkpoint = manifest.parent / "checkpoint"
    digest = register_before_the_store(client, checkpoint)
    with pytest.raises(InputError, match="registered before the checkpoint store.*harness store migrate --model zh-tiny-tuned/1"):
        checked_checkpoint(client, "zh-tiny-tuned/1", progress=False)
    original = (checkpoint / "config.json").read_bytes()
    (checkpoint / "config.json").write_bytes(original.replace(b"}", b' , "extra": 1}', 1) if b"}" in original else b"{}")
    uri = client.tracking_uri
    assert main(["store", "migrate", "--model", "zh-tiny-tuned/1", "--tracking-uri", uri]) == 2
    assert f"{checkpoint / 'config.json'}: fingerprint: differs from the file registered" in capsys.readouterr().err
    (checkpoint / "config.json").write_bytes(original)
    assert main(["store", "migrate", "--tracking-uri", uri]) == 0
    assert "zh-tiny-tuned/1" in capsys.readouterr().out
    _, verified = checked_checkpoint(client, "zh-tiny-tuned/1", progress=False)
    assert verified.registered.scheme == 1 and verified.directory.name == digest


def test_submitting_the_same_files_again_adopts_a_version_registered_before_the_store(client, store_dir: Path, manifest: Path) -> None:
    digest = register_before_the_store(client, manifest.parent / "checkpoint")
    registered = submit(manifest, client)
    assert (registered.version, registered.fingerprint, registered.existing) == ("1", digest, True)
    assert client.get_model_version("zh-tiny-tuned", "1").tags[names.V_STORE] == str(store_dir.resolve())
    checked_checkpoint(client, "zh-tiny-tuned/1", progress=False)
