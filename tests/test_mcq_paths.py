"""The two multiple-choice paths (ours and lm-eval's) and the two in-process engines agree.

Real parts only: the vLLM CPU engine, the transformers engine and lm-eval's task machinery, on the
project's tiny demo checkpoint and its CMMLU-layout sample suite.
"""

import tempfile
from pathlib import Path

import pytest

from benchmarks.mcq.prompt import build_context
from harness.plan import McqItem, plan
from harness.profiles import Profile, SuiteRun
from harness.scoring.lm_eval_bridge import EngineLM, score_mcq_with_lm_eval, write_mcq_tasks
from harness.scoring.multiple_choice import score_mcq
from harness.store import ItemWriter

pytestmark = pytest.mark.engine


def _planned(num_fewshot: int):
    profile = Profile(name="t", suites=[SuiteRun(suite="zh_mcq_sample", num_fewshot=num_fewshot)])
    return plan(profile)[0]


def _score(engine, items: list[McqItem], tmp_path: Path, name: str) -> dict[str, dict]:
    with ItemWriter(tmp_path / f"{name}.jsonl") as writer:
        return {r["id"]: r for r in score_mcq(engine, items, writer, progress=False)}


def test_contexts_are_byte_identical_to_lm_evals(vllm_engine) -> None:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    suite = _planned(num_fewshot=2)
    ours = {item.id: item.context for item in suite.items}
    subjects = {k: v[0] for k, v in suite.subjects.items()}
    with tempfile.TemporaryDirectory() as tmp:
        tasks = write_mcq_tasks(Path(tmp), "zh_mcq_sample", Path(suite.data_source), subjects)
        output = simple_evaluate(
            model=EngineLM(vllm_engine), tasks=tasks, num_fewshot=2, limit=3, task_manager=TaskManager(include_path=tmp), log_samples=True, bootstrap_iters=0
        )
    compared = 0
    for task, samples in output["samples"].items():
        key = task.removeprefix("harness_zh_mcq_sample_")
        for sample in samples:
            contexts = {arg[0] for arg in sample["arguments"]}
            assert contexts == {ours[f"{key}/{sample['doc_id']}"]}
            compared += 1
    assert compared == 3 * len(subjects)


@pytest.mark.parametrize("num_fewshot", [0, 5])
def test_lm_eval_path_agrees_with_ours_item_by_item(vllm_engine, tmp_path: Path, num_fewshot: int) -> None:
    suite = _planned(num_fewshot)
    ours = _score(vllm_engine, suite.items, tmp_path, "ours")
    with ItemWriter(tmp_path / "lm_eval.jsonl") as writer:
        theirs = {
            r["id"]: r
            for r in score_mcq_with_lm_eval(vllm_engine, "zh_mcq_sample", Path(suite.data_source), suite.subjects, suite.items, num_fewshot, writer)
        }
    assert ours.keys() == theirs.keys() and len(ours) == len(suite.items) > 100
    for item_id, record in ours.items():
        assert record["prediction"] == theirs[item_id]["prediction"], item_id
        assert record["correct"] == theirs[item_id]["correct"], item_id
        assert record["logprobs"] == pytest.approx(theirs[item_id]["logprobs"], abs=1e-6)


def test_vllm_and_transformers_give_the_same_answers(vllm_engine, hf_engine, tmp_path: Path) -> None:
    items = _planned(num_fewshot=1).items
    from_vllm = _score(vllm_engine, items, tmp_path, "vllm")
    from_hf = _score(hf_engine, items, tmp_path, "hf")
    disagreements = [i for i in from_vllm if from_vllm[i]["prediction"] != from_hf[i]["prediction"]]
    assert disagreements == []
    for item_id in from_vllm:
        assert from_vllm[item_id]["logprobs"] == pytest.approx(from_hf[item_id]["logprobs"], abs=1e-3)
    accuracy = sum(r["correct"] for r in from_vllm.values()) / len(from_vllm)
    assert 0.0 < accuracy < 1.0  # a real, imperfect score, not a constant


def test_context_builder_places_shots_before_the_question() -> None:
    shot = {"Question": "一加一等于几？", "A": "1", "B": "2", "C": "3", "D": "4", "Answer": "B"}
    row = {"Question": " 二加二等于几？ ", "A": "2", "B": "3", "C": "4", "D": "5", "Answer": "C"}
    context = build_context("算术", row, [shot])
    assert context == (
        "以下是关于算术的单项选择题，请直接给出正确答案的选项。\n\n"
        "一加一等于几？\nA. 1\nB. 2\nC. 3\nD. 4\n答案： B\n\n"
        "二加二等于几？\nA. 2\nB. 3\nC. 4\nD. 5\n答案："
    )
