"""Scenario sets: an enterprise's real use case, or a committee's own questions, as one suite
(docs/scenarios.md). A suite file of kind `scenario` names its owner, its sector and a JSONL file
of items of three kinds:

    {"id": "c-01", "type": "choice", "question": "...", "options": ["...", "...", "...", "..."], "answer": "B"}
    {"id": "s-01", "type": "short", "question": "...", "references": ["...", "..."]}
    {"id": "o-01", "type": "open", "question": "...", "rubric": "..."}

(`prompt` may stand for `question`; short and open items may add an `instruction`; any item a
`subject`.) Multiple choice is scored like C-Eval/CMMLU (lm-eval's cmmlu prompt, zero-shot; two to
four options, A-D); short answers against their references (exact match, character F1, ROUGE-L); open
questions by the profile's rubric judge. Every problem of a set is found before anything is
recorded, each naming the file, the item, the field and the fix.

A committee's set stays out of the tracking store in plain text: item records carry SHA-256
digests of the question, options, references, rubric and the model's response (a response often
restates its question), with the scores; the plain records stay on the evaluating machine, in the
run's staging folder (`restricted/<suite>.jsonl`).
"""

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from benchmarks.catalog import ScenarioSuite, parse_suite
from benchmarks.mcq.prompt import CHOICES, build_context, description
from benchmarks.taxonomy import sector_codes
from foundation.errors import InputError, Problem
from harness.generation_data import GenerationItem, item_id_problem, item_problems, to_item
from foundation.jsonl import jsonl_objects
from harness.store import ItemWriter, rewrite_items
from foundation.user_files import read_text
from registry.uscc import uscc_problem

TYPES = ("choice", "short", "open")
_COMMON = {"id", "type", "subject"}
FIELDS = {
    "choice": _COMMON | {"question", "prompt", "options", "answer"},
    "short": _COMMON | {"question", "prompt", "instruction", "references"},
    "open": _COMMON | {"question", "prompt", "instruction", "rubric"},
}
_EXAMPLE = '{"id": "c-01", "type": "choice", "question": "...", "options": ["...", "...", "...", "..."], "answer": "B"}'
MAX_PROBLEMS = 100
DEFAULT_SUBJECT = "all"


@dataclass(frozen=True)
class ChoiceRow:
    id: str
    subject: str
    row: dict[str, str]  # CMMLU's row shape: Question, a letter per option, Answer

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(c for c in CHOICES if c in self.row)


@dataclass(frozen=True)
class ScenarioItems:
    choices: list[ChoiceRow]
    generation: list[GenerationItem]
    digest: str  # SHA-256 of the items file: the set's identity when registered

    @property
    def counts(self) -> dict[str, int]:
        return {"choice": len(self.choices), "short": sum(not g.open for g in self.generation), "open": sum(g.open for g in self.generation)}


def _choice_problems(row: dict, where: str, path: str) -> list[Problem]:
    problems = []
    question = row.get("question", row.get("prompt"))
    if not isinstance(question, str) or not question.strip():
        problems.append(Problem(path, f"{where}: question", "missing or empty", "give the question's text"))
    options = row.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= len(CHOICES) or not all(isinstance(o, str) and o.strip() for o in options):
        problems.append(Problem(path, f"{where}: options", f"not a list of 2 to {len(CHOICES)} non-empty texts", 'write "options": ["A 的内容", "B 的内容", "C 的内容", "D 的内容"] (two to four options, lettered A, B, ...)'))
        return problems + ([] if row.get("answer") in CHOICES else [_answer_problem(row, CHOICES, where, path)])
    if len({o.strip() for o in options}) < len(options):
        problems.append(Problem(path, f"{where}: options", "two options are the same text", "make the options different"))
    if row.get("answer") not in CHOICES[: len(options)]:
        problems.append(_answer_problem(row, CHOICES[: len(options)], where, path))
    return problems


def _answer_problem(row: dict, letters: tuple[str, ...], where: str, path: str) -> Problem:
    return Problem(path, f"{where}: answer", f"{row.get('answer')!r} is not one of {', '.join(letters)}", 'give the right option\'s letter, e.g. "answer": "B"')


def read_items(path: Path) -> ScenarioItems:
    """Every item of a scenario set's items file, or an InputError naming every problem."""
    if not path.is_file():
        raise InputError([Problem(str(path), "data.path", "no such file", "point the scenario set's data.path at its JSONL items file (relative to the suite file)")])
    rows, problems = jsonl_objects(path, _EXAMPLE)
    seen: set[str] = set()
    choices, generation = [], []
    for number, row in rows:
        item_id = str(row.get("id", "")).strip()
        where = f"line {number}" + (f", item {item_id}" if item_id else "")
        if (bad := item_id_problem(row.get("id"), seen, where, str(path))) is not None:
            problems.append(bad)
        seen.add(item_id)
        kind = row.get("type")
        if kind not in TYPES:
            problems.append(Problem(str(path), f"{where}: type", f"{kind!r} is not an item type", f"use one of {list(TYPES)}: choice (multiple choice), short (short answer with references), open (open question with a rubric)"))
            continue
        unknown = sorted(set(row) - FIELDS[kind])
        if unknown:
            problems.append(Problem(str(path), f"{where}: {unknown[0]}", f"field(s) {unknown} are not part of a {kind} item", f"use only {sorted(FIELDS[kind])}"))
        if "subject" in row and (not isinstance(row["subject"], str) or not row["subject"].strip()):
            problems.append(Problem(str(path), f"{where}: subject", "empty or not text", "name the item's subject, or leave the field out"))
        if kind == "choice":
            found = _choice_problems(row, where, str(path))
        else:
            # The generation item's own fields and checks (harness/generation_data.py), `question` alone read as its prompt.
            generation_row = {k: v for k, v in row.items() if k in FIELDS[kind] - {"id", "type"}}
            if "question" in generation_row and "instruction" not in generation_row and "prompt" not in generation_row:
                generation_row["prompt"] = generation_row.pop("question")
            needed = "references" if kind == "short" else "rubric"
            found = [p for p in item_problems(generation_row, where, str(path)) if not p.message.startswith("neither")]
            if "question" in row:  # the set's own word for it
                found = [replace(p, field=p.field.replace(": prompt", ": question")) for p in found]
            if needed not in row:
                fix = 'give "references": ["an accepted answer", ...]' if kind == "short" else 'give "rubric": what a good answer must and must not contain'
                found.append(Problem(str(path), f"{where}: {needed}", "missing", fix))
        problems += found
        if found or problems:
            continue
        subject = str(row.get("subject", "")).strip() or DEFAULT_SUBJECT
        if kind == "choice":
            question = str(row.get("question", row.get("prompt"))).strip()
            options = dict(zip(CHOICES, (o.strip() for o in row["options"]), strict=False))
            choices.append(ChoiceRow(item_id, subject, {"Question": question, **options, "Answer": row["answer"]}))
        else:
            generation.append(to_item(item_id, generation_row | {"subject": subject}))
    if not problems and not choices and not generation:
        problems.append(Problem(str(path), "-", "no items", "write one JSON object a line (docs/scenarios.md)"))
    if problems:
        problems.sort(key=lambda p: int(p.field.split(",")[0].split(":")[0].removeprefix("line ")) if p.field.startswith("line ") else 0)
        more = [Problem(str(path), "-", f"{len(problems) - MAX_PROBLEMS} more problems", "fix the ones above and check again")] if len(problems) > MAX_PROBLEMS else []
        raise InputError(problems[:MAX_PROBLEMS] + more)
    return ScenarioItems(choices, generation, hashlib.sha256(path.read_bytes()).hexdigest())


def owner_problems(spec: ScenarioSuite, where: str) -> list[Problem]:
    """What the suite file's owner and sector need beyond their types."""
    problems = []
    if spec.owner.kind == "enterprise":
        if not spec.owner.uscc:
            problems.append(Problem(where, "owner.uscc", "missing for an enterprise's set", "give the enterprise's unified social credit code (统一社会信用代码)"))
        elif (why := uscc_problem(spec.owner.uscc)) is not None:
            problems.append(Problem(where, "owner.uscc", why, "copy the code from the business licence"))
    elif spec.owner.uscc:
        problems.append(Problem(where, "owner.uscc", "a committee has no USCC", "leave owner.uscc out, or set owner.kind: enterprise"))
    if spec.sector not in sector_codes():
        problems.append(Problem(where, "sector", f"{spec.sector!r} is not a sector code", f"use one of {sorted(sector_codes())} (benchmarks/sectors.yaml)"))
    return problems


def load_scenario(spec: ScenarioSuite, where: str) -> ScenarioItems:
    """The set's items; every problem of the suite file and of the items at once."""
    problems = owner_problems(spec, where)
    try:
        items = read_items(spec.data.path)
    except InputError as e:
        raise InputError(problems + e.problems) from e
    if problems:
        raise InputError(problems)
    return items


def check_scenario(path: Path) -> tuple[ScenarioSuite, ScenarioItems]:
    """`harness scenario check`: the suite file and its items, every problem of both at once."""
    text = read_text(path, "FILE", "the scenario set's suite file (YAML, docs/scenarios.md)")
    try:
        spec = parse_suite(text, str(path), path.parent.resolve())
    except InputError as e:
        try:
            raw = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else None
        except (yaml.YAMLError, ValueError, RecursionError):  # already among e's problems
            raw = None
        items_path = raw.get("data", {}).get("path") if isinstance(raw, dict) and isinstance(raw.get("data"), dict) else None
        more: list[Problem] = []
        if isinstance(items_path, str):
            try:
                read_items(path.parent / items_path)
            except InputError as bad_items:
                more = bad_items.problems
        raise InputError(e.problems + more) from e
    if not isinstance(spec, ScenarioSuite):
        raise InputError([Problem(str(path), "kind", f"{spec.kind!r}, not a scenario set", "set kind: scenario (docs/scenarios.md)")])
    return spec, load_scenario(spec, str(path))


def choice_context(choice: ChoiceRow, sector_zh: str) -> str:
    """lm-eval's cmmlu prompt, zero-shot, on the item's subject (else the set's sector); a question
    with fewer than four options lists only those it has."""
    subject = choice.subject if choice.subject != DEFAULT_SUBJECT else sector_zh
    if choice.letters == CHOICES:
        return build_context(subject, choice.row)
    options = "".join(f"{letter}. {choice.row[letter]}\n" for letter in choice.letters)
    return f"{description(subject)}{choice.row['Question'].strip()}\n{options}答案："


def _digest(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PLAIN_FIELDS = ("prompt", "response", "references", "rubric")


def redact(record: dict) -> dict:
    """A committee set's item record as the tracking store may hold it: every text the committee or
    the model wrote replaced by its SHA-256 (`<field>_sha256`), the response's length kept; the
    judge's reason kept only as its status (it may quote the answer)."""
    out = {k: v for k, v in record.items() if k not in PLAIN_FIELDS}
    for field in PLAIN_FIELDS:
        if field in record:
            out[f"{field}_sha256"] = _digest(record[field])
    if "response" in record:
        out["response_chars"] = len(record["response"])
    if "judge_reason" in record:
        out["judge_reason"] = str(record["judge_reason"]).split(":", 1)[0] if record.get("verdict") == "undecided" else "redacted"
    return out


class ScenarioWriter(ItemWriter):
    """Item records of a scenario set: each gets its `type` (multiple-choice scoring does not name
    it); a committee's set writes the plain record to `restricted` and the redacted one to `path`."""

    def __init__(self, path: Path, restricted: Path | None) -> None:
        super().__init__(path)
        self.restricted = ItemWriter(restricted) if restricted is not None else None

    def write(self, record: dict) -> None:
        record.setdefault("type", "choice")
        if self.restricted is None:
            super().write(record)
            return
        self.restricted.write(record)
        super().write(redact(record))

    def __exit__(self, *exc: object) -> None:
        if self.restricted is not None:
            self.restricted.__exit__(None, None, None)
        super().__exit__(None, None, None)


def rewrite_scenario_items(path: Path, records: list[dict], restricted: Path | None) -> None:
    """After the rubric judge decided: the staged files again, redacted where the set is restricted."""
    if restricted is None:
        rewrite_items(path, records)
        return
    rewrite_items(restricted, records)
    rewrite_items(path, [redact(r) for r in records])
