"""`harness run zh-general` end to end on the tiny demo model: project-written copies of C-Eval and
CMMLU in their release layouts (every subject, five-shot), the real vLLM engine loaded by the run with
the profile's own settings (max_model_len 4096 is capped at the tiny model's 1024 positions), and
every number read back from MLflow and recomputed from the run's own item records."""

import contextlib
import io
import json
from collections import defaultdict
from pathlib import Path
from statistics import mean

import pytest

from benchmarks.mcq.sources import read_subject_map
from benchmarks.mcq.synthetic import write_layout
from harness.cli import main
from harness.engines.vllm_engine import capped_max_model_len
from harness.evidence import names
from foundation.paths import REPO_ROOT

MCQ_DIR = REPO_ROOT / "benchmarks" / "mcq"
LIMIT = 80
SUITES = {"ceval": ("ceval-csv", "ceval_subjects.yaml"), "cmmlu": ("cmmlu-csv", "cmmlu_subjects.yaml")}


def test_a_profile_longer_than_the_model_is_capped_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VLLM_ALLOW_LONG_MAX_MODEL_LEN", raising=False)
    assert capped_max_model_len(4096, 1024) == (1024, "note: engine.max_model_len 4096 is more than this model supports; using its limit, 1024 tokens")
    assert capped_max_model_len(1024, 4096) == (1024, "")
    assert capped_max_model_len(4096, None) == (4096, "")
    monkeypatch.setenv("VLLM_ALLOW_LONG_MAX_MODEL_LEN", "1")
    assert capped_max_model_len(4096, 1024) == (4096, "")


@pytest.fixture(scope="module")
def finished(store, tmp_path_factory: pytest.TempPathFactory):
    """One run: (the MLflow run, each suite's item records, each suite's data directory, stderr)."""
    root = tmp_path_factory.mktemp("zh-general-data")
    data = {}
    for seed, (suite, (layout, subjects)) in enumerate(SUITES.items()):
        data[suite] = root / suite
        write_layout(layout, data[suite], MCQ_DIR / subjects, per_subject=3, seed=seed)
    argv = ["run", "zh-general", "--model", "zh-tiny-tuned", "--limit", str(LIMIT), "--tracking-uri", store.uri, "--json"]
    argv += [f"--data={suite}={path}" for suite, path in data.items()]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    assert code == 0, err.getvalue()[-3000:]
    run = store.client.get_run(json.loads(out.getvalue())["run_id"])
    items = {}
    for suite in SUITES:
        local = store.client.download_artifacts(run.info.run_id, f"{names.A_ITEMS_DIR}/{suite}.jsonl")
        items[suite] = [json.loads(line) for line in Path(local).read_text(encoding="utf-8").splitlines()]
    return run, items, data, err.getvalue()


@pytest.mark.engine
def test_the_run_finishes_and_notes_the_capped_context(finished) -> None:
    run, _, _, err = finished
    assert run.info.status == "FINISHED"
    assert "engine.max_model_len 4096 is more than this model supports; using its limit, 1024 tokens" in err
    assert run.data.params[names.P_ENGINE_MAX_MODEL_LEN] == "1024"  # the evidence says what the prompts were held to


@pytest.mark.engine
@pytest.mark.parametrize("suite", list(SUITES))
def test_data_facts_are_recorded(finished, suite: str) -> None:
    run, items, data, _ = finished
    params = run.data.params
    assert params[names.suite_param(suite, "data_source")] == str(data[suite])
    assert params[names.suite_param(suite, "data_revision")] == "local"
    assert len(params[names.suite_param(suite, "data_digest")]) == 64
    assert params[names.suite_param(suite, "n_items")] == str(LIMIT) == str(len(items[suite]))
    assert params[names.suite_param(suite, "chat_template")] == "false"
    assert params[names.suite_param(suite, "fewshot_as_multiturn")] == "false"
    assert params[names.P_LIMIT] == str(LIMIT)


@pytest.mark.engine
@pytest.mark.parametrize("suite", list(SUITES))
def test_accuracies_and_intervals_match_the_items(finished, suite: str) -> None:
    run, items, _, _ = finished
    m = run.data.metrics
    records = items[suite]
    assert all(r["path"] == "fast" for r in records) and m[f"{suite}/fast_path_rate"] == 1.0
    assert m[f"{suite}/n"] == LIMIT
    assert m[f"{suite}/accuracy"] == pytest.approx(mean(r["correct"] for r in records))
    assert m[f"{suite}/accuracy_ci_low"] < m[f"{suite}/accuracy"] < m[f"{suite}/accuracy_ci_high"]

    by_subject: dict[str, list[bool]] = defaultdict(list)
    for r in records:
        by_subject[r["subject"]].append(r["correct"])
    for subject, correct in by_subject.items():
        assert m[f"{suite}/subject/{subject}/n"] == len(correct)
        assert m[f"{suite}/subject/{subject}/accuracy"] == pytest.approx(mean(correct))
        assert m[f"{suite}/subject/{subject}/accuracy_ci_low"] <= mean(correct) <= m[f"{suite}/subject/{subject}/accuracy_ci_high"]
    assert not [k for k in m if k.startswith(f"{suite}/subject/") and k.split("/")[2] not in by_subject]

    macro = mean(mean(c) for c in by_subject.values())
    assert m[f"{suite}/accuracy_macro"] == pytest.approx(macro)
    assert m[f"{suite}/accuracy_macro_ci_low"] < macro < m[f"{suite}/accuracy_macro_ci_high"]


@pytest.mark.engine
@pytest.mark.parametrize("suite", list(SUITES))
def test_categories_and_groups_follow_the_subject_map(finished, suite: str) -> None:
    run, items, _, _ = finished
    m = run.data.metrics
    subject_map = read_subject_map(MCQ_DIR / SUITES[suite][1])
    records = items[suite]
    members: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        meta = subject_map[r["subject"]]
        assert r["category"] == meta.category and tuple(r["groups"]) == meta.groups
        members[("category", meta.category)].append(r)
        for group in meta.groups:
            members[("group", group)].append(r)
    assert sum(m[f"{suite}/category/{c}/n"] for kind, c in members if kind == "category") == LIMIT
    assert any(kind == "group" for kind, _ in members)
    for (kind, key), rs in members.items():
        prefix = f"{suite}/{kind}/{key}"
        assert m[f"{prefix}/n"] == len(rs)
        assert m[f"{prefix}/accuracy"] == pytest.approx(mean(r["correct"] for r in rs))
        per_subject: dict[str, list[bool]] = defaultdict(list)
        for r in rs:
            per_subject[r["subject"]].append(r["correct"])
        assert m[f"{prefix}/accuracy_macro"] == pytest.approx(mean(mean(c) for c in per_subject.values()))
        low, high = m[f"{prefix}/accuracy_macro_ci_low"], m[f"{prefix}/accuracy_macro_ci_high"]
        if any(len(c) > 1 for c in per_subject.values()):
            assert low <= m[f"{prefix}/accuracy_macro"] <= high, prefix
