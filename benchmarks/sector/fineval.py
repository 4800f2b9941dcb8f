"""FinEval (SUFE-AIFLM-Lab/FinEval), academic knowledge: 34 subjects in C-Eval's layout,
`{dev,val,test}/<subject>_<split>.csv` with columns id, question, A-D, answer, explanation (the
released FinEval.zip). The official evaluation (code/opensource_eval/1academic_eval, answer-only)
scores the validation split; its few-shot prompt heads the examples with the subject's file key
(English, e.g. "accounting", as the code passes it), each example `question\nA. ..\nD. ..\n答案：X\n\n`,
then the question ending in "答案："; zero-shot is the question alone."""

from collections.abc import Sequence
from pathlib import Path

import yaml

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, selected
from benchmarks.sector.mcq_csv import options, read_rows

SUBJECTS: dict[str, dict[str, str]] = yaml.safe_load((Path(__file__).parent / "fineval_subjects.yaml").read_text(encoding="utf-8"))
SPLIT = "val"


def _example(row: dict[str, str], answer: bool) -> str:
    return row["question"] + options(row) + (f"\n答案：{row['answer']}\n\n" if answer else "\n答案：")


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    reader = ReleaseReader(root, "FinEval")
    folder = "data/" if (root / "data" / SPLIT).is_dir() else ""
    items: list[BenchItem] = []
    for subject in selected(list(SUBJECTS), subsets, "fineval"):
        dev = read_rows(reader, f"{folder}dev/{subject}_dev.csv", "question", "answer") if shots else []
        if len(dev) < shots:
            raise LayoutError([(str(root / f"{folder}dev/{subject}_dev.csv"), "-", f"{len(dev)} rows for {shots}-shot", "lower num_fewshot")])
        history = ""
        if shots:
            history = f"以下是中国关于{subject}考试的单项选择题，我会给你几个有答案的例子，请你根据最后一个题目的要求进行回答。\n你只需要回答最后一个题目\n\n"
            history += "".join(_example(row, True) for row in dev[:shots])
        for row in read_rows(reader, f"{folder}{SPLIT}/{subject}_{SPLIT}.csv", "question", "answer"):
            items.append(BenchItem(
                id=f"{subject}/{row.get('id', len(items))}",
                subject=subject,
                prompt=Prompt(user=history + _example(row, False)),
                reference={"answer": row["answer"].strip(), "group": SUBJECTS[subject]["group"]},
            ))
    return reader.done(items)
