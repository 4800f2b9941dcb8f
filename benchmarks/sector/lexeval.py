"""LexEval (CSHaitao/LexEval) as released: `data/<task>.json` for tasks 1_1 ... 6_3, each a JSON
Lines file of `{"instruction", "input", "answer"}`. The official prompt is the instruction followed
directly by the input (the instruction ends with a newline), one user turn (code/generation/)."""

from collections.abc import Sequence
from pathlib import Path

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, require, selected

TASKS = ["1_1", "1_2", "1_3", "2_1", "2_2", "2_3", "2_4", "2_5", "3_1", "3_2", "3_3", "3_4", "3_5", "3_6",
         "4_1", "4_2", "5_1", "5_2", "5_3", "5_4", "6_1", "6_2", "6_3"]


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    if shots:
        raise LayoutError([("lexeval", "num_fewshot", "only LexEval's zero-shot files are released in data/", "set num_fewshot: 0")])
    reader = ReleaseReader(root, "LexEval")
    folder = "data/" if (root / "data").is_dir() else ""
    items = []
    for task in selected(TASKS, subsets, "lexeval"):
        for index, row in enumerate(reader.json_lines(f"{folder}{task}.json")):
            require(row, ("instruction", "input", "answer"), f"{root / folder}{task}.json: line {index + 1}")
            items.append(BenchItem(id=f"{task}/{index}", subject=task, prompt=Prompt(user=row["instruction"] + row["input"]), reference={"answer": row["answer"]}))
    return reader.done(items)
