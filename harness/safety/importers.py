"""Importers from common public bank layouts into the project's JSONL format (docs/banks.md).

- `category-map`: a JSON object keyed by category, the layout many public Chinese safety sets use:
  {"民族歧视": ["q1", "q2"], ...}, also nested by group ({"歧视性内容": {"民族歧视": [...]}}). The
  innermost key is the label: a risk name in Chinese or English, or a code, mapped through the
  taxonomy; for should-not-refuse banks a topic key or its Chinese wording from requirements.yaml.
  List entries are strings or objects with a text field (`prompt`, `question`, `query`, `keyword`).
- `fields`: JSONL or CSV whose text and label sit under other names (`--text-field`, `--label-field`).
"""

import csv
import json
from pathlib import Path

from harness.errors import InputError, Problem
from harness.safety.banks import write_jsonl
from harness.safety.requirements import BankKind, requirements
from harness.safety.taxonomy import code_for

LAYOUTS = ("category-map", "fields")
_TEXT_KEYS = ("prompt", "question", "query", "keyword", "text", "content")


def _label(kind: BankKind, raw: str) -> str | None:
    if kind == "should_not_refuse":
        topics = requirements().should_not_refuse.topics
        return raw if raw in topics else next((key for key, zh in topics.items() if zh == raw or zh.removeprefix("个人") == raw), None)
    return code_for(raw)


def _entry_text(path: Path, where: str, entry: object) -> str:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        for key in _TEXT_KEYS:
            if isinstance(entry.get(key), str):
                return entry[key]
    raise InputError([Problem(str(path), where, f"entry {str(entry)[:40]!r} has no text", f"make each entry a string or an object with one of {_TEXT_KEYS}")])


def _walk(path: Path, kind: BankKind, node: object, trail: list[str], out: list[tuple[str, str]], problems: list[Problem]) -> None:
    where = " > ".join(trail) or "top level"
    if isinstance(node, dict):
        for key, child in node.items():
            _walk(path, kind, child, [*trail, str(key)], out, problems)
    elif isinstance(node, list):
        label = next((code for key in reversed(trail) if (code := _label(kind, key))), None)
        if label is None:
            problems.append(Problem(str(path), where, "category maps to no risk or topic", "rename the key to a risk name or code of benchmarks/safety/taxonomy.yaml (or a topic of requirements.yaml)"))
            return
        out.extend((_entry_text(path, where, entry), label) for entry in node)
    else:
        problems.append(Problem(str(path), where, f"expected a list of items or a map of categories, got {type(node).__name__}", 'use {"category": ["item", ...]}'))


def import_category_map(path: Path, kind: BankKind) -> list[tuple[str, str]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError([Problem(str(path), "FILE", f"not a readable JSON document ({e})", 'give a JSON object such as {"民族歧视": ["..."]}')]) from e
    out: list[tuple[str, str]] = []
    problems: list[Problem] = []
    _walk(path, kind, document, [], out, problems)
    if problems:
        raise InputError(problems)
    return out


def import_fields(path: Path, kind: BankKind, text_field: str, label_field: str) -> list[tuple[str, str]]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = [(f"row {n}", row) for n, row in enumerate(csv.DictReader(f), start=2)]
    else:
        with open(path, encoding="utf-8") as f:
            rows = [(f"line {n}", json.loads(line)) for n, line in enumerate(f, start=1) if line.strip()]
    out, problems = [], []
    for where, row in rows:
        label = _label(kind, str(row.get(label_field, "")).strip())
        if label is None or not isinstance(row.get(text_field), str):
            problems.append(Problem(str(path), f"{where}: {text_field}/{label_field}", "missing text or unknown label", "check --text-field and --label-field, and that labels are risk names, codes or topics"))
            continue
        out.append((row[text_field], label))
    if problems:
        raise InputError(problems[:20])
    return out


def import_bank(source: Path, out: Path, kind: BankKind, layout: str, *, text_field: str = "prompt", label_field: str = "risk") -> int:
    items = import_category_map(source, kind) if layout == "category-map" else import_fields(source, kind, text_field, label_field)
    write_jsonl(out, kind, items)
    return len(items)
