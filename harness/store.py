"""Per-item results, appended to JSONL as they are produced.

Each line is flushed at once, so an interrupted run keeps every item already scored; the files
are logged to the MLflow run as artifacts (items/<suite>.jsonl) when each suite ends.
"""

import json
import os
from pathlib import Path
from types import TracebackType

from harness.errors import InputError, Problem
from harness.paths import harness_home
from harness.user_files import lines, read_text


def staging_dir(run_id: str) -> Path:
    return harness_home() / "runs" / run_id


class ItemWriter:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = open(path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def __enter__(self) -> "ItemWriter":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._file.close()


def read_jsonl_objects(path: Path, example: str, expect: str = "a JSONL file (one JSON object per line)", text: str | None = None) -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line of user-supplied JSONL (`text`, when already
    read); bad lines are one InputError naming the file and each line, with `example` as the shape to write."""
    rows, problems = jsonl_objects(path, example, expect, text)
    if problems:
        raise InputError(problems)
    return rows


def jsonl_objects(path: Path, example: str, expect: str = "a JSONL file (one JSON object per line)", text: str | None = None) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """The good lines and a problem for each bad one, for readers that report every problem at once."""
    rows, problems = [], []
    for number, line in enumerate(lines(read_text(path, "FILE", expect) if text is None else text), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError) as e:  # ValueError: JSONDecodeError, and integers of over 4,300 digits
            problems.append(Problem(str(path), f"line {number}", f"not valid JSON ({getattr(e, 'msg', e)})", "write one JSON object per line"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(str(path), f"line {number}", "not a JSON object", f"write objects such as {example}"))
            continue
        rows.append((number, row))
    return rows, problems


def read_items(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def rewrite_items(path: Path, records: list[dict]) -> None:
    """Replace a staged items file with its records after a later judge added decisions; the old file
    stays whole until the new one is complete (write, then rename)."""
    partial = path.with_suffix(".jsonl.partial")
    with ItemWriter(partial) as writer:
        for record in records:
            writer.write(record)
    os.replace(partial, path)
