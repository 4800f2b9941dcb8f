"""LawBench (open-compass/LawBench) as released: `data/zero_shot/<task>.json` (and `one_shot/`), each
a JSON list of `{"instruction", "question", "answer"}` for one of 20 tasks (1-1 ... 3-8). The
official prompt is the instruction, a newline and the question, sent as one user turn (the
predictions the release ships show it as `origin_prompt`); the one-shot files carry their example
inside the instruction, so `num_fewshot: 1` reads `one_shot/` and nothing else changes."""

from collections.abc import Sequence
from pathlib import Path

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, require, selected

# Task id -> the release's task name (README task list).
TASKS: dict[str, str] = {
    "1-1": "法条背诵", "1-2": "知识问答",
    "2-1": "文件校对", "2-2": "纠纷焦点识别", "2-3": "婚姻纠纷鉴定", "2-4": "问题主题识别", "2-5": "阅读理解",
    "2-6": "命名实体识别", "2-7": "舆情摘要", "2-8": "论点挖掘", "2-9": "事件检测", "2-10": "触发词提取",
    "3-1": "法条预测(基于事实)", "3-2": "法条预测(基于场景)", "3-3": "罪名预测", "3-4": "刑期预测(无法条内容)",
    "3-5": "刑期预测(给定法条内容)", "3-6": "案例分析", "3-7": "犯罪金额计算", "3-8": "咨询",
}
SETTINGS = {0: "zero_shot", 1: "one_shot"}


def _folder(root: Path, setting: str) -> str:
    """The release root (holding data/<setting>/) or that folder itself."""
    return f"data/{setting}/" if (root / "data" / setting).is_dir() else ""


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    if shots not in SETTINGS:
        raise LayoutError([("lawbench", "num_fewshot", f"LawBench is released zero-shot and one-shot, not {shots}-shot", "set num_fewshot: 0 or 1")])
    reader = ReleaseReader(root, "LawBench")
    folder = _folder(root, SETTINGS[shots])
    items = []
    for task in selected(list(TASKS), subsets, "lawbench"):
        relative = f"{folder}{task}.json"
        rows = reader.json(relative)
        if not isinstance(rows, list):
            raise LayoutError([(str(root / relative), "-", "expected a JSON list of {instruction, question, answer}", "use the released file unchanged")])
        for index, row in enumerate(rows):
            require(row, ("instruction", "question", "answer"), f"{root / relative}: item {index}")
            items.append(BenchItem(
                id=f"{task}/{index}",
                subject=task,
                prompt=Prompt(user=f"{row['instruction']}\n{row['question']}"),
                reference={"answer": str(row["answer"]), "question": str(row["question"]), "instruction": str(row["instruction"])},
            ))
    return reader.done(items)
