"""Crash safety, proven: `harness run` is killed with SIGKILL at named points (HARNESS_CRASH_AT,
harness/crash.py), the same command is run again, and the one FINISHED run it ends with holds
every item once and the metrics of an uninterrupted run. Also: the shared request cache, --no-cache,
the lock against a second launch, and typed item files validated on read.

Cost is bounded: the transformers engine on the tuned demo model, --limit 4 (4 multiple-choice
items, 12 safety items). Points inside generation run with --no-cache, so the model really answers
before the kill and after it; later points reuse the reference run's answers from the request
cache, so neither process loads the model. `scripts/crash_matrix.py` prints the matrix as a table.
"""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from harness.crash import ENV as CRASH_ENV
from harness.demo.job import materialize_manifest
from foundation.errors import InputError
from harness.evidence import names
from harness.evidence.tracking import connect
from foundation.paths import REGISTRY_EXAMPLES_DIR, harness_home
from harness.runlog import SCHEMA_VERSION, EngineCall, Results, RunSpec, jsonl_lines
from harness.store import journal_path, lock_path, read_items, staging_dir
from harness.evidence.registration import submit

pytestmark = pytest.mark.engine

MODEL = "zh-tiny-tuned"
COMMAND = ["run", "demo", "--model", MODEL, "--limit", "4", "--engine", "hf", "--json"]
SUITES = ("zh_mcq_sample", "safety_sample")
# Item lines in order: 4 multiple-choice items, the 12 lines of the drawn safety sample, 12 safety items.
GENERATION_POINTS = [
    "engine.loaded:1",  # the model is in memory, nothing asked
    "engine.answered:1",  # the multiple-choice batch answered, not yet journaled
    "item:2",  # two multiple-choice items written
    "engine.answered:2",  # the safety batch answered, not yet journaled
    "item:22",  # six of twelve safety items written
]
LATER_POINTS = [
    "run.created:1",  # the run exists, no param yet
    "judging:1",  # the judge phase
    "log.artifact:1",  # the first suite's items logged, its metrics not
    "log.metrics:1",  # the first suite's metrics logged, the second's not
    "report:1",  # the report's Markdown stored, its HTML not
    "run.described:1",  # description and verdict tags set, results.json and FINISHED not
]


def _run(uri: str, *extra: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash:
        env[CRASH_ENV] = crash
    return subprocess.run([sys.executable, "-m", "harness.cli", *COMMAND, "--tracking-uri", uri, *extra], env=env, capture_output=True, text=True, timeout=900)


def _runs(client: MlflowClient, digest: str) -> list:
    experiments = [e.experiment_id for e in client.search_experiments() if e.name.startswith(names.EVALUATION_PREFIX)]
    return client.search_runs(experiments, filter_string=f"tags.`{names.T_RUN_SPEC_DIGEST}` = '{digest}'") if experiments else []


def _items(client: MlflowClient, run_id: str) -> dict[str, list[dict]]:
    return {s: read_items(Path(client.download_artifacts(run_id, f"{names.A_ITEMS_DIR}/{s}.jsonl"))) for s in SUITES}


def _comparable(metrics: dict[str, float]) -> dict[str, object]:
    """Every metric but wall-clock seconds; NaN as a string so that it equals itself."""
    return {k: "nan" if math.isnan(v) else v for k, v in metrics.items() if not k.endswith("/wall_seconds")}


def _staged_counts(run_id: str) -> tuple[int, int]:
    """(item lines in the staging folder, answers in the journal) left by the killed process."""
    folder = staging_dir(run_id) / names.A_ITEMS_DIR
    items = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in folder.glob("*.jsonl")) if folder.is_dir() else 0
    journal = journal_path(run_id)
    return items, (sum(1 for _ in jsonl_lines(journal, EngineCall, torn_tail=True)) if journal.is_file() else 0)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, demo_checkpoints: dict[str, Path]) -> dict:
    """An uninterrupted run, in a store of this module's own with the tuned demo model registered."""
    folder = tmp_path_factory.mktemp("crash-reference")
    client = connect(f"sqlite:///{folder / 'template.db'}")
    submit(materialize_manifest(REGISTRY_EXAMPLES_DIR / "submission.yaml", {MODEL: demo_checkpoints[MODEL]}, folder), client)
    shutil.copy(folder / "template.db", folder / "reference.db")
    uri = f"sqlite:///{folder / 'reference.db'}"
    done = _run(uri)
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads(done.stdout)
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(document["run_id"])
    return {
        "template": folder / "template.db", "uri": uri, "run": run, "items": _items(client, run.info.run_id),
        "digest": run.data.tags[names.T_RUN_SPEC_DIGEST], "requests": sum(document["requests"].values()),
    }  # fmt: skip


def _case_store(reference: dict, tmp_path: Path) -> tuple[str, MlflowClient]:
    shutil.copy(reference["template"], tmp_path / "store.db")
    uri = f"sqlite:///{tmp_path / 'store.db'}"
    return uri, MlflowClient(tracking_uri=uri)


def _record_row(row: dict) -> None:
    out = os.environ.get("HARNESS_MATRIX_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


@pytest.mark.parametrize("point", GENERATION_POINTS + LATER_POINTS)
def test_kill_9_then_the_same_command_finishes_the_same_run(point: str, reference: dict, tmp_path: Path) -> None:
    uri, client = _case_store(reference, tmp_path)
    extra = ("--no-cache",) if point in GENERATION_POINTS else ()
    killed = _run(uri, *extra, crash=point)
    assert killed.returncode == -signal.SIGKILL, f"{point} was never reached: {killed.stderr[-2000:]}"
    (interrupted,) = _runs(client, reference["digest"])
    assert interrupted.info.status == "RUNNING"  # nobody marked it: the process died
    items_before, answers_before = _staged_counts(interrupted.info.run_id)

    resumed = _run(uri, *extra)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    document = json.loads(resumed.stdout)
    assert document["resumed"] and document["run_id"] == interrupted.info.run_id
    (run,) = _runs(client, reference["digest"])
    assert run.info.status == "FINISHED" and run.data.tags[names.T_RESUMED] == "1"
    # The model answered each request once across both processes: the continuation asked only the rest.
    assert document["requests"]["from_journal"] == answers_before
    assert sum(document["requests"].values()) == reference["requests"] == 28
    items = _items(client, run.info.run_id)
    for suite in SUITES:
        ids = [r["id"] for r in items[suite]]
        assert len(ids) == len(set(ids)) == int(run.data.params[names.suite_param(suite, "n_items")]), suite
        assert items[suite] == reference["items"][suite], suite
    metrics_equal = _comparable(run.data.metrics) == _comparable(reference["run"].data.metrics)
    _record_row({"point": point, "items_before": items_before, "answers_before": answers_before, "items_after": sum(len(v) for v in items.values()),
                 "metrics_equal": metrics_equal, "runs": len(_runs(client, reference["digest"])), "cache": not extra})  # fmt: skip
    assert metrics_equal
    assert run.data.params[names.P_ENGINE_VERSION] == reference["run"].data.params[names.P_ENGINE_VERSION]


def test_a_second_launch_is_refused_while_the_first_runs_and_a_dead_ones_lock_is_taken_over(reference: dict, tmp_path: Path) -> None:
    uri, client = _case_store(reference, tmp_path)
    lock = lock_path(uri, reference["digest"])
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(["sleep", "600"])  # a live process holding the lock, as a first launch would
    try:
        lock.write_text(json.dumps({"pid": holder.pid, "host": os.uname().nodename, "since": "now", "run": "first launch"}), encoding="utf-8")
        refused = _run(uri)
        assert refused.returncode == 2, refused.stderr[-2000:]
        assert f"by process {holder.pid}" in refused.stderr and f"kill {holder.pid}" in refused.stderr
        assert _runs(client, reference["digest"]) == []  # refused before any run was created
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone (as after a kill -9): its lock is stale and the next launch takes it over.
    done = _run(uri)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not lock.exists()
    (run,) = _runs(client, reference["digest"])
    assert run.info.status == "FINISHED"


def test_request_cache_serves_another_profile_and_no_cache_refuses_it(reference: dict, tmp_path: Path) -> None:
    """The same weights under another profile (same multiple-choice suite, a different safety
    suite) reuse the reference run's identical requests; --no-cache asks the model again."""
    uri, client = _case_store(reference, tmp_path)
    profile = tmp_path / "mcq-only.yaml"
    profile.write_text(
        "name: mcq-only\nseed: 1234\nengine:\n  name: vllm\n  dtype: float32\n  max_model_len: 1024\ngeneration:\n  max_tokens: 48\n"
        "suites:\n  - suite: zh_mcq_sample\n    num_fewshot: 0\n    scorer: harness\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    base = [sys.executable, "-m", "harness.cli", "run", str(profile), "--model", MODEL, "--limit", "4", "--engine", "hf", "--json", "--tracking-uri", uri]
    cached = subprocess.run(base, env=env, capture_output=True, text=True, timeout=900)
    assert cached.returncode == 0, cached.stderr[-2000:]
    document = json.loads(cached.stdout)
    assert document["requests"] == {"from_journal": 0, "from_cache": 16, "to_engine": 0}  # 4 items x 4 options
    run = client.get_run(document["run_id"])
    assert run.data.tags[names.T_REQUESTS_FROM_CACHE] == "16"
    assert run.data.params[names.P_ENGINE_VERSION] == reference["run"].data.params[names.P_ENGINE_VERSION]
    for key, value in reference["run"].data.metrics.items():
        if key.startswith("zh_mcq_sample/") and not key.endswith("wall_seconds") and not math.isnan(value):
            assert run.data.metrics[key] == value, key
    fresh = subprocess.run([*base, "--no-cache"], env=env, capture_output=True, text=True, timeout=900)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert json.loads(fresh.stdout)["requests"] == {"from_journal": 0, "from_cache": 0, "to_engine": 16}


def test_item_files_are_validated_on_read(reference: dict, tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in reference["items"]["zh_mcq_sample"]]
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_items(good) == reference["items"]["zh_mcq_sample"]
    broken = json.loads(lines[1])
    broken["correct"] = "yes"  # a multiple-choice line whose verdict is not a boolean
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], json.dumps(broken, ensure_ascii=False)]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_items(bad)
    assert raised.value.problems[0].field == "line 2" and str(bad) in raised.value.problems[0].file


def test_the_journal_is_typed_and_keyed_by_fingerprint_and_request(reference: dict) -> None:
    run = reference["run"]
    calls = list(jsonl_lines(journal_path(run.info.run_id), EngineCall, torn_tail=True))
    assert len({c.request_digest for c in calls}) == len(calls) == 28  # 16 option log-likelihoods, 12 safety answers
    assert {c.fingerprint for c in calls} == {run.data.params[names.P_FINGERPRINT]}
    assert {c.method for c in calls} == {"loglikelihood", "chat"}
    cache = harness_home() / "cache" / "requests" / f"{run.data.params[names.P_FINGERPRINT]}.jsonl"
    assert cache.is_file()
    client = MlflowClient(tracking_uri=reference["uri"])
    spec = RunSpec.model_validate_json(Path(client.download_artifacts(run.info.run_id, names.A_RUN_SPEC)).read_text(encoding="utf-8"))
    assert spec.digest == reference["digest"] and run.data.tags[names.T_SCHEMA_VERSION] == str(SCHEMA_VERSION)
    assert [(s.name, s.num_fewshot, s.scorer, s.circular) for s in spec.suites][0] == ("zh_mcq_sample", 0, "harness", False)
    results = Results.model_validate_json(Path(client.download_artifacts(run.info.run_id, names.A_RESULTS)).read_text(encoding="utf-8"))
    assert results.run_spec_digest == spec.digest and results.items == {"zh_mcq_sample": 4, "safety_sample": 12}
    assert _comparable(results.metrics) == _comparable(run.data.metrics)
