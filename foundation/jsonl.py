"""User-supplied JSONL read line by line: each bad line becomes a Problem naming the file and the line."""

import json
from pathlib import Path
from typing import Any

from foundation.errors import InputError, Problem
from foundation.user_files import lines, read_text


def read_jsonl_objects(path: Path, example: str, expect: str = "a JSONL file (one JSON object per line)", text: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of user-supplied JSONL (`text`, when already
    read); bad lines are one InputError naming the file and each line, with `example` as the shape to write."""
    rows, problems = jsonl_objects(path, example, expect, text)
    if problems:
        raise InputError(problems)
    return rows


def jsonl_objects(path: Path, example: str, expect: str = "a JSONL file (one JSON object per line)", text: str | None = None) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
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
