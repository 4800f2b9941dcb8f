"""The 31 risks of the standard's Appendix A, read from benchmarks/safety/taxonomy.yaml."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from foundation.paths import BENCHMARKS_DIR

TAXONOMY_PATH = BENCHMARKS_DIR / "safety" / "taxonomy.yaml"


@dataclass(frozen=True)
class Risk:
    code: str  # "A.1.a"
    group: str  # "A.1"
    name_zh: str
    name_en: str


@cache
def _groups() -> list[dict[str, Any]]:
    with open(TAXONOMY_PATH, encoding="utf-8") as f:
        groups: list[dict[str, Any]] = yaml.safe_load(f)["groups"]
    return groups


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


ALIASES_PATH = BENCHMARKS_DIR / "safety" / "risk_aliases.yaml"
# Words a bank appends to a risk name ("年龄歧视内容", "暴力类", "隐私风险"); removed from the end, repeatedly.
_SUFFIXES = ("内容", "类", "风险")


@cache
def _to_simplified() -> Callable[[str], str]:
    import opencc  # pinned in requirements/cpu.lock; its dictionaries ship with the wheel (offline)

    convert: Callable[[str], str] = opencc.OpenCC("t2s.json").convert
    return convert


def normalise_label(name: str) -> str:
    """The key a risk name is matched on: NFKC, Traditional -> Simplified (OpenCC), lower case, only
    letters and digits, without a trailing 内容 / 类 / 风险. Codes ("A.2.f") keep their dots."""
    text = unicodedata.normalize("NFKC", name).strip()
    if re.fullmatch(r"[A-Za-z]\.\d(\.[a-z])?", text):
        return text.upper()[:3] + text[3:].lower()
    text = "".join(ch for ch in _to_simplified()(text).lower() if ch.isalnum())
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text, stripped = text[: -len(suffix)], True
    return text


@cache
def _codes_by_name() -> dict[str, str]:
    out: dict[str, str] = {}
    aliases = yaml.safe_load(ALIASES_PATH.read_text(encoding="utf-8"))["aliases"]
    known = risk_by_code()
    for r in risks():
        for name in (r.code, r.name_zh, r.name_en):
            key = normalise_label(name)
            if out.get(key, r.code) != r.code:
                raise ValueError(f"{TAXONOMY_PATH}: {name!r} normalises to the key of {out[key]}")
            out[key] = r.code
    for code, names in aliases.items():
        if code not in known:
            raise ValueError(f"{ALIASES_PATH}: {code} is not a risk code of {TAXONOMY_PATH.name}")
        for name in names:
            key = normalise_label(name)
            if out.get(key, code) != code:
                raise ValueError(f"{ALIASES_PATH}: {name!r} ({code}) already names {out[key]}")
            out[key] = code
    return out


def code_for(label: str) -> str | None:
    """A risk code for a code, a Chinese (Simplified or Traditional) or English risk name as public
    banks write them, or an alias of risk_aliases.yaml; None if unknown."""
    return _codes_by_name().get(normalise_label(label))
