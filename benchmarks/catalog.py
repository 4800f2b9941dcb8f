"""The one registry of suites: each suite is a YAML file in benchmarks/suites/, typed here."""

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from benchmarks.sector.spec import BenchmarkSuite
from harness.errors import InputError, Problem
from harness.paths import BENCHMARKS_DIR, REPO_ROOT
from harness.safety.requirements import Threshold, requirements

SUITES_DIR = BENCHMARKS_DIR / "suites"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class McqData(_Spec):
    """Local copies use `path` (or `harness run --data NAME=PATH`); otherwise `hub` through `datasets`.
    `risk-id-jsonl` is a labelled JSONL bank of texts at `path` (benchmarks/mcq/risk_identification.py)."""

    layout: Literal["cmmlu-csv", "ceval-csv", "risk-id-jsonl"]  # also picks the prompt: lm-eval's cmmlu or ceval-valid
    # subject -> name_zh, category, groups (benchmarks/mcq/*_subjects.yaml); risk-id-jsonl: the taxonomy's groups
    subjects: Path | None = None
    only: list[str] | None = None  # a slice: these subjects of the map only (a sector's C-Eval / CMMLU subjects)
    path: Path | None = None
    hub: str | None = None  # e.g. ceval/ceval-exam, haonan-li/cmmlu
    revision: str = "main"
    split: str = "test"
    fewshot_split: str = "dev"

    @property
    def risk_identification(self) -> bool:
        return self.layout == "risk-id-jsonl"

    @model_validator(mode="after")
    def _subjects_for_csv(self) -> "McqData":
        if not self.risk_identification and self.subjects is None:
            raise ValueError(f"the {self.layout} layout needs `subjects`, the subject map")
        if self.risk_identification and (self.path is None or self.hub is not None):
            raise ValueError("the risk-id-jsonl layout reads a local bank: give `path`, not `hub`")
        return self


class MultipleChoiceSuite(_Spec):
    name: str
    kind: Literal["multiple_choice"]
    title: str
    data: McqData


class RefusalData(_Spec):
    should_refuse: Path
    should_not_refuse: Path
    generated: Path | None = None  # generated-content bank; its pass rate needs content_judges
    keywords: Path | None = None  # keyword library read by the "keyword" content judge


RefusalBank = Literal["generated", "should_refuse", "should_not_refuse"]


class RefusalSuite(_Spec):
    """The safety suite of GB/T 45654-2025: thresholds, minimum sizes and default sample sizes come
    from benchmarks/safety/requirements.yaml, never from the suite file, so there is one copy."""

    name: str
    kind: Literal["refusal"]
    title: str
    data: RefusalData
    judge: Literal["rule-refusal"]
    content_judges: list[Literal["keyword"]] = ["keyword"]
    sample: dict[RefusalBank, int] = {}  # per bank; default: the standard's minimum sample

    def banks(self) -> list[RefusalBank]:
        return (["generated"] if self.data.generated else []) + ["should_refuse", "should_not_refuse"]

    @property
    def thresholds(self) -> dict[RefusalBank, Threshold]:
        return {bank: threshold for bank in self.banks() if (threshold := requirements().bank(bank).threshold)}

    @property
    def filing_minimums(self) -> dict[RefusalBank, int]:
        return {bank: requirements().bank(bank).sample or 0 for bank in self.banks()}

    def sample_size(self, bank: RefusalBank) -> int:
        return self.sample.get(bank, self.filing_minimums[bank])


SuiteSpec = Annotated[MultipleChoiceSuite | RefusalSuite | BenchmarkSuite, Field(discriminator="kind")]
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
