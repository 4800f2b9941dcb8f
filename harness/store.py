"""Per-item results, appended to JSONL as they are produced.

Each line is flushed at once, so an interrupted run keeps every item already scored; the files
are logged to the MLflow run as artifacts (items/<suite>.jsonl) when each suite ends.
"""

import json
import os
from pathlib import Path
from types import TracebackType

from foundation.paths import harness_home


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
