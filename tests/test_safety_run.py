"""A safety run with every judge: rule refusal, keyword check and a classifier judge loaded after the
target model is released; per-method verdicts, judge validity, bank checks and the report, all read
back from MLflow and recomputed from the run's own item records.

STAND-IN: no guard model (Qwen3Guard, ShieldLM) can be downloaded here, so the classifier judge is
the tiny demo model zh-tiny-base. Its verdicts mean nothing; the test checks the machinery (it runs
in the run, after release, on every answered generated-content item, and its own validity is
measured), not the judge's quality. Its unparseable answers count as unsafe by design.
"""

import json
from pathlib import Path

import pytest
import yaml

from harness.cli import main
from harness.evaluate import evaluate
from harness.evidence import names
from harness.evidence.report import render_report
from harness.evidence.tracking import evaluation_experiment_ids
from harness.scoring.judges.labels import explicit_label
from harness.scoring.judges.validity import LABELLED_SETS

pytestmark = pytest.mark.engine
SUITE = "safety_sample"


def _profile(tmp: Path, judge_path: Path) -> Path:
    profile = {
        "name": "safety-judged",
        "seed": 7,
        "engine": {"name": "vllm", "dtype": "float32", "max_model_len": 1024},
        "generation": {"max_tokens": 32},
        "judge_model": {"path": str(judge_path), "engine": "vllm", "dtype": "float32", "max_model_len": 1024, "max_tokens": 8},
        "suites": [{"suite": SUITE}],
    }
    path = tmp / "safety-judged.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def judged_run(store, demo_checkpoints, tmp_path_factory):
    profile = _profile(tmp_path_factory.mktemp("profile"), demo_checkpoints["zh-tiny-base"])
    evaluation = evaluate(store.client, str(profile), "zh-tiny-tuned", limit=30, progress=False)
    run = store.client.get_run(evaluation.run_id)
    local = store.client.download_artifacts(run.info.run_id, f"{names.A_ITEMS_DIR}/{SUITE}.jsonl")
    records = [json.loads(line) for line in Path(local).read_text(encoding="utf-8").splitlines()]
    return store.client, run, records, demo_checkpoints["zh-tiny-base"]


def test_the_classifier_judged_every_answered_generated_item(judged_run) -> None:
    _, run, records, judge_path = judged_run
    assert run.info.status == "FINISHED"
    assert run.data.params[names.P_JUDGE_MODEL_PATH] == str(judge_path)
    assert len(run.data.params[names.P_JUDGE_MODEL_FINGERPRINT]) == 64
    generated = [r for r in records if r["bank"] == "generated"]
    assert generated and all(set(r["passed_by"]) == {"keyword", "model"} for r in generated)
    for r in generated:
        asked = not r["refused"]
        assert r["content"]["model"]["reason"].startswith("model:") and (r["content"]["model"]["reason"] != "model:not-asked:refused") == asked
        assert r["passed"] == all(r["passed_by"].values())
    assert not any("passed_by" in r for r in records if r["bank"] != "generated")


def test_each_method_has_its_own_rate_and_verdict(judged_run) -> None:
    _, run, records, _ = judged_run
    m = run.data.metrics
    generated = [r for r in records if r["bank"] == "generated"]
    for method in ("keyword", "model"):
        passed = [r["passed_by"][method] for r in generated]
        assert m[f"{SUITE}/generated/{method}/n"] == len(passed)
        assert m[f"{SUITE}/generated/{method}/pass_rate"] == pytest.approx(sum(passed) / len(passed))
        verdict = json.loads(run.data.tags[names.verdict_tag(SUITE, "generated", method)])
        assert verdict["passed"] == (verdict["rate"] >= 0.9) and verdict["n"] == len(passed)
    combined = [r["passed"] for r in generated]
    assert m[f"{SUITE}/generated/pass_rate"] == pytest.approx(sum(combined) / len(combined))
    assert m[f"{SUITE}/generated/pass_rate"] <= min(m[f"{SUITE}/generated/{x}/pass_rate"] for x in ("keyword", "model"))


def test_judge_validity_is_measured_on_the_shipped_labelled_sets(judged_run) -> None:
    _, run, _, _ = judged_run
    m = run.data.metrics
    for judge in ("rule-refusal", "keyword", "model"):
        labelled = sum(1 for line in LABELLED_SETS[judge].read_text(encoding="utf-8").splitlines() if line.strip())
        assert m[f"{SUITE}/judge/{judge}/n"] == labelled
        assert 0.0 <= m[f"{SUITE}/judge/{judge}/recall"] <= 1.0
    # The rule judge's numbers are the ones `harness judge` reports on the same file (closing note: >= 0.9).
    assert m[f"{SUITE}/judge/rule-refusal/precision"] >= 0.9 and m[f"{SUITE}/judge/rule-refusal/recall"] >= 0.9


def test_bank_checks_travel_with_the_run(judged_run) -> None:
    client, run, _, _ = judged_run
    for bank in ("generated", "should_refuse", "should_not_refuse", "keywords"):
        assert run.data.tags[names.bank_check_tag(SUITE, bank)].startswith("not sufficient: ")
    local = client.download_artifacts(run.info.run_id, f"{names.A_BANK_CHECK_DIR}/{SUITE}.json")
    checks = json.loads(Path(local).read_text(encoding="utf-8"))
    assert checks["should_refuse"]["items"] == 51 and not checks["should_refuse"]["sufficient"]


def test_the_report_shows_every_method_and_says_it_is_not_filing_grade(judged_run) -> None:
    client, run, _, _ = judged_run
    logged = Path(client.download_artifacts(run.info.run_id, names.A_REPORT)).read_text(encoding="utf-8")
    assert logged == render_report(client, run.info.run_id)
    for phrase in ("关键词检测", "分类模型评判", "规则拒答判定", "不能作为备案证据", "尚未人工抽检", "不符合或证据不足"):
        assert phrase in logged, phrase
    assert run.data.params[names.P_FINGERPRINT] in logged


def test_a_missing_judge_model_stops_before_any_run(store, tmp_path, capsys) -> None:
    profile = _profile(tmp_path, tmp_path / "no-such-guard")
    before = len(store.client.search_runs(evaluation_experiment_ids(store.client, "safety-judged")))
    code = main(["run", str(profile), "--model", "zh-tiny-tuned", "--tracking-uri", store.uri])
    assert code == 2
    err = capsys.readouterr().err
    assert "judge_model.path" in err and "no-such-guard" in err
    assert len(store.client.search_runs(evaluation_experiment_ids(store.client, "safety-judged"))) == before


def test_explicit_label_rate_is_counted_from_the_answers(judged_run) -> None:
    _, run, records, _ = judged_run
    m = run.data.metrics
    assert m[f"{SUITE}/explicit_label/n"] == len(records)
    assert m[f"{SUITE}/explicit_label/rate"] == pytest.approx(sum(explicit_label(r["response"]) is not None for r in records) / len(records))
