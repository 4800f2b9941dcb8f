"""Signed evidence bundles against a real MLflow store and a real evaluation run: `harness bundle`
writes a bundle the standard OMS tool verifies; `harness verify` catches a changed byte in an
artifact, a missing and an added artifact, a metric changed in MLflow after the run and a wrong key,
each with its own message and exit code 3."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from mlflow.entities import Metric, Param

from harness.cli import VERIFICATION_FAILED, main
from harness.evaluate import evaluate
from harness.evidence import names
from harness.evidence.bundle import SIGNATURE
from harness.evidence.tracking import evaluation_experiment_ids

MODEL_SIGNING = str(Path(sys.executable).parent / "model_signing")
ITEMS = "items/zh_mcq_sample.jsonl"
METRIC = "zh_mcq_sample/accuracy"


@pytest.fixture(scope="module")
def evaluated(store) -> str:
    return evaluate(store.client, "demo", "zh-tiny-tuned", limit=6, progress=False).run_id


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("keys")
    assert main(["keys", "init", "--dir", str(root / "org")]) == 0
    assert main(["keys", "init", "--dir", str(root / "other")]) == 0
    return {"private": root / "org" / "evaluator.key", "public": root / "org" / "evaluator.pub", "other": root / "other" / "evaluator.pub"}


@pytest.fixture
def run_id(store, evaluated) -> str:
    """A private copy of the evaluated run, so each test tampers with a run no other test touched."""
    client = store.client
    source = client.get_run(evaluated)
    copy = client.create_run(source.info.experiment_id, tags=source.data.tags).info.run_id
    client.log_batch(copy, params=[Param(k, v) for k, v in source.data.params.items()], metrics=[Metric(k, v, 0, 0) for k, v in source.data.metrics.items()])
    with tempfile.TemporaryDirectory() as tmp:
        client.download_artifacts(evaluated, "", tmp)
        client.log_artifacts(copy, tmp)
    client.set_terminated(copy, "FINISHED")
    return copy


def artifact_path(store, run_id: str, name: str) -> Path:
    return Path(unquote(urlparse(store.client.get_run(run_id).info.artifact_uri).path)) / name


def bundle(store, run_id: str, keys: dict[str, Path], out: Path) -> None:
    assert main(["bundle", run_id, "--key", str(keys["private"]), "--out", str(out), "--tracking-uri", store.uri]) == 0


def verify(store, target: str, key: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", target, "--key", str(key), "--tracking-uri", store.uri])
    return code, capsys.readouterr().out


def test_bundle_verifies_with_harness_and_with_model_signing(store, run_id, keys, tmp_path: Path, capsys) -> None:
    out = tmp_path / "bundle"
    bundle(store, run_id, keys, out)
    assert (out / "artifacts" / ITEMS).is_file()
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    version = store.client.get_model_version("zh-tiny-tuned", record["params"][names.P_MODEL_VERSION])
    assert record["model"]["fingerprint"] == version.tags[names.V_FINGERPRINT] and "model.safetensors" in record["model"]["files"]
    # The run's own vLLM engine (float32, the checkpoint's dtype) recorded the behavioural fingerprint on the side.
    assert record["model"]["behaviour"] == version.tags[names.V_BEHAVIOUR]
    assert record["metrics"][METRIC] == repr(store.client.get_run(run_id).data.metrics[METRIC])
    for target in (str(out), run_id, str(out / SIGNATURE)):
        code, text = verify(store, target, keys["public"], capsys)
        assert code == 0 and "verified" in text, text
    standard = subprocess.run([MODEL_SIGNING, "verify", "key", str(out), "--signature", str(out / SIGNATURE), "--public_key", str(keys["public"])],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert standard.returncode == 0, standard.stdout + standard.stderr


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _change_byte(store, run_id: str, tmp_path: Path) -> None:
    _flip_byte(artifact_path(store, run_id, ITEMS))


def _remove(store, run_id: str, tmp_path: Path) -> None:
    artifact_path(store, run_id, ITEMS).unlink()


def _add(store, run_id: str, tmp_path: Path) -> None:
    (tmp_path / "extra.jsonl").write_text('{"forged": true}\n')
    store.client.log_artifact(run_id, str(tmp_path / "extra.jsonl"), names.A_ITEMS_DIR)


def _change_metric(store, run_id: str, tmp_path: Path) -> None:
    store.client.log_metric(run_id, METRIC, 0.99, step=1)


@pytest.mark.parametrize(
    ("tamper", "kind", "phrase"),
    [
        (_change_byte, "artifact-changed", f"artifact {ITEMS}: changed since the bundle was signed"),
        (_remove, "artifact-missing", f"artifact {ITEMS}: signed in the bundle but missing from the run"),
        (_add, "artifact-added", "artifact items/extra.jsonl: in the run"),
        (_change_metric, "metric-changed", f"metric {METRIC}: "),
    ],
    ids=["byte", "missing", "added", "metric"],
)
def test_each_tampering_is_caught_with_its_own_message(tamper, kind: str, phrase: str, store, run_id, keys, tmp_path: Path, capsys) -> None:
    bundle(store, run_id, keys, tmp_path / "bundle")
    tamper(store, run_id, tmp_path)
    for target in (str(tmp_path / "bundle"), run_id):
        code, text = verify(store, target, keys["public"], capsys)
        assert code == VERIFICATION_FAILED, text
        findings = [line for line in text.splitlines() if line.startswith("FAIL ")]
        assert findings == [line for line in findings if line.startswith(f"FAIL {kind}: ")] and len(findings) == 1, text
        assert phrase in findings[0], text
    if kind == "artifact-added":
        assert findings[0].endswith("but not in the signed bundle (added after signing)")
    if kind == "metric-changed":
        assert "in MLflow now" in findings[0] and "'0.99'" in findings[0]


def test_wrong_key_and_altered_bundle_are_caught(store, run_id, keys, tmp_path: Path, capsys) -> None:
    out = tmp_path / "bundle"
    bundle(store, run_id, keys, out)
    code, text = verify(store, str(out), keys["other"], capsys)
    assert code == VERIFICATION_FAILED and text.startswith("FAIL wrong-key: ") and "signed with another key" in text, text
    _flip_byte(out / "artifacts" / ITEMS)  # the bundle's copy, not the run
    code, text = verify(store, str(out), keys["public"], capsys)
    assert code == VERIFICATION_FAILED and f"FAIL bundle-file-changed: bundle-file artifacts/{ITEMS}: changed" in text, text
    assert main(["verify", str(out), "--key", str(keys["public"]), "--offline"]) == VERIFICATION_FAILED


def test_only_finished_runs_are_bundled(store, keys, tmp_path: Path, capsys) -> None:
    running = store.client.create_run(evaluation_experiment_ids(store.client, "demo")[0]).info.run_id
    assert main(["bundle", running, "--key", str(keys["private"]), "--out", str(tmp_path / "b"), "--tracking-uri", store.uri]) == 2
    assert "the run is RUNNING, not FINISHED" in capsys.readouterr().err
