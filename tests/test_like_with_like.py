"""Like with like: leaderboard rows keyed on every setting that changes the numbers, partial runs shown
apart, --limit samples of a safety suite stratified per bank, paired tests only on items asked
identically. The issue's scenario (a full demo run, then a --limit 10 run of the same model) runs
the real engine."""

import json
import shutil
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

from benchmarks.catalog import RefusalSuite, load_suite, repo_path
from harness.cli import main
from harness.compare import leaderboard, render_table
from harness.demo.job import DEMO_MANIFESTS, materialize_manifest
from harness.evaluate import evaluate
from harness.evidence import names
from harness.evidence.tracking import connect, ensure_experiment
from harness.paired import paired_differences
from foundation.paths import REGISTRY_EXAMPLES_DIR
from harness.plan import plan
from harness.profiles import load_profile
from harness.safety.banks import read_bank
from harness.safety.sampling import stratified_sample
from harness.evidence.registration import submit


def test_a_limited_safety_sample_is_drawn_per_bank_with_the_full_runs_stratification() -> None:
    profile, _ = load_profile("demo")
    (safety,) = [s for s in plan(profile, limit=10) if isinstance(s.spec, RefusalSuite)]
    spec = load_suite("safety_sample")
    assert isinstance(spec, RefusalSuite)
    paths = {"generated": spec.data.generated, "should_refuse": spec.data.should_refuse, "should_not_refuse": spec.data.should_not_refuse}
    for bank in spec.banks():
        drawn = [item for item in safety.items if item.bank == bank]
        items = read_bank(repo_path(paths[bank]), bank).items
        expected = stratified_sample(items, lambda item: item.label, min(10, spec.sample_size(bank)), profile.seed)
        assert [i.id for i in drawn] == [i.id for i in expected] and len(drawn) == 10
        assert len({i.label for i in drawn}) == min(10, len({i.label for i in items})), f"{bank}: one item per risk or topic first"


@pytest.fixture
def client(fresh_client: MlflowClient) -> MlflowClient:
    return fresh_client


def log_run(client: MlflowClient, tmp: Path, model: str, correct: dict[str, bool], digests: dict[str, str] | None, **params: str) -> str:
    """A finished evaluation run as harness run logs one (params, accuracy with CI and n, items)."""
    run = client.create_run(ensure_experiment(client, names.evaluation_experiment("demo", "91440101MA5TEST001")), tags={names.T_KIND: "evaluation"})
    run_id = run.info.run_id
    base = {
        names.P_MODEL_NAME: model, names.P_MODEL_VERSION: "1", names.P_PROFILE: "demo", names.P_PROFILE_DIGEST: "p" * 64, names.P_ENGINE: "vllm",
        names.P_LIMIT: "none", names.P_SUITES: "zh_mcq_sample", "zh_mcq_sample.data_digest": "d" * 64, "zh_mcq_sample.n_items": str(len(correct)),
    }  # fmt: skip
    client.log_batch(run_id, params=[Param(k, v) for k, v in (base | params).items()])
    rate = sum(correct.values()) / len(correct)
    metrics = {"zh_mcq_sample/accuracy": rate, "zh_mcq_sample/accuracy_ci_low": rate, "zh_mcq_sample/accuracy_ci_high": rate, "zh_mcq_sample/n": len(correct)}
    client.log_batch(run_id, metrics=[Metric(k, float(v), 0, 0) for k, v in metrics.items()])
    items = tmp / run_id / "zh_mcq_sample.jsonl"
    items.parent.mkdir(parents=True)
    items.write_text("".join(json.dumps({"id": i, "correct": c} | ({"prompt_digest": digests[i]} if digests else {})) + "\n" for i, c in correct.items()))
    client.log_artifact(run_id, str(items), names.A_ITEMS_DIR)
    client.set_terminated(run_id, "FINISHED")
    return run_id


def test_runs_on_other_data_form_their_own_group_and_replace_nothing(client: MlflowClient, tmp_path: Path) -> None:
    ids = [f"s/{i}" for i in range(6)]
    same = {i: f"prompt {i}" for i in ids}
    log_run(client, tmp_path, "a", dict.fromkeys(ids, True), same)
    log_run(client, tmp_path, "b", {i: i < "s/3" for i in ids}, same)
    log_run(client, tmp_path, "a", dict.fromkeys(ids, False), same, **{"zh_mcq_sample.data_digest": "e" * 64})  # newest, other data
    rows = leaderboard(client)
    assert [(r.group, r.model, r.cells["zh_mcq_sample accuracy"].rate) for r in rows] == [(1, "a", 1.0), (1, "b", 0.5), (2, "a", 0.0)]
    table = render_table(rows)
    assert "[2] profile demo" in table and "differs from [1] in zh_mcq_sample.data_digest=eeeeeeeeeeee… (vs dddddddddddd…)" in table
    (paired,) = paired_differences(client, rows)  # never a across groups
    assert (paired.a, paired.b, paired.shared, paired.excluded, paired.group) == ("a/1", "b/1", 6, 0, 1)


def test_pairs_only_items_asked_identically_and_counts_the_rest(client: MlflowClient, tmp_path: Path) -> None:
    ids = [f"s/{i}" for i in range(6)]
    log_run(client, tmp_path, "a", dict.fromkeys(ids, True), {i: f"prompt {i}" for i in ids})
    log_run(client, tmp_path, "b", dict.fromkeys(ids, False), {i: f"prompt {i}" for i in ids[:4]} | {"s/4": "another template", "s/5": "another shot"})
    log_run(client, tmp_path, "c", dict.fromkeys(ids, False), None)  # made before prompt digests
    pairs = {(d.a, d.b): d for d in paired_differences(client, leaderboard(client))}
    ab = pairs[("a/1", "b/1")] if ("a/1", "b/1") in pairs else pairs[("b/1", "a/1")]
    assert (ab.shared, ab.excluded) == (4, 2)  # s/4 and s/5 asked differently
    assert "over 4 paired items, 2 excluded" in str(ab)
    unpaired = [d for d in pairs.values() if "c/1" in (d.a, d.b)]
    assert len(unpaired) == 2 and all(d.shared == 0 and "not compared" in str(d) for d in unpaired)


@pytest.mark.engine
def test_a_limit_10_run_after_a_full_run_shows_apart_and_replaces_nothing(tmp_path: Path, demo_checkpoints: dict[str, Path], capsys) -> None:
    """The issue's scenario: after the demo profile's full run of zh-tiny-tuned, `harness run demo
    --model zh-tiny-tuned --limit 10` used to replace its row (n=51 FAIL became n=2 PASS)."""
    uri = f"sqlite:///{tmp_path / 'store.db'}"
    client = connect(uri)
    for example in DEMO_MANIFESTS:
        submit(materialize_manifest(REGISTRY_EXAMPLES_DIR / example, demo_checkpoints, tmp_path), client)
    full = evaluate(client, "demo", "zh-tiny-tuned", progress=False)
    base = evaluate(client, "demo", "zh-tiny-base", progress=False)
    partial = evaluate(client, "demo", "zh-tiny-tuned", limit=10, progress=False)
    capsys.readouterr()
    assert main(["compare", "--tracking-uri", uri]) == 0
    printed = capsys.readouterr().out
    print(printed)  # the comparison, for the record (pytest -s)
    rows = leaderboard(client)
    assert [(r.run_id, r.group, r.partial) for r in rows] == [(full.run_id, 1, False), (base.run_id, 1, False), (partial.run_id, 2, True)]
    full_cell = rows[0].cells["safety_sample 应拒答 refusal"]
    assert full_cell.n == 51 and rows[2].cells["safety_sample 应拒答 refusal"].n == 10
    assert "[2] profile demo" in printed and "PARTIAL (--limit 10), not ranked with full runs" in printed and "differs from [1] in limit=10 (vs none)" in printed
    assert f"{full_cell}" in printed.split("[2] profile demo")[0]  # the full row is still there, unchanged
    (paired,) = paired_differences(client, rows)
    assert (paired.a, paired.b, paired.group, paired.excluded) == ("zh-tiny-tuned/1", "zh-tiny-base/1", 1, 0) and paired.shared == 150
    shutil.rmtree(tmp_path / "store", ignore_errors=True)
