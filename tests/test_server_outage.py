"""Tracking outages against the real server: `mlflow server` stopped in the middle of a real `harness run`
(and before one starts); the run keeps its results in the local store and says so; `harness sync`
uploads them with the same harness run id, identical metrics and item counts, and a second sync
uploads nothing."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient
from server_helpers import Server, as_user, running_server, user_env

from harness.demo.job import DEMO_MANIFESTS, materialize_manifest
from harness.evidence import names
from harness.evidence.tracking import connect, evaluation_experiment_ids
from foundation.paths import REGISTRY_EXAMPLES_DIR
from harness.server.control import start_server, stop_tracking_only

pytestmark = pytest.mark.engine


def _env(server: Server, home: Path) -> dict[str, str]:
    # One retry: the outage is declared within seconds instead of the ~10 s default.
    return {**os.environ, **user_env(server, "evaluator"), "HARNESS_HOME": str(home), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1"}


def _harness(server: Server, home: Path, *args: str) -> dict | list:
    done = subprocess.run([sys.executable, "-m", "harness.cli", *args, "--json"], env=_env(server, home), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def server_with_model(demo_checkpoints: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    home = tmp_path_factory.mktemp("evaluator-home")
    with running_server() as server:
        _harness(server, home, "submit", str(materialize_manifest(REGISTRY_EXAMPLES_DIR / DEMO_MANIFESTS[0], demo_checkpoints, home)))
        yield server, home


def _item_counts(client: MlflowClient, run_id: str) -> dict[str, int]:
    return {
        Path(f.path).name: len(Path(client.download_artifacts(run_id, f.path)).read_text(encoding="utf-8").splitlines())
        for f in client.list_artifacts(run_id, names.A_ITEMS_DIR)
    }


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal, NaN included (a macro accuracy is NaN when no subject has two items)."""
    return json.dumps(sorted(a.items())) == json.dumps(sorted(b.items()))


def _server_runs(server: Server, run_uuid: str) -> list:
    with as_user(server, "committee"):
        client = connect(server.uri)
        return client.search_runs(evaluation_experiment_ids(client), filter_string=f"tags.`{names.T_RUN_UUID}` = '{run_uuid}'")


def _check_synced(server: Server, home: Path, local_run_id: str) -> tuple[dict, str]:
    """Sync twice; the server's run equals the local one; the second sync uploads nothing."""
    local = MlflowClient(f"sqlite:///{home / 'offline' / 'mlflow.db'}")
    kept = local.get_run(local_run_id)
    first = _harness(server, home, "sync")
    (synced,) = [s for s in first if s["local_run_id"] == local_run_id]
    second = _harness(server, home, "sync")
    (again,) = [s for s in second if s["local_run_id"] == local_run_id]
    assert again["server_run_id"] == synced["server_run_id"] and not again["created"]
    assert again["params"] + again["metric_values"] + again["tags"] + again["inputs"] + again["artifacts"] == 0
    (on_server,) = _server_runs(server, kept.data.tags[names.T_RUN_UUID])
    assert on_server.info.run_id == synced["server_run_id"] and on_server.info.status == "FINISHED"
    assert _same(on_server.data.metrics, kept.data.metrics) and on_server.data.params == kept.data.params
    with as_user(server, "committee"):
        remote = connect(server.uri)
        assert _item_counts(remote, on_server.info.run_id) == _item_counts(local, local_run_id) != {}
        key = next(iter(kept.data.metrics))
        assert len(remote.get_metric_history(on_server.info.run_id, key)) == 1
    return synced, on_server.info.run_id


def test_server_stopped_mid_run_then_synced(server_with_model: tuple[Server, Path], capsys: pytest.CaptureFixture) -> None:
    server, home = server_with_model
    launched = int(time.time() * 1000)
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "demo", "--model", "zh-tiny-tuned/1", "--limit", "30", "--json"],
        env=_env(server, home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # The run is created on the server before the engine loads (~15 s of vLLM import and start-up):
        # stop the server as soon as the run is there, while the model is still loading.
        deadline, started = time.monotonic() + 900, []  # vLLM import and start-up take minutes on a loaded machine
        while not started and time.monotonic() < deadline and process.poll() is None:
            with as_user(server, "committee"):
                client = connect(server.uri)
                experiments = evaluation_experiment_ids(client, "demo")
                running = f"attributes.status = 'RUNNING' and attributes.start_time >= {launched}"
                started = client.search_runs(experiments, filter_string=running) if experiments else []
            time.sleep(0.5)
        assert started, f"the run never appeared on the server: {process.poll()} {process.stderr.read()[-3000:] if process.poll() is not None else ''}"
        stop_tracking_only(server.state)
        stdout, stderr = process.communicate(timeout=900)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr[-3000:]
    result = json.loads(stdout)
    assert result["kept_locally"] and "cannot be reached" in stderr and "harness sync" in stderr
    assert result["run_id"] == started[0].info.run_id  # the id the server gave the run before the outage
    start_server(server.state)
    synced, server_run = _check_synced(server, home, result["local_run_id"])
    assert not synced["created"] and server_run == result["run_id"] and synced["metric_values"] == len(result["metrics"])
    with capsys.disabled():
        print(f"\nmid-run outage: local run {result['local_run_id']} -> server run {server_run} (same id as before the outage); "
              f"{synced['metric_values']} metric values, {synced['params']} params, {synced['artifacts']} artifacts uploaded; second sync uploaded nothing")


def test_server_down_before_the_run_then_synced(server_with_model: tuple[Server, Path]) -> None:
    """Needs the version read from the server once (the mid-run test above did): a run keeps a copy."""
    server, home = server_with_model
    stop_tracking_only(server.state)
    try:
        result = _harness(server, home, "run", "demo", "--model", "zh-tiny-tuned/1", "--limit", "5")
    finally:
        start_server(server.state)
    assert result["kept_locally"] and result["run_id"] == result["local_run_id"]
    synced, _ = _check_synced(server, home, result["local_run_id"])
    assert synced["created"]
