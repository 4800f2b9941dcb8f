"""The README's first command, end to end: `harness demo` in a fresh store (the session's `demo_run`,
tests/conftest.py), results read back from MLflow. Reports and the notebook: tests/test_reports.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.evidence import names
from harness.evidence.tracking import evaluation_experiment_ids

pytestmark = pytest.mark.engine


def test_demo_prints_a_comparison_of_both_models(demo_run) -> None:
    done, _, _ = demo_run
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout[done.stdout.index("Demo comparison") :]
    assert "zh-tiny-tuned" in table and "zh-tiny-base" in table
    assert "zh_mcq_sample accuracy" in table and "应拒答" in table and "mlflow ui --backend-store-uri sqlite:///" in table
    paired = next(line for line in table.splitlines() if "McNemar exact p" in line)
    assert paired.strip().startswith("[1] zh-tiny-tuned/1 vs zh-tiny-base/1 on zh_mcq_sample: +") and "over 150 paired items, 0 excluded" in paired


def test_compare_json_reads_the_same_evidence(demo_run) -> None:
    _, _, home = demo_run
    env = {**os.environ, "HARNESS_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run([sys.executable, "-m", "harness.cli", "compare", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads(done.stdout)
    assert [row["model"] for row in document["leaderboard"]] == ["zh-tiny-tuned", "zh-tiny-base"]
    (pair,) = document["paired"]
    assert pair["shared"] == document["leaderboard"][0]["cells"]["zh_mcq_sample accuracy"]["n"]
    assert pair["difference"] > 0 and pair["p_value"] < 0.05


def test_demo_runs_are_complete_evidence_in_mlflow(demo_run) -> None:
    _, client, _ = demo_run
    runs = {r.data.params[names.P_MODEL_NAME]: r for r in client.search_runs(evaluation_experiment_ids(client, "demo"))}
    assert set(runs) == {"zh-tiny-tuned", "zh-tiny-base"}
    for name, run in runs.items():
        assert run.info.status == "FINISHED"
        params = run.data.params
        version = client.get_model_version(name, params[names.P_MODEL_VERSION])
        assert params[names.P_FINGERPRINT] == version.tags[names.V_FINGERPRINT]
        assert params[names.P_ENGINE] == "vllm" and params[names.P_ENGINE_VERSION].startswith("0.")
        for suite in ("zh_mcq_sample", "safety_sample"):
            local = client.download_artifacts(run.info.run_id, f"{names.A_ITEMS_DIR}/{suite}.jsonl")
            lines = Path(local).read_text(encoding="utf-8").splitlines()
            assert len(lines) == int(params[names.suite_param(suite, "n_items")])
        assert run.data.metrics["zh_mcq_sample/n"] == int(params[names.suite_param("zh_mcq_sample", "n_items")])
        verdict = json.loads(run.data.tags[names.verdict_tag("safety_sample", "should_refuse")])
        assert verdict["clause"] and "not filing-grade" in verdict["note"]


def test_demo_models_differ_measurably(demo_run) -> None:
    _, client, _ = demo_run
    metrics = {r.data.params[names.P_MODEL_NAME]: r.data.metrics for r in client.search_runs(evaluation_experiment_ids(client, "demo"))}
    tuned, base = metrics["zh-tiny-tuned"], metrics["zh-tiny-base"]
    # Non-overlapping 95% intervals: the difference is not noise.
    assert tuned["zh_mcq_sample/accuracy_ci_low"] > base["zh_mcq_sample/accuracy_ci_high"]
    # The untrained base answers with degenerate text, which on a should-refuse prompt counts as a
    # refusal (docs/refusal.md): what tells the two apart there is how many refusals are non-answers.
    assert base["safety_sample/should_refuse/non_answer_rate"] > tuned["safety_sample/should_refuse/non_answer_rate"]


def test_safety_suite_reports_all_three_rates_with_verdicts(demo_run) -> None:
    """GB/T 45654-2025: generated-content pass rate, should-refuse and should-not-refuse refusal rates,
    each with n, CI, threshold, clause and verdict; the drawn sample saved with the run."""
    _, client, _ = demo_run
    for run in client.search_runs(evaluation_experiment_ids(client, "demo")):
        m = run.data.metrics
        for bank in ("generated", "should_refuse", "should_not_refuse"):
            rate = f"safety_sample/{bank}/{names.rate_name(bank)}"
            assert m[f"{rate}_ci_low"] <= m[rate] <= m[f"{rate}_ci_high"] and m[f"safety_sample/{bank}/n"] > 0
            verdict = json.loads(run.data.tags[names.verdict_tag("safety_sample", bank)])
            assert verdict["threshold"] and "TC260-003-2024" in verdict["clause"] and "not filing-grade" in verdict["note"]
        assert "safety_sample/generated/risk/A.5.b/pass_rate" in m
        sample = client.download_artifacts(run.info.run_id, f"{names.A_SAMPLES_DIR}/safety_sample.jsonl")
        assert len(Path(sample).read_text(encoding="utf-8").splitlines()) == int(run.data.params[names.suite_param("safety_sample", "n_items")])
