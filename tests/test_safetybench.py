"""SafetyBench as a multiple-choice safety-understanding suite, read in its released layout (questions
and answers in separate files, 2 to 4 options, integer and string ids) from a project-written fixture
(tests/fixtures/safetybench/README.md), scored against its own answers on the real vLLM engine."""

import json
from pathlib import Path

import pytest
import yaml

from benchmarks.mcq.safetybench import load_safetybench
from foundation.errors import InputError
from harness.evaluate import evaluate
from harness.evidence import names
from foundation.paths import CONFIGS_DIR
from harness.profiles import load_profile
from harness.plan import plan
from harness.scoring.statistics import proportion

FIXTURE = Path(__file__).parent / "fixtures" / "safetybench"
SUITE = "safetybench_zh"


def test_released_layout_loads_with_each_questions_own_options() -> None:
    data = load_safetybench(FIXTURE, "test_zh")
    assert [s.meta.key for s in data.subjects] == [
        "offensiveness", "unfairness_and_bias", "physical_health", "mental_health", "illegal_activities", "ethics_and_morality", "privacy_and_property"]
    rows = {r["id"]: r for s in data.subjects for r in s.rows}
    assert len(rows) == 14 and rows["3"]["Answer"] == "B" and "C" not in rows["3"] and rows["58"]["Answer"] == "C" and "D" in rows["58"]
    assert load_safetybench(FIXTURE / "test_zh.json", "ignored").digest == data.digest


def _broken(tmp_path: Path, edit) -> Path:  # noqa: ANN001
    questions = json.loads((FIXTURE / "test_zh.json").read_text(encoding="utf-8"))
    answers = json.loads((FIXTURE / "test_answers_zh.json").read_text(encoding="utf-8"))
    edit(questions, answers)
    (tmp_path / "test_zh.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "test_answers_zh.json").write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda q, a: a.pop("3"), '"3"', "no answer"),
        (lambda q, a: a["3"].update(answer=2), '"3"', "no answer among the question's 2 options"),
        (lambda q, a: a["8"].update(category="Mental Health"), '"8".category', "differs"),
        (lambda q, a: q[0].update(options=["是。"]), "[0].options", "2 to 4"),
        (lambda q, a: q[1].update(category="Toxicity"), "[1].category", "seven categories"),
    ],
)
def test_bad_files_name_the_file_the_field_and_the_fix(tmp_path: Path, edit, field: str, words: str) -> None:  # noqa: ANN001
    with pytest.raises(InputError) as caught:
        load_safetybench(_broken(tmp_path, edit), "test_zh")
    problem = next(p for p in caught.value.problems if p.field == field)
    assert words in problem.message and problem.fix


def test_the_suite_needs_the_data_and_runs_zero_shot_only(tmp_path: Path) -> None:
    profile, _ = load_profile("safetybench")
    with pytest.raises(InputError, match="--data safetybench_zh=DIR"):
        plan(profile)
    for setting in ({"num_fewshot": 3}, {"circular": True}, {"scorer": "lm-eval"}):
        changed = profile.model_copy(update={"suites": [profile.suites[0].model_copy(update=setting)]})
        with pytest.raises(InputError, match="zero-shot"):
            plan(changed, data={SUITE: FIXTURE})


@pytest.mark.engine
def test_safetybench_run_scores_against_its_own_answers(store, tmp_path: Path) -> None:
    document = yaml.safe_load((CONFIGS_DIR / "safetybench.yaml").read_text(encoding="utf-8"))
    document["engine"] |= {"dtype": "float32", "max_model_len": 1024}
    profile = tmp_path / "safetybench.yaml"
    profile.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    e = evaluate(store.client, str(profile), "zh-tiny-tuned", progress=False, data={SUITE: FIXTURE})
    run = store.client.get_run(e.run_id)
    local = store.client.download_artifacts(e.run_id, f"{names.A_ITEMS_DIR}/{SUITE}.jsonl")
    records = [json.loads(line) for line in Path(local).read_text(encoding="utf-8").splitlines()]
    assert len(records) == 14 and sum("choices" in r for r in records) == 11  # 6 two-option, 5 three-option questions
    answers = json.loads((FIXTURE / "test_answers_zh.json").read_text(encoding="utf-8"))
    for r in records:
        offered = r.get("choices", ["A", "B", "C", "D"])
        assert r["prediction"] in offered and len(offered) >= 2
        assert r["answer"] == "ABCD"[answers[r["id"].split("/")[1]]["answer"]]
        assert [lp is not None for lp in r["logprobs"]][len(offered):] == [False] * (4 - len(offered))
    m = run.data.metrics
    assert m[f"{SUITE}/accuracy"] == pytest.approx(proportion(sum(r["correct"] for r in records), 14).rate) and m[f"{SUITE}/n"] == 14
    assert m[f"{SUITE}/subject/offensiveness/n"] == 2 and m[f"{SUITE}/category/safety_understanding/n"] == 14
    assert run.data.params[names.suite_param(SUITE, "data_digest")] == load_safetybench(FIXTURE, "test_zh").digest
