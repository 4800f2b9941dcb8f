"""FinanceIQ (Duxiaoman-DI/XuanYuan, FinanceIQ/), ten financial qualification exams in CMMLU's
layout, `data/{dev,test}/<subject>.csv` (subject names in Chinese), header `,Question,A,B,C,D,Answer`.
Official prompt (src/utils.py, answer-only): `以下是关于{subject}的单项选择题，请直接给出正确答案的选项。\n\n`,
the first k dev rows as `题目：..\nA. ..\nD. ..\n答案是：X\n\n`, then the question ending in "答案是："."""

from collections.abc import Sequence
from pathlib import Path

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, selected
from benchmarks.sector.mcq_csv import options, read_rows

# src/categories.py, in its order.
SUBJECTS = ["注册会计师（CPA）", "银行从业资格", "证券从业资格", "基金从业资格", "保险从业资格CICE", "经济师", "税务师", "期货从业资格", "理财规划师", "精算师-金融数学"]


def _example(row: dict[str, str], answer: bool) -> str:
    return "题目：" + row["Question"] + options(row) + ("\n答案是：" + row["Answer"] + "\n\n" if answer else "\n答案是：")


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    reader = ReleaseReader(root, "FinanceIQ")
    folder = "data/" if (root / "data" / "test").is_dir() else ""
    items = []
    for subject in selected(SUBJECTS, subsets, "financeiq"):
        dev = read_rows(reader, f"{folder}dev/{subject}.csv", "Question", "Answer") if shots else []
        if len(dev) < shots:
            raise LayoutError([(str(root / f"{folder}dev/{subject}.csv"), "-", f"{len(dev)} rows for {shots}-shot", "lower num_fewshot")])
        head = f"以下是关于{subject}的单项选择题，请直接给出正确答案的选项。\n\n" + "".join(_example(row, True) for row in dev[:shots])
        for index, row in enumerate(read_rows(reader, f"{folder}test/{subject}.csv", "Question", "Answer")):
            items.append(BenchItem(
                id=f"{subject}/{row.get('') or index}",
                subject=subject,
                prompt=Prompt(user=head + _example(row, False)),
                reference={"answer": row["Answer"].strip()},
            ))
    return reader.done(items)
