"""The checkpoint store on an object store shared by several machines: a real `mlflow server
--serve-artifacts` on this machine, one submitting "machine" and others that run, each with its own
local cache, every fetched object checked against its digest."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from intake_cases import build

from harness.checkpoints import checked_checkpoint
from foundation.errors import InputError
from harness.evidence.tracking import connect
from harness.evidence.checkpoint_objects import configured_store
from harness.evidence.registration import submit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def artifact_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(the store URI, the server's artifact directory); the server is stopped by its PID."""
    root = tmp_path_factory.mktemp("object-store")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{root / 'server.db'}", "--serve-artifacts", "--artifacts-destination", str(root / "artifacts")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("mlflow server did not start")
                time.sleep(1)
        yield f"http://127.0.0.1:{port}/api/2.0/mlflow-artifacts/artifacts/checkpoints", root / "artifacts" / "checkpoints"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)


def test_one_machine_submits_another_runs_from_its_own_verified_cache(
    artifact_server, tmp_path: Path, demo_checkpoints: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    uri, served = artifact_server
    monkeypatch.setenv("HARNESS_CHECKPOINT_STORE", uri)
    client = connect(f"sqlite:///{tmp_path / 'registry.db'}")  # the shared registry (a server in production)
    monkeypatch.setenv("HARNESS_CHECKPOINT_CACHE", str(tmp_path / "submitter-cache"))
    registered = submit(build(None, tmp_path / "submission", demo_checkpoints["zh-tiny-tuned"]), client)
    assert configured_store().location == uri
    objects = sorted(p.name for p in served.rglob("*") if p.is_file())
    assert len(objects) == len(list((tmp_path / "submission" / "checkpoint").iterdir()))

    shutil.rmtree(tmp_path / "submission")  # the evaluator's machine never sees the submitter's directory
    monkeypatch.setenv("HARNESS_CHECKPOINT_CACHE", str(tmp_path / "evaluator-cache"))
    _, verified = checked_checkpoint(client, registered.name, progress=False)
    assert verified.directory.is_relative_to(tmp_path / "evaluator-cache") and verified.registered.digest == registered.fingerprint
    assert sorted(p.name for p in (tmp_path / "evaluator-cache" / "objects").rglob("*") if p.is_file()) == objects

    # The object store hands back other bytes for one object: a fresh cache refuses them.
    tampered = next(p for p in served.rglob("*") if p.is_file() and p.stat().st_size > 1000)
    tampered.write_bytes(tampered.read_bytes()[:-1] + b"\x00")
    monkeypatch.setenv("HARNESS_CHECKPOINT_CACHE", str(tmp_path / "third-cache"))
    with pytest.raises(InputError, match=f"checkpoints/sha256/{tampered.name[:2]}/{tampered.name}: content: the object store returned bytes whose SHA-256 is"):
        checked_checkpoint(client, registered.name, progress=False)
