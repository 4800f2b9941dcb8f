"""What every sector benchmark loader returns, and the one file reader they share (which digests
every byte it reads, so a run can show which data it scored)."""

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Prompt:
    """The official prompt: `user` is the user turn (or the whole completion prompt), `system` the
    system message where the official evaluation sends one."""

    user: str
    system: str = ""

    def as_text(self) -> str:
        """One completion prompt, for plain (non-chat) generation."""
        return f"{self.system}\n{self.user}" if self.system else self.user

    def as_messages(self) -> list[dict[str, str]]:
        system = [{"role": "system", "content": self.system}] if self.system else []
        return [*system, {"role": "user", "content": self.user}]


@dataclass(frozen=True)
class BenchItem:
    id: str
    subject: str  # the unit the official metric reports on: a subject, task or question file
    prompt: Prompt
    reference: Mapping[str, Any] = field(default_factory=dict)  # what the official scorer needs


@dataclass(frozen=True)
class BenchData:
    items: list[BenchItem]
    digest: str  # SHA-256 over every file read, in order
    source: str


class LayoutError(ValueError):
    """Released files that are missing or not in the released layout: each problem is
    (where, field, what, fix), turned into the harness's InputError by the planner."""

    def __init__(self, problems: Sequence[tuple[str, str, str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{w}: {f}: {what}" for w, f, what, _ in self.problems))


class ReleaseReader:
    """Reads files under a benchmark's release root and digests them (relative path and bytes)."""

    def __init__(self, root: Path, benchmark: str):
        if not root.is_dir():
            raise LayoutError([(str(root), "data", "not a directory", f"point --data at a local copy of {benchmark} in its released layout")])
        self.root = root
        self.benchmark = benchmark
        self._digest = hashlib.sha256()

    def path(self, relative: str) -> Path:
        path = self.root / relative
        if not path.is_file():
            raise LayoutError([(str(path), "-", "missing", f"use a complete copy of {self.benchmark} in its released layout (README: sector benchmarks)")])
        return path

    def read_bytes(self, relative: str) -> bytes:
        content = self.path(relative).read_bytes()
        self._digest.update(f"{relative}\0{len(content)}\0".encode())
        self._digest.update(content)
        return content

    def text(self, relative: str) -> str:
        try:
            return self.read_bytes(relative).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise LayoutError([(str(self.root / relative), "-", f"not UTF-8 ({e.reason} at byte {e.start})", "use the released file unchanged")]) from e

    def json(self, relative: str) -> Any:
        try:
            return json.loads(self.text(relative))
        except json.JSONDecodeError as e:
            raise LayoutError([(str(self.root / relative), f"line {e.lineno}", f"not JSON ({e.msg})", "use the released file unchanged")]) from e

    def json_lines(self, relative: str) -> list[Any]:
        rows = []
        for number, line in enumerate(self.text(relative).splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise LayoutError([(str(self.root / relative), f"line {number}", f"not JSON ({e.msg})", "use the released file unchanged")]) from e
        return rows

    def csv_rows(self, relative: str) -> list[dict[str, str]]:
        try:
            return list(csv.DictReader(io.StringIO(self.text(relative), newline="")))
        except csv.Error as e:  # e.g. a NUL byte, or a cell over csv's 128 KiB
            raise LayoutError([(str(self.root / relative), "-", f"not readable as CSV ({e})", "use the released file unchanged")]) from e

    def done(self, items: list[BenchItem]) -> BenchData:
        if not items:
            raise LayoutError([(str(self.root), "-", "no items read", f"point --data at a copy of {self.benchmark} that holds its question files")])
        return BenchData(items, self._digest.hexdigest(), str(self.root))


def require(record: Mapping[str, Any], keys: Sequence[str], where: str) -> None:
    missing = [k for k in keys if k not in record]
    if missing:
        raise LayoutError([(where, ",".join(missing), "missing", f"expected the released fields {list(keys)}")])


def selected(names: Sequence[str], subsets: Sequence[str] | None, where: str) -> list[str]:
    """`names` narrowed to a suite's `subsets` (every one must exist), in release order."""
    if subsets is None:
        return list(names)
    unknown = sorted(set(subsets) - set(names))
    if unknown:
        raise LayoutError([(where, "subsets", f"unknown {unknown}", f"use some of {list(names)}")])
    return [n for n in names if n in subsets]
