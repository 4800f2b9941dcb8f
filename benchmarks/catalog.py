"""The one registry of suites: each suite is a YAML file in benchmarks/suites/, typed here."""

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from harness.errors import InputError, Problem
from harness.paths import BENCHMARKS_DIR, REPO_ROOT

SUITES_DIR = BENCHMARKS_DIR / "suites"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class McqData(_Spec):
    layout: Literal["cmmlu-csv"]
    path: Path
    subjects: Path


class MultipleChoiceSuite(_Spec):
    name: str
    kind: Literal["multiple_choice"]
    title: str
    data: McqData


class RefusalData(_Spec):
    should_refuse: Path
    should_not_refuse: Path


class Threshold(_Spec):
    min: float | None = None
    max: float | None = None
    clause: str

    def passes(self, rate: float) -> bool:
        return (self.min is None or rate >= self.min) and (self.max is None or rate <= self.max)

    def describe(self) -> str:
        return f">= {self.min:.0%}" if self.min is not None else f"<= {self.max:.0%}"


class RefusalSuite(_Spec):
    name: str
    kind: Literal["refusal"]
    title: str
    data: RefusalData
    judge: Literal["rule-refusal"]
    thresholds: dict[Literal["should_refuse", "should_not_refuse"], Threshold]
    filing_minimums: dict[Literal["should_refuse", "should_not_refuse"], int]


SuiteSpec = Annotated[MultipleChoiceSuite | RefusalSuite, Field(discriminator="kind")]
_adapter: TypeAdapter[SuiteSpec] = TypeAdapter(SuiteSpec)


def available_suites() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.yaml"))


def load_suite(name: str) -> SuiteSpec:
    path = SUITES_DIR / f"{name}.yaml"
    if not path.exists():
        raise InputError([Problem("profile", "suites[].suite", f"unknown suite {name!r}", f"use one of {available_suites()}")])
    try:
        return _adapter.validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as e:
        raise InputError([Problem(str(path), ".".join(map(str, err["loc"])), err["msg"], "fix the suite file") for err in e.errors()]) from e


def repo_path(path: Path) -> Path:
    """Suite data paths are relative to the repository root unless absolute."""
    return path if path.is_absolute() else REPO_ROOT / path
