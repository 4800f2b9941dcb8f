"""The one registry of suites: each suite is a YAML file, typed here. The project's own suites live
in benchmarks/suites/ and are named by their file's stem; a profile may also name a suite file of
one's own by path. Data paths in the project's suites are relative to the repository root, in
any other suite file relative to that file; `load_suite` returns them absolute either way.
"""

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, PrivateAttr, TypeAdapter, ValidationError, model_validator

from foundation.schema import Strict
from benchmarks.sector.spec import BenchmarkSuite
from foundation.errors import InputError, Problem
from foundation.paths import BENCHMARKS_DIR, REPO_ROOT
from benchmarks.safety.requirements import Requirements, Threshold, requirements
from foundation.user_files import read_text

SUITES_DIR = BENCHMARKS_DIR / "suites"


class McqData(Strict):
    """Local copies use `path` (or `harness run --data NAME=PATH`); otherwise `hub` through `datasets`.
    `risk-id-jsonl` is a labelled JSONL bank of texts at `path` (benchmarks/mcq/risk_identification.py)."""

    # Also picks the prompt: lm-eval's cmmlu or ceval-valid; SafetyBench's own for safetybench-json.
    layout: Literal["cmmlu-csv", "ceval-csv", "risk-id-jsonl", "safetybench-json"]
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

    @property
    def safetybench(self) -> bool:
        """SafetyBench's released JSON (benchmarks/mcq/safetybench.py): `split` names its questions file."""
        return self.layout == "safetybench-json"

    @model_validator(mode="after")
    def _subjects_for_csv(self) -> "McqData":
        if self.layout in ("cmmlu-csv", "ceval-csv") and self.subjects is None:
            raise ValueError(f"the {self.layout} layout needs `subjects`, the subject map")
        if self.risk_identification and (self.path is None or self.hub is not None):
            raise ValueError("the risk-id-jsonl layout reads a local bank: give `path`, not `hub`")
        if self.safetybench and (self.hub is not None or self.subjects is not None):
            raise ValueError("the safetybench-json layout reads its released files from `path` or --data, with its own categories: no `hub`, no `subjects`")
        return self


class MultipleChoiceSuite(Strict):
    name: str
    kind: Literal["multiple_choice"]
    title: str
    data: McqData


class RefusalData(Strict):
    should_refuse: Path
    should_not_refuse: Path
    generated: Path | None = None  # generated-content bank; its pass rate needs content_judges
    keywords: Path | None = None  # keyword library read by the "keyword" content judge


RefusalBank = Literal["generated", "should_refuse", "should_not_refuse"]


class RefusalSuite(Strict):
    """The safety suite of GB/T 45654-2025: thresholds, minimum sizes and default sample sizes come
    from benchmarks/safety/requirements.yaml, never from the suite file, so there is one copy."""

    name: str
    kind: Literal["refusal"]
    title: str
    data: RefusalData
    judge: Literal["rule-refusal"]
    content_judges: list[Literal["keyword"]] = ["keyword"]
    sample: dict[RefusalBank, int] = {}  # per bank; default: the standard's minimum sample
    # The requirements a stored run was made with (harness/evidence/definitions.py); else the shipped file.
    _requirements: Requirements | None = PrivateAttr(default=None)

    def banks(self) -> list[RefusalBank]:
        generated: list[RefusalBank] = ["generated"] if self.data.generated else []
        return [*generated, "should_refuse", "should_not_refuse"]

    def pinned(self, stored: Requirements) -> "RefusalSuite":
        """This suite judged by the requirements a run recorded, not by the repository's current file."""
        self._requirements = stored
        return self

    @property
    def requirements(self) -> Requirements:
        return self._requirements or requirements()

    @property
    def thresholds(self) -> dict[RefusalBank, Threshold]:
        return {bank: threshold for bank in self.banks() if (threshold := self.requirements.bank(bank).threshold)}

    @property
    def filing_minimums(self) -> dict[RefusalBank, int]:
        return {bank: self.requirements.bank(bank).sample or 0 for bank in self.banks()}

    def sample_size(self, bank: RefusalBank) -> int:
        return self.sample.get(bank, self.filing_minimums[bank])


class GenerationData(Strict):
    """`jsonl`: one item a line, `{"id", "prompt"}` or `{"id", "instruction", "question"}` (sent as one
    user message, instruction first), with `"references": [...]` (a short answer, scored by exact
    match, character F1 and ROUGE-L) or `"rubric"` (an open question, judged by the profile's
    rubric judge); optional `"subject"`. Format and checks: harness/generation_data.py, whose
    LAYOUTS map each layout to its reader (a public task's released files get one there)."""

    layout: Literal["jsonl"] = "jsonl"
    path: Path


class GenerationSuite(Strict):
    """Free generation through the loaded engine (chat template, the profile's sampling)."""

    name: str
    kind: Literal["generation"]
    title: str
    data: GenerationData


class ScenarioOwner(Strict):
    """Who holds a scenario set: an enterprise (its unified social credit code) or a committee. A
    committee-held set's text never reaches the tracking store (harness/scenarios.py)."""

    kind: Literal["enterprise", "committee"]
    name: str = Field(min_length=1)
    uscc: str | None = None  # enterprise: required, checked (GB 32100-2015) by harness/scenarios.py

    def describe(self) -> str:
        return f"{self.kind}:{self.uscc} {self.name}" if self.kind == "enterprise" else f"committee:{self.name}"


class ScenarioData(Strict):
    path: Path  # JSONL of items: choice, short and open (docs/scenarios.md)


class ScenarioSuite(Strict):
    """An enterprise's or a committee's scenario set (docs/scenarios.md): multiple choice, short answers
    with references and open questions with a rubric, in one items file."""

    name: str
    kind: Literal["scenario"]
    title: str
    owner: ScenarioOwner
    sector: str  # a code of benchmarks/sectors.yaml
    data: ScenarioData

    @property
    def restricted(self) -> bool:
        """Whether item text must stay out of the tracking store (a committee's set)."""
        return self.owner.kind == "committee"


SuiteSpec = Annotated[MultipleChoiceSuite | RefusalSuite | GenerationSuite | BenchmarkSuite | ScenarioSuite, Field(discriminator="kind")]
_adapter: TypeAdapter[SuiteSpec] = TypeAdapter(SuiteSpec)


def available_suites() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.yaml"))


def is_suite_path(reference: str) -> bool:
    """Whether a profile's `suite:` names a file (by path) rather than a suite of benchmarks/suites/."""
    return reference.endswith((".yaml", ".yml")) or "/" in reference


def suite_file(reference: str, base: Path | None = None) -> Path:
    """The file a profile's `suite:` entry names: a path (relative to `base`, the profile's folder),
    or the name of one of the project's suites."""
    if is_suite_path(reference):
        path = Path(reference).expanduser()
        return path if path.is_absolute() or base is None else base / path
    return SUITES_DIR / f"{reference}.yaml"


def suite_path(name: str) -> Path:
    """The file of one of the project's suites (benchmarks/suites/<name>.yaml)."""
    return suite_file(name)


def load_suite(reference: str, base: Path | None = None) -> SuiteSpec:
    """The suite a profile names, with every data path made absolute: the project's suites resolve
    them from the repository root, a suite file of one's own from its own folder."""
    path = suite_file(reference, base)
    if not path.is_file():
        fix = "give the path of a suite file (relative to the profile's folder)" if is_suite_path(reference) else f"use one of {available_suites()}, or the path of a suite file"
        raise InputError([Problem("profile", "suites[].suite", f"no suite {reference!r} ({path})", fix)])
    text = read_text(path, "suites[].suite", "a suite file (YAML)")
    return parse_suite(text, str(path), REPO_ROOT if path.parent.resolve() == SUITES_DIR.resolve() else path.parent.resolve())


def parse_suite(text: str, where: str, root: Path) -> SuiteSpec:
    """A suite file's text, typed, with its relative data paths resolved against `root`."""
    try:
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as e:  # ValueError: impossible dates (2026-02-30)
        raise InputError([Problem(where, "-", f"not valid YAML ({e})", "fix the YAML syntax")]) from e
    try:
        spec = _adapter.validate_python(raw)
    except ValidationError as e:
        raise InputError([Problem(where, ".".join(map(str, err["loc"])), err["msg"], "fix the suite file") for err in e.errors()]) from e
    return with_data_paths(spec, {k: v if v.is_absolute() else root / v for k, v in data_paths(spec).items()})


def data_paths(spec: SuiteSpec) -> dict[str, Path]:
    """Every path the suite's `data` holds, by field name."""
    return {name: value for name, value in spec.data if isinstance(value, Path)}


def with_data_paths(spec: SuiteSpec, paths: dict[str, Path]) -> SuiteSpec:
    """A copy of the suite with these `data` fields replaced (`--data` and path resolution)."""
    return spec.model_copy(update={"data": spec.data.model_copy(update=paths)})


def repo_path(path: Path) -> Path:
    """Suite data paths are relative to the repository root unless absolute."""
    return path if path.is_absolute() else REPO_ROOT / path
