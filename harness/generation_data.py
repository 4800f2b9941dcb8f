"""Items of a generation suite: short answers with references, open questions with a rubric.

Layout `jsonl`, one JSON object a line:

    {"id": "fin-001", "prompt": "“市盈率”的英文缩写是什么？", "references": ["PE", "P/E"]}
    {"id": "law-007", "instruction": "请根据案情给出罪名。", "question": "……", "references": ["盗窃罪"]}
    {"id": "open-03", "prompt": "请为小微企业写一段贷款产品介绍。", "rubric": "说明利率与期限；不夸大收益；……"}

`prompt`, or `instruction` and `question` (sent as one user message: instruction, a newline, the
question); `references` (a list of acceptable answers, each non-empty after normalisation) or
`rubric` (what the judge checks), never both; `subject` (optional) groups the metrics. Every bad
line is reported at once, with its line number and the fix.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from foundation.errors import InputError, Problem
from harness.scoring.text_match import normalise
from foundation.jsonl import jsonl_objects

if TYPE_CHECKING:
    from benchmarks.catalog import GenerationData

_EXAMPLE = '{"id": "q-001", "prompt": "...", "references": ["..."]}'
_FIELDS = {"id", "prompt", "instruction", "question", "references", "rubric", "subject"}
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class GenerationItem:
    id: str
    prompt: str  # the user message
    references: tuple[str, ...] = ()  # a short answer's acceptable answers
    rubric: str = ""  # an open question's criteria for the judge
    subject: str = ""
    truncated: bool = False  # cut on the left to fit the model (harness/fitting.py, policy truncate)

    @property
    def open(self) -> bool:
        return bool(self.rubric)


def user_message(instruction: str, question: str) -> str:
    return f"{instruction.strip()}\n{question.strip()}"


def _text(row: dict, key: str) -> str | None:
    value = row.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def item_problems(row: dict, where: str, path: str) -> list[Problem]:
    """What is wrong with one item (the fields every generation item shares); empty when nothing."""
    problems = []
    prompt, instruction, question = (_text(row, k) for k in ("prompt", "instruction", "question"))
    if not prompt and not question:
        problems.append(Problem(path, f"{where}: prompt", "missing or empty", 'give "prompt", or "instruction" and "question"'))
    if prompt and (instruction or question):
        problems.append(Problem(path, f"{where}: prompt", 'both "prompt" and "instruction"/"question"', "give one or the other"))
    references, rubric = row.get("references"), row.get("rubric")
    if references is None and rubric is None:
        problems.append(Problem(path, f"{where}: references", 'neither "references" nor "rubric"', 'give "references": ["..."] for a short answer, or "rubric" for an open question'))
    if references is not None and rubric is not None:
        problems.append(Problem(path, f"{where}: references", 'both "references" and "rubric"', "a short answer has references, an open question a rubric: keep one"))
    if references is not None:
        if not isinstance(references, list) or not references:
            problems.append(Problem(path, f"{where}: references", "not a non-empty list", 'write "references": ["answer", "another accepted answer"]'))
        else:
            for i, ref in enumerate(references):
                if not isinstance(ref, str) or not normalise(ref):
                    problems.append(Problem(path, f"{where}: references[{i}]", f"{ref!r} is empty once spaces and punctuation are removed", "give the answer's text; exact match and F1 compare normalised text (docs/scenarios.md)"))
    if rubric is not None and not _text(row, "rubric"):
        problems.append(Problem(path, f"{where}: rubric", "empty or not text", "write what a good answer must contain and must not contain"))
    if "subject" in row and not _text(row, "subject"):
        problems.append(Problem(path, f"{where}: subject", "empty or not text", "name the item's subject, or leave the field out"))
    return problems


def to_item(item_id: str, row: dict) -> GenerationItem:
    prompt = _text(row, "prompt") or user_message(_text(row, "instruction") or "", _text(row, "question") or "")
    references = tuple(r.strip() for r in row.get("references") or ())
    return GenerationItem(item_id, prompt.strip(), references, (_text(row, "rubric") or ""), _text(row, "subject") or "")


def item_id_problem(item_id: object, seen: set[str], where: str, path: str) -> Problem | None:
    text = str(item_id).strip() if isinstance(item_id, str | int) else ""
    why = "missing" if not text else "used by an earlier item" if text in seen else "holds '@' or '/' (reserved for rotations and subjects)" if "@" in text or "/" in text else ""
    return Problem(path, f"{where}: id", f"{item_id!r} is {why}" if text else "missing", "give every item its own id such as q-001") if why else None


def load_generation(data: "GenerationData") -> tuple[list[GenerationItem], str]:
    """A generation suite's items and the SHA-256 of what was read, by the data's layout."""
    return LAYOUTS[data.layout](data.path)


def load_jsonl(path: Path) -> tuple[list[GenerationItem], str]:
    """The items of a `jsonl` generation file and the SHA-256 of the file."""
    if not path.is_file():
        raise InputError([Problem(str(path), "data.path", "no such file", "point the suite (or --data NAME=PATH) at a JSONL file of items")])
    rows, problems = jsonl_objects(path, _EXAMPLE)
    items: list[GenerationItem] = []
    seen: set[str] = set()
    for number, row in rows:
        where = f"line {number}"
        unknown = sorted(set(row) - _FIELDS)
        if unknown:
            problems.append(Problem(str(path), f"{where}: {unknown[0]}", f"unknown field(s) {unknown}", f"use only {sorted(_FIELDS)}"))
        if (bad_id := item_id_problem(row.get("id"), seen, where, str(path))) is not None:
            problems.append(bad_id)
        problems += item_problems(row, where, str(path))
        seen.add(str(row.get("id", "")).strip())
        if not problems:
            items.append(to_item(str(row["id"]).strip(), row))
    if not problems and not items:
        problems.append(Problem(str(path), "-", "no items", "write one JSON object a line"))
    if problems:
        more = [Problem(str(path), "-", f"{len(problems) - MAX_PROBLEMS} more problems", "fix the ones above and check again")] if len(problems) > MAX_PROBLEMS else []
        raise InputError(problems[:MAX_PROBLEMS] + more)
    return items, hashlib.sha256(path.read_bytes()).hexdigest()


# layout (benchmarks.catalog.GenerationData.layout) -> reader of that release's files
LAYOUTS: dict[str, Callable[[Path], tuple[list[GenerationItem], str]]] = {"jsonl": load_jsonl}
