"""CMMLU's GitHub layout (`{dev,test}/<subject>.csv`) as the demo model builder reads it."""

from dataclasses import dataclass
from pathlib import Path

from benchmarks.mcq.sources import load_local


@dataclass(frozen=True)
class Subject:
    key: str
    name_zh: str
    category: str
    dev: list[dict[str, str]]
    test: list[dict[str, str]]


def load_cmmlu_dir(root: Path, subjects_file: Path) -> tuple[list[Subject], str]:
    """All subjects and a SHA-256 over every file read (recorded with the run)."""
    data = load_local("cmmlu-csv", root, subjects_file, split="test", fewshot_split="dev")
    return [Subject(s.meta.key, s.meta.name_zh, s.meta.category, s.shots, s.rows) for s in data.subjects], data.digest
