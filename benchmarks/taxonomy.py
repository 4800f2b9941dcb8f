"""Taxonomies shared by manifests, suites and reports, loaded from the YAML files beside this one."""

from functools import cache

import yaml

from harness.paths import BENCHMARKS_DIR


@cache
def sector_codes() -> frozenset[str]:
    with open(BENCHMARKS_DIR / "sectors.yaml", encoding="utf-8") as f:
        return frozenset(yaml.safe_load(f)["sectors"])


@cache
def sector_names_zh() -> dict[str, str]:
    """Sector code -> its Chinese name, as prompts and reports print it."""
    with open(BENCHMARKS_DIR / "sectors.yaml", encoding="utf-8") as f:
        return {code: str(v["name_zh"]) for code, v in yaml.safe_load(f)["sectors"].items()}
