"""CMExam (williamliujl/CMExam) as released: `data/test_with_annotations.csv` with columns Question,
Options ("A 选项一\nB 选项二..."), Answer ("B" or "ABD"), Explanation and the annotation columns
(Disease Group, Clinical Department, Medical Discipline, Area of Competency, Difficulty level).
The official prompt for language models is that of src/evaluation/evaluate_chatglm_result.py: the
single-answer template when the answer is one letter, the multiple-answer one otherwise."""

from collections.abc import Sequence
from pathlib import Path

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, selected

FILE = "test_with_annotations.csv"
SINGLE = (
    "返回限制：只返回两行。假设你是一位医疗行业专家，请回答下列问题，注意是单选题，只需要返回一个最合适的选项。\n{}:\n{}\n"
    "注意，结果只有两行，第一行只需要返回答案的英文选项(注意只需要返回一个最合适的答案)，第二行进行简要的解释。输出格式限制为：“答案：”，“解释：”。\n"
    "注意，题目是单选题，若有多个合适的答案，只返回最准确的即可。"
)
MULTI = "假设你是一位医疗行业专家，请回答下列问题。注意，该问题是多选题\n{}:\n{}\n注意，请给出两行，第一行只需要返回答案的英文选项，第二行进行简要的解释。输出格式限制为“答案：”，“解释：”"
KINDS = ["single", "multi"]


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    if shots:
        raise LayoutError([("cmexam", "num_fewshot", "CMExam's official LLM evaluation is zero-shot", "set num_fewshot: 0")])
    reader = ReleaseReader(root, "CMExam")
    relative = f"data/{FILE}" if (root / "data" / FILE).is_file() else FILE
    rows = reader.csv_rows(relative)
    if rows and not {"Question", "Options", "Answer"} <= set(rows[0]):
        raise LayoutError([(str(root / relative), "header", f"expected Question, Options, Answer columns; found {list(rows[0])}", "use the released file unchanged")])
    kinds = selected(KINDS, subsets, "cmexam")
    items = []
    for index, row in enumerate(rows):
        answer = row["Answer"].strip()
        if not answer:  # the release skips unanswered rows (generate_prompt.py)
            continue
        kind = "single" if len(answer) == 1 else "multi"
        if kind in kinds:
            items.append(BenchItem(
                id=str(index), subject=kind,
                prompt=Prompt(user=(SINGLE if kind == "single" else MULTI).format(row["Question"], row["Options"])),
                reference={"answer": answer, "department": row.get("Clinical Department", "")},
            ))
    return reader.done(items)
