"""Bad input to `harness run` and `harness submit`: one clear message, exit 2, nothing half-written."""

import shutil
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient
from mlflow.entities import ViewType

from harness.cli import main
from foundation.paths import REGISTRY_EXAMPLES_DIR
from harness.evidence.checkpoint_objects import configured_store
from registry.fingerprint import sha256_file


def _all_runs(client: MlflowClient) -> list:
    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    return client.search_runs(experiments, run_view_type=ViewType.ALL) if experiments else []


def _submit_copy(store, demo_checkpoints, tmp_path: Path, model_name: str) -> Path:
    """Register a private copy of the tuned checkpoint under a new model name; return the copy."""
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(demo_checkpoints["zh-tiny-tuned"], checkpoint)
    manifest = yaml.safe_load((REGISTRY_EXAMPLES_DIR / "submission.yaml").read_text(encoding="utf-8"))
    manifest["model"]["name"] = model_name
    manifest["checkpoint"]["path"] = str(checkpoint)
    manifest_path = tmp_path / "manifest.yaml"
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    assert main(["submit", str(manifest_path), "--tracking-uri", store.uri]) == 0
    return checkpoint


def _run_fails(store, capsys, *argv: str) -> str:
    before = len(_all_runs(store.client))
    assert main(["run", *argv, "--tracking-uri", store.uri]) == 2
    err = capsys.readouterr().err
    assert len(_all_runs(store.client)) == before, "a failed start must not leave a run behind"
    assert err.count("error:") >= 1 and "Traceback" not in err
    return err


def test_unknown_model(store, capsys) -> None:
    err = _run_fails(store, capsys, "demo", "--model", "no-such-model")
    assert "no-such-model" in err and "harness models" in err


def test_unknown_profile(store, capsys) -> None:
    err = _run_fails(store, capsys, "no-such-profile", "--model", "zh-tiny-tuned")
    assert "no-such-profile" in err and "demo" in err


def test_a_version_whose_files_are_not_in_the_configured_store(store, demo_checkpoints, tmp_path: Path, capsys, monkeypatch) -> None:
    _submit_copy(store, demo_checkpoints, tmp_path, "moved-away")
    submitted_to = configured_store().location
    monkeypatch.setenv("HARNESS_CHECKPOINT_STORE", str(tmp_path / "another-store"))
    err = _run_fails(store, capsys, "demo", "--model", "moved-away")
    assert "not in the checkpoint store" in err and submitted_to in err


def test_a_tampered_store_copy_is_refused_naming_the_file(store, demo_checkpoints, tmp_path: Path, capsys) -> None:
    checkpoint = _submit_copy(store, demo_checkpoints, tmp_path, "tampered")
    stored = configured_store().object_path(sha256_file(checkpoint / "model.safetensors"))
    stored.chmod(0o644)  # root can write the read-only store; the run must still notice
    original = stored.read_bytes()
    data = bytearray(original)
    data[-1] ^= 0xFF
    stored.write_bytes(bytes(data))
    try:
        err = _run_fails(store, capsys, "demo", "--model", "tampered")
    finally:
        # The store is content-addressed: this object is also the session's zh-tiny-tuned weights.
        stored.write_bytes(original)
    assert "model.safetensors" in err and "fingerprint" in err
    assert "config.json" not in err


def test_submitting_the_same_checkpoint_twice_gives_one_version(store, capsys) -> None:
    versions = store.client.search_model_versions("name = 'zh-tiny-tuned'")
    assert main(["submit", str(store.manifests["zh-tiny-tuned"]), "--tracking-uri", store.uri, "--json"]) == 0
    out = capsys.readouterr().out
    assert '"existing": true' in out
    assert len(store.client.search_model_versions("name = 'zh-tiny-tuned'")) == len(versions) == 1


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda m: m["enterprise"].pop("uscc"), "enterprise.uscc"),
        (lambda m: m["model"].update(sectors=["spaceflight"]), "model.sectors"),
        (lambda m: m["filings"][0].update(date="30/06/2026"), "filings.0.date"),
        (lambda m: m.update(extra_field=1), "extra_field"),
    ],
)
def test_bad_manifest_names_file_and_field(store, tmp_path: Path, capsys, edit, field: str) -> None:
    manifest = yaml.safe_load(store.manifests["zh-tiny-tuned"].read_text(encoding="utf-8"))
    edit(manifest)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    assert main(["submit", str(path), "--tracking-uri", store.uri]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and field in err and "fix:" in err
