"""Reader for CMMLU's GitHub layout: `{dev,test}/<subject>.csv`, header `,Question,A,B,C,D,Answer`."""

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.errors import InputError, Problem

HEADER = ["", "Question", "A", "B", "C", "D", "Answer"]


@dataclass(frozen=True)
class Subject:
    key: str
    name_zh: str
    category: str
    dev: list[dict[str, str]]
    test: list[dict[str, str]]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != HEADER:
            raise InputError([Problem(str(path), "header", f"expected {','.join(HEADER)!r}, found {header}", "use CMMLU's CSV layout")])
        rows = [dict(zip(HEADER[1:], line[1:], strict=True)) for line in reader if line]
    for number, row in enumerate(rows, start=2):
        if row["Answer"] not in ("A", "B", "C", "D"):
            raise InputError([Problem(str(path), f"line {number}: Answer", f"{row['Answer']!r} is not A-D", "write one letter A, B, C or D")])
    return rows


def load_cmmlu_dir(root: Path, subjects_file: Path) -> tuple[list[Subject], str]:
    """All subjects and a SHA-256 over every file read (recorded with the run)."""
    meta = yaml.safe_load(subjects_file.read_text(encoding="utf-8"))
    digest = hashlib.sha256(subjects_file.read_bytes())
    subjects = []
    for key in sorted(meta):
        paths = {split: root / split / f"{key}.csv" for split in ("dev", "test")}
        for path in paths.values():
            if not path.exists():
                raise InputError([Problem(str(path), "-", "missing", f"add it or remove {key!r} from {subjects_file.name}")])
            digest.update(path.read_bytes())
        subjects.append(
            Subject(key, meta[key]["name_zh"], meta[key]["category"], _read_csv(paths["dev"]), _read_csv(paths["test"]))
        )
    return subjects, digest.hexdigest()
