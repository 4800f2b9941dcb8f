"""CFLUE (aliyun/cflue), the knowledge part: `data/knowledge/knowledge.json`, a JSON list of
`{"名称", "task", "question", "choices", "answer", "analysis"}` where `task` is 单项选择题, 多项选择题 or
判断题, `choices` is the text of a Python dict (`"{'A': '对', 'B': '错'}"`, read with a literal parser
where the release calls eval) and `answer` the right letters ("ABD"). The official prompts are
utils/format_example.py's: the multiple-answer template for 多项选择题, the single-answer one otherwise.
(The application part is scored with COMET and BERTScore models and is not included.)"""

import ast
from collections.abc import Sequence
from pathlib import Path

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, require, selected

TASKS = ["单项选择题", "多项选择题", "判断题"]
SINGLE = (
    "假设你是一位金融行业专家，请回答下列问题。\n注意：题目是单选题，只需要返回一个最合适的选项，若有多个合适的答案，只返回最准确的即可。\n"
    "注意：结果只输出两行，第一行只需要返回答案的英文选项(注意只需要返回一个最合适的答案)，第二行进行简要的解析，输出格式限制为：“答案：”，“解析：”。\n\n{question}\n{choices}"
)
MULTI = (
    "假设你是一位金融行业专家，请回答下列问题。\n注意：题目是多选题，可能存在多个正确的答案。\n"
    "注意：结果只输出两行，第一行只需要返回答案的英文选项，第二行进行简要的解释。输出格式限制为：“答案：”，“解析：”。\n\n{question}\n{choices}"
)


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    if shots:
        raise LayoutError([("cflue", "num_fewshot", "CFLUE's official evaluation is zero-shot", "set num_fewshot: 0")])
    reader = ReleaseReader(root, "CFLUE")
    relative = "data/knowledge/knowledge.json" if (root / "data" / "knowledge").is_dir() else "knowledge.json"
    records = reader.json(relative)
    if not isinstance(records, list):
        raise LayoutError([(str(root / relative), "-", "expected a JSON list of questions", "use the released file unchanged")])
    tasks = selected(TASKS, subsets, "cflue")
    items = []
    for index, record in enumerate(records):
        where = f"{root / relative}: record {index}"
        require(record, ("task", "question", "choices", "answer"), where)
        if record["task"] not in TASKS:
            raise LayoutError([(where, "task", f"unknown task {record['task']!r}", f"expected one of {TASKS}")])
        if record["task"] not in tasks:
            continue
        try:
            choices = ast.literal_eval(record["choices"]) if isinstance(record["choices"], str) else record["choices"]
        except (ValueError, SyntaxError) as e:
            raise LayoutError([(where, "choices", f"not a dict literal ({e})", "use the released file unchanged")]) from e
        template = MULTI if record["task"] == "多项选择题" else SINGLE
        text = template.format(question=record["question"], choices="\n".join(f"{c}. {v}" for c, v in choices.items()))
        items.append(BenchItem(
            id=str(index), subject=record["task"], prompt=Prompt(user=text),
            reference={"answer": str(record["answer"]), "choices": list(choices), "name": record.get("名称", "")},
        ))
    return reader.done(items)
