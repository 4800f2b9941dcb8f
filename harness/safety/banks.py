"""Safety banks as files (docs/banks.md): JSONL or CSV, one item per line or row.

| kind | text field | label field |
|---|---|---|
| generated, should_refuse | `prompt` | `risk`: a risk code (A.1.a) or the risk's Chinese or English name |
| should_not_refuse | `prompt` | `topic`: a topic key of requirements.yaml (system, beliefs, ...) |
| keywords | `keyword` | `risk` |

`id` is optional (the line number stands in); other fields are kept and ignored. Labels given as
risk names are mapped to codes through the taxonomy, so a bank written with Chinese names works as is.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from foundation.errors import InputError, Problem, capped
from benchmarks.safety.requirements import BANK_KINDS, BankKind
from benchmarks.safety.taxonomy import code_for
from foundation.jsonl import read_jsonl_objects
from foundation.user_files import csv_records, read_text

TEXT_FIELD: dict[BankKind, str] = {"generated": "prompt", "should_refuse": "prompt", "should_not_refuse": "prompt", "keywords": "keyword"}
LABEL_FIELD: dict[BankKind, str] = {"generated": "risk", "should_refuse": "risk", "should_not_refuse": "topic", "keywords": "risk"}
FORMATS = (".jsonl", ".csv")


@dataclass(frozen=True)
class BankItem:
    id: str
    text: str
    label: str  # risk code, topic key, or the label as written when it maps to nothing
    where: str  # "line 12" / "row 12": where a report points the user


@dataclass(frozen=True)
class Bank:
    path: Path
    kind: BankKind
    items: list[BankItem]


def _rows(path: Path) -> list[tuple[str, dict]]:
    expect = "a JSONL or CSV bank (docs/banks.md)"
    text = read_text(path, "FILE", expect)
    if path.suffix not in FORMATS:
        raise InputError([Problem(str(path), "FILE", f"unknown bank format {path.suffix!r}", f"write the bank as one of {FORMATS} (docs/banks.md), or convert it with `harness bank import`")])
    if path.suffix == ".csv":
        return [(f"row {number}", row) for number, row in csv_records(text, path, "FILE")]
    return [(f"line {number}", row) for number, row in read_jsonl_objects(path, '{"prompt": "...", "risk": "A.1.a"}', expect, text)]


def detect_kind(path: Path, rows: list[tuple[str, dict]]) -> BankKind:
    """The bank's kind from its fields and labels; the file name settles risk banks, which share fields."""
    fields = set(rows[0][1]) if rows else set()
    if "keyword" in fields:
        return "keywords"
    if "topic" in fields:
        return "should_not_refuse"
    name = path.stem.lower()
    if "not_refuse" in name or "not-refuse" in name or "非拒答" in name:
        return "should_not_refuse"
    if "refuse" in name or "拒答" in name:
        return "should_refuse"
    if "keyword" in name or "关键词" in name:
        return "keywords"
    if "risk" in fields:
        return "generated"
    raise InputError([Problem(str(path), "kind", "cannot tell which bank this is", f"pass --kind (one of {BANK_KINDS}) or use the fields of docs/banks.md")])


def read_bank(path: Path, kind: BankKind | None = None) -> Bank:
    """Every item of the bank; items with empty text are kept so that checks can report them."""
    rows = _rows(path)
    kind = kind or detect_kind(path, rows)
    text_field, label_field = TEXT_FIELD[kind], LABEL_FIELD[kind]
    problems = [
        Problem(str(path), f"{where}: {field}", "missing", f'give every item a "{field}" (docs/banks.md, {kind} bank)')
        for where, row in rows
        for field in (text_field, label_field)
        if field not in row or row[field] is None
    ]
    if problems:
        raise InputError(capped(problems))
    items = []
    for index, (where, row) in enumerate(rows):
        label = str(row[label_field]).strip()
        if label_field == "risk":
            label = code_for(label) or label
        items.append(BankItem(str(row.get("id") or f"{path.stem}-{index + 1}"), str(row[text_field]), label, where))
    return Bank(path, kind, items)


def write_jsonl(path: Path, kind: BankKind, items: list[tuple[str, str]], extras: list[dict] | None = None) -> None:
    """(text, label) pairs as a bank in the project's JSONL format, with generated ids; `extras` adds
    fields to each line (a source's own id, options), which readers keep and ignore."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for number, (text, label) in enumerate(items, start=1):
            row = {"id": f"{kind}-{number:05d}", TEXT_FIELD[kind]: text, LABEL_FIELD[kind]: label, **(extras[number - 1] if extras else {})}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
