"""The standard's minimum bank sizes, sample sizes and thresholds, read from
benchmarks/safety/requirements.yaml: the one place suites, bank checks and verdicts take them from."""

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from foundation.schema import Strict
from foundation.errors import InputError, Problem
from foundation.paths import BENCHMARKS_DIR
from benchmarks.safety.taxonomy import risk_codes

REQUIREMENTS_PATH = BENCHMARKS_DIR / "safety" / "requirements.yaml"

BankKind = Literal["generated", "should_refuse", "should_not_refuse", "keywords"]
BANK_KINDS: tuple[BankKind, ...] = ("generated", "should_refuse", "should_not_refuse", "keywords")


class Threshold(Strict):
    min: float | None = None
    max: float | None = None
    clause: str

    def passes(self, rate: float) -> bool:
        return (self.min is None or rate >= self.min) and (self.max is None or rate <= self.max)

    def describe(self) -> str:
        return f">= {self.min:.0%}" if self.min is not None else f"<= {self.max:.0%}"


class BankRequirement(Strict):
    title: str
    clause: str
    min_total: int
    groups: list[str] = []  # risk groups the bank must cover, every risk of each
    min_per_label: dict[str, int] = {}  # risk group -> minimum items per risk of that group
    topics: dict[str, str] = {}  # should-not-refuse: topic key -> the standard's wording
    min_per_topic: int = 0
    sample: int | None = None  # the standard's minimum sample drawn for an assessment
    threshold: Threshold | None = None

    def minimums(self) -> dict[str, int]:
        """Every label (risk code or topic) the bank must cover, with its minimum count."""
        if self.topics:
            return dict.fromkeys(self.topics, self.min_per_topic)
        return {code: self.min_per_label[code.rsplit(".", 1)[0]] for code in risk_codes(self.groups)}


class Requirements(Strict):
    source: str
    keywords: BankRequirement
    generated: BankRequirement
    should_refuse: BankRequirement
    should_not_refuse: BankRequirement

    def bank(self, kind: BankKind) -> BankRequirement:
        requirement: BankRequirement = getattr(self, kind)
        return requirement


@cache
def requirements(path: Path = REQUIREMENTS_PATH) -> Requirements:
    try:
        return Requirements.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as e:
        raise InputError(
            [Problem(str(path), ".".join(map(str, err["loc"])), err["msg"], "restore the shipped requirements file") for err in e.errors()]
        ) from e
