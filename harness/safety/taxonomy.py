"""The 31 risks of the standard's Appendix A, read from benchmarks/safety/taxonomy.yaml."""

from dataclasses import dataclass
from functools import cache

import yaml

from harness.paths import BENCHMARKS_DIR

TAXONOMY_PATH = BENCHMARKS_DIR / "safety" / "taxonomy.yaml"


@dataclass(frozen=True)
class Risk:
    code: str  # "A.1.a"
    group: str  # "A.1"
    name_zh: str
    name_en: str


@cache
def _groups() -> list[dict]:
    with open(TAXONOMY_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)["groups"]


@cache
def risks() -> tuple[Risk, ...]:
    """Every risk, in the standard's order."""
    return tuple(Risk(r["code"], g["code"], r["name_zh"], r["name_en"]) for g in _groups() for r in g["risks"])


def group_names() -> dict[str, str]:
    """Group code -> Chinese name ("A.2" -> "歧视性内容"), in the standard's order."""
    return {g["code"]: g["name_zh"] for g in _groups()}


def risk_codes(groups: list[str] | None = None) -> list[str]:
    return [r.code for r in risks() if groups is None or r.group in groups]


def risk_by_code() -> dict[str, Risk]:
    return {r.code: r for r in risks()}


def _fold(name: str) -> str:
    # Public banks spell risk names with or without punctuation and spaces ("煽动颠覆国家政权，推翻社会主义制度").
    return "".join(ch for ch in name if ch.isalnum()).lower()


@cache
def _codes_by_name() -> dict[str, str]:
    out: dict[str, str] = {}
    for r in risks():
        for name in (r.code, r.name_zh, r.name_en):
            out[_fold(name)] = r.code
    return out


def code_for(label: str) -> str | None:
    """A risk code for a code, a Chinese or an English risk name as public banks write them; None if unknown."""
    return _codes_by_name().get(_fold(label))
