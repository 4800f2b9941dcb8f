"""GAOKAO-Bench (OpenLMLab/GAOKAO-Bench), objective questions as released:
`Data/Objective_Questions/<keyword>.json`, each `{"keywords": <keyword>, "example": [{"year",
"category", "question", "answer", "analysis", "index", "score"}]}`. `answer` is a list of letter
strings, one per sub-question (several for reading comprehension and cloze; `["BD"]` for a Physics
question with several right options); copies that carry it as the text of a Python list (`"['D']"`)
are read the same way. The prompt per file is the official one (gaokao_prompts.yaml)."""

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from benchmarks.sector.base import BenchData, BenchItem, LayoutError, Prompt, ReleaseReader, require, selected

PROMPTS: dict[str, dict[str, str]] = yaml.safe_load((Path(__file__).parent / "gaokao_prompts.yaml").read_text(encoding="utf-8"))
FIELDS = ("question", "answer", "index", "score")


def _answers(raw: Any, where: str) -> list[str]:
    value = ast.literal_eval(raw) if isinstance(raw, str) and raw.strip().startswith("[") else raw
    if isinstance(value, str):
        value = [value]
    if not (isinstance(value, list) and value and all(isinstance(a, str) and a.strip() for a in value)):
        raise LayoutError([(where, "answer", f"{raw!r} is not a list of option letters", "use the released file unchanged")])
    return [a.strip() for a in value]


def _folder(root: Path) -> str:
    """The release root (holding Data/Objective_Questions/) or that folder itself."""
    return "Data/Objective_Questions/" if (root / "Data" / "Objective_Questions").is_dir() else ""


def load(root: Path, shots: int = 0, subsets: Sequence[str] | None = None) -> BenchData:
    if shots:
        raise LayoutError([("gaokao", "num_fewshot", "GAOKAO-Bench's official evaluation is zero-shot", "set num_fewshot: 0")])
    reader = ReleaseReader(root, "GAOKAO-Bench")
    folder = _folder(root)
    items = []
    for keyword in selected(list(PROMPTS), subsets, "gaokao"):
        relative = f"{folder}{keyword}.json"
        data = reader.json(relative)
        if not isinstance(data, dict) or not isinstance(data.get("example"), list):
            raise LayoutError([(str(root / relative), "example", "expected {\"keywords\", \"example\": [...]}", "use the released file unchanged")])
        prompt = PROMPTS[keyword]
        for position, example in enumerate(data["example"]):
            where = f"{root / relative}: example {position}"
            require(example, FIELDS, where)
            items.append(BenchItem(
                id=f"{keyword}/{example['index']}",
                subject=keyword,
                prompt=Prompt(user=str(example["question"]).strip() + "\n", system=prompt["prefix_prompt"]),
                reference={"type": prompt["type"], "group": prompt["subject"], "answer": _answers(example["answer"], where), "score": float(example["score"])},
            ))
    return reader.done(items)
