"""Taxonomies shared by manifests, suites and reports, loaded from the YAML files beside this one."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SECTORS_FILE = Path(__file__).parent / "sectors.yaml"


@dataclass(frozen=True)
class Sector:
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]  # earlier codes, still accepted and read as `code`
    suites: tuple[str, ...]  # benchmarks/suites/<name>.yaml: the sector's own suites


@cache
def sectors() -> dict[str, Sector]:
    raw = yaml.safe_load(SECTORS_FILE.read_text(encoding="utf-8"))["sectors"]
    return {
        code: Sector(code, v["name_zh"], v["name_en"], tuple(v.get("aliases", ())), tuple(v.get("suites", ())))
        for code, v in raw.items()
    }


@cache
def _by_code_or_alias() -> dict[str, str]:
    return {name: s.code for s in sectors().values() for name in (s.code, *s.aliases)}


def sector_codes() -> frozenset[str]:
    """Every code a manifest may use: the sectors' codes and their aliases."""
    return frozenset(_by_code_or_alias())


def canonical_sector(code: str) -> str | None:
    """The sector's code for a code or an alias; None when unknown."""
    return _by_code_or_alias().get(code)
