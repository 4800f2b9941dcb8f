"""Labelled judge sets, each kept as a development half and a test half fixed by a hash of the item id.

A set NAME is two files under `corpora/safety_sample/judge_sets/`: `NAME.dev.jsonl` and
`NAME.test.jsonl`. A judge is developed (rules tuned, a classifier trained) on the dev half only;
only test-half numbers are quoted and logged, so they say how the judge does on text it was not
developed on (DESIGN.md section 6). The half depends on the id alone, so adding items never moves
an old one from one half to the other.
"""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from foundation.errors import InputError, Problem
from foundation.paths import CORPORA_DIR
from foundation.jsonl import read_jsonl_objects

Half = Literal["dev", "test"]
HALVES: tuple[Half, ...] = ("dev", "test")
JUDGE_SETS_DIR = CORPORA_DIR / "safety_sample" / "judge_sets"


def split_of(item_id: str) -> Half:
    """The half an item belongs to: the first byte of SHA-256 of its UTF-8 id, even for dev, odd for test."""
    return "dev" if hashlib.sha256(item_id.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def half_path(name: str, half: Half, directory: Path = JUDGE_SETS_DIR) -> Path:
    return directory / f"{name}.{half}.jsonl"


def read_half(name: str, half: Half, directory: Path = JUDGE_SETS_DIR) -> list[dict]:
    """The items of one half, each checked to carry an id that hashes to that half."""
    path = half_path(name, half, directory)
    if not path.is_file():
        raise InputError([Problem(str(path), "FILE", "no such labelled half", f"write {name}.dev.jsonl and {name}.test.jsonl with scripts/judge_sets.py add")])
    rows = read_jsonl_objects(path, '{"id": "...", "prompt": "...", "response": "...", ...}')
    for number, row in rows:
        item_id = row.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise InputError([Problem(str(path), f"line {number}: id", "missing or not text", "give every labelled item a unique string id")])
        if split_of(item_id) != half:
            raise InputError([Problem(str(path), f"line {number}: id", f"{item_id!r} hashes to the {split_of(item_id)} half", "move the line to its half (scripts/judge_sets.py add rewrites both halves)")])
    return [row for _, row in rows]


def write_halves(name: str, items: Iterable[dict], directory: Path = JUDGE_SETS_DIR) -> dict[Half, int]:
    """Rewrite both halves of a set from its items, each in the half its id hashes to, in id order."""
    by_half: dict[Half, list[dict]] = {half: [] for half in HALVES}
    seen: set[str] = set()
    for item in items:
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id or item_id in seen:
            raise InputError([Problem(str(directory / f"{name}.*.jsonl"), "id", f"missing or repeated id {item_id!r}", "give every labelled item a unique string id")])
        seen.add(item_id)
        by_half[split_of(item_id)].append(item)
    directory.mkdir(parents=True, exist_ok=True)
    for half, rows in by_half.items():
        lines = [json.dumps(row, ensure_ascii=False) for row in sorted(rows, key=lambda row: row["id"])]
        half_path(name, half, directory).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {half: len(rows) for half, rows in by_half.items()}
