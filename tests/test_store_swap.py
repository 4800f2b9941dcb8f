"""A shard swapped between verification and load: the real `harness run` path with the real vLLM
engine, the swap made at the seam where evaluate() hands the verified store directory to the engine
loader. No score may come from the swapped weights."""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from intake_cases import build
from mlflow import MlflowClient

import harness.evaluate as evaluate_module
from harness.cli import main
from harness.evidence import names
from harness.evidence.tracking import connect, evaluation_experiment_ids
from foundation.paths import CONFIGS_DIR
from harness.evidence.registration import submit

pytestmark = pytest.mark.engine


@pytest.fixture
def registered(tmp_path: Path, demo_checkpoints: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[MlflowClient, str, Path]:
    monkeypatch.setenv("HARNESS_CHECKPOINT_STORE", str(tmp_path / "store"))
    client = connect(f"sqlite:///{tmp_path / 'registry.db'}")
    submit(build(None, tmp_path / "submission", demo_checkpoints["zh-tiny-tuned"]), client)
    profile = tmp_path / "swap.yaml"  # a small profile: the run must stop before scoring anyway
    document = yaml.safe_load((CONFIGS_DIR / "demo.yaml").read_text(encoding="utf-8"))
    document["suites"] = [{"suite": "zh_mcq_sample", "limit": 5}]
    profile.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return client, client.tracking_uri, profile


def swap_at_load(monkeypatch: pytest.MonkeyPatch, swap: Callable[[Path], Callable[[], None]]) -> list[Path]:
    """Wrap the engine loader evaluate() calls: `swap(directory)` changes the store before the real
    loader reads it, and what it returns runs after the engine has loaded."""
    load = evaluate_module.load_engine
    seen: list[Path] = []

    def swapped_then_loaded(name, checkpoint, settings):  # noqa: ANN001, ANN202  (load_engine's signature)
        seen.append(checkpoint)
        after = swap(checkpoint)
        engine = load(name, checkpoint, settings)
        after()
        return engine

    monkeypatch.setattr(evaluate_module, "load_engine", swapped_then_loaded)
    return seen


def only_run(client: MlflowClient):  # noqa: ANN201  (mlflow Run)
    (run,) = client.search_runs(evaluation_experiment_ids(client, "demo"))
    return run


def refused_run(client: MlflowClient, uri: str, profile: Path, capsys: pytest.CaptureFixture):  # noqa: ANN201  (stderr, mlflow Run)
    """`harness run` on the swapped store: exit 2, and its one run FAILED without a metric."""
    assert main(["run", str(profile), "--model", "zh-tiny-tuned", "--tracking-uri", uri, "--no-cache"]) == 2  # the model must load: no answer reused
    err = capsys.readouterr().err
    run = only_run(client)
    assert run.info.status == "FAILED" and run.data.metrics == {}
    return err, run


def test_weights_swapped_before_the_load_are_never_scored(registered, demo_checkpoints, monkeypatch, capsys) -> None:
    client, uri, profile = registered

    def other_weights(directory: Path) -> Callable[[], None]:
        shard = directory / "model.safetensors"
        replacement = directory.parent / "replacement"
        shutil.copy(demo_checkpoints["zh-tiny-base"] / "model.safetensors", replacement)  # same shapes, other weights
        os.replace(replacement, shard)  # root can write the read-only store: the harness must still notice
        return lambda: None

    seen = swap_at_load(monkeypatch, other_weights)
    err, run = refused_run(client, uri, profile, capsys)
    assert f"error: {seen[0] / 'model.safetensors'}: fingerprint: changed, added or removed since the model version was registered" in err
    assert "model.safetensors" in run.data.tags[names.T_FAILURE] and names.P_FINGERPRINT not in run.data.params
    assert not client.list_artifacts(run.info.run_id, names.A_ITEMS_DIR)


def test_weights_swapped_and_swapped_back_during_the_load_are_never_scored(registered, demo_checkpoints, monkeypatch, capsys) -> None:
    """The engine read other weights, and the original file is back by the time it is hashed again:
    the same digest, but not the same file as verified."""
    client, uri, profile = registered

    def swap_and_restore(directory: Path) -> Callable[[], None]:
        shard, aside = directory / "model.safetensors", directory.parent / "aside"
        os.rename(shard, aside)
        shutil.copy(demo_checkpoints["zh-tiny-base"] / "model.safetensors", shard)
        return lambda: os.replace(aside, shard)

    seen = swap_at_load(monkeypatch, swap_and_restore)
    err, run = refused_run(client, uri, profile, capsys)
    assert f"error: {seen[0] / 'model.safetensors'}: checkpoint store: replaced while the engine was loading it" in err
