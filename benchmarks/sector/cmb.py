"""CMB-Exam (FreedomIntelligence/CMB) as released in data/CMB.zip: the test questions
`CMB-Exam/CMB-test/CMB-test-choice-question-merge.json` (a JSON list of `{"id", "exam_type",
"exam_class", "exam_subject", "question", "question_type", "option": {"A": .., "E": ..}}`) and
their answers in `CMB-test-choice-answer.json` (`{"id", ..., "answer"}`), beside the zip in data/.
The official prompt is the no-CoT question template of src/ and workers/base.py; options with a
one-character text are left out of it, as `option_str` does in the release."""

from collections.abc import Sequence
from pathlib import Path

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, require, selected

QUESTIONS = "CMB-Exam/CMB-test/CMB-test-choice-question-merge.json"
ANSWERS = "CMB-test-choice-answer.json"
TEMPLATE = "以下是中国{exam_type}中{exam_class}考试的一道{question_type}，不需要做任何分析和解释，直接输出答案选项。\n{question}\n{option_str}"


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    if shots:
        raise LayoutError([("cmb", "num_fewshot", "few-shot CMB needs the release's per-model example generation; only zero-shot is reproduced", "set num_fewshot: 0")])
    folder = "data/" if (root / "data" / "CMB-Exam").is_dir() else ""
    reader = ReleaseReader(root, "CMB")
    questions, answers = reader.json(folder + QUESTIONS), reader.json(folder + ANSWERS)
    by_id = {a["id"]: a["answer"] for a in answers}
    exam_types = selected(sorted({q.get("exam_type", "") for q in questions}), subsets, "cmb")
    items = []
    for position, q in enumerate(questions):
        where = f"{root / folder / QUESTIONS}: item {position}"
        require(q, ("id", "exam_type", "exam_class", "question", "question_type", "option"), where)
        if q["id"] not in by_id:
            raise LayoutError([(where, "id", f"no answer for id {q['id']} in {ANSWERS}", "use both released files unchanged")])
        if q["exam_type"] not in exam_types:
            continue
        option_str = "\n".join(f"{k}. {v}" for k, v in q["option"].items() if len(v) > 1)
        items.append(BenchItem(
            id=str(q["id"]),
            subject=f"{q['exam_type']}/{q['exam_class']}",
            prompt=Prompt(user=TEMPLATE.format(option_str=option_str, **{k: q[k] for k in ("exam_type", "exam_class", "question_type", "question")})),
            reference={"answer": by_id[q["id"]], "question_type": q["question_type"], "exam_type": q["exam_type"]},
        ))
    return reader.done(items)
