"""The submission manifest (schema version 1): what an enterprise submits beside its checkpoint.

Field names are part of the user contract (README, 'Submission manifest'; docs/submission.md).
Every problem in a manifest is reported at once, each naming the file, the field and the fix.
"""

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from foundation.schema import Strict
from benchmarks.taxonomy import canonical_sector, sector_codes, sectors as sector_taxonomy
from foundation.errors import InputError, Problem
from foundation.user_files import read_text
from registry.districts import DISTRICTS, canonical_district
from registry.uscc import uscc_problem

SCHEMA_VERSION = 1


def _invalid(message: str, fix: str) -> PydanticCustomError:
    # The fix travels in the error's context so the report can give a field-specific fix.
    return PydanticCustomError("manifest_value", "{message}", {"message": message, "fix": fix})


class _Stripped(Strict):
    """Strict, and surrounding whitespace in every string dropped (manifests are typed by hand)."""

    model_config = ConfigDict(str_strip_whitespace=True)


def _format(pattern: str, description: str, fix: str) -> AfterValidator:
    """A format check whose message says what the value should be, not which regex it missed."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise _invalid(f"{value!r} is not {description}", fix)
        return value

    return AfterValidator(check)


NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(max_length=200), _format(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address", "give the contact's e-mail address")]
ModelName = Annotated[
    str,
    _format(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", "a valid model name", "use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
]
RegisteredVersion = Annotated[
    str,
    _format(
        r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}(/[1-9][0-9]*)?", "NAME or NAME/VERSION of a registered model",
        "name the registered base model as `harness models` lists it, e.g. Qwen2.5-7B-Instruct/1 (without /VERSION: its latest version at submission)",
    ),
]


class Contact(_Stripped):
    name: NonEmpty
    email: Email
    phone: NonEmpty | None = None


class Enterprise(_Stripped):
    name: NonEmpty
    uscc: Annotated[str, Field(max_length=64)]
    district: NonEmpty
    contact: Contact

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, code: str) -> str:
        code = code.upper()
        problem = uscc_problem(code)
        if problem:
            raise _invalid(problem, "copy the 18-character code from the business licence (营业执照)")
        return code

    @field_validator("district")
    @classmethod
    def _guangzhou_district(cls, name: str) -> str:
        canonical = canonical_district(name)
        if canonical is None:
            raise _invalid(f"{name!r} is not a Guangzhou district", f"use one of {', '.join(DISTRICTS)} (or 天河区 etc.)")
        return canonical


class ModelFacts(_Stripped):
    name: ModelName
    version_label: NonEmpty
    base_model: NonEmpty
    # The base as registered here (a reference model, or any registered version): what `harness
    # uplift` measures this model against. Resolved and pinned (version and fingerprint) at submission.
    base_registered: RegisteredVersion | None = None
    sectors: Annotated[list[str], Field(min_length=1)]
    scenarios: list[NonEmpty] = []

    @field_validator("sectors")
    @classmethod
    def _known_sectors(cls, sectors: list[str]) -> list[str]:
        unknown = sorted(set(sectors) - sector_codes())
        if unknown:
            raise _invalid(f"unknown sector code(s) {unknown}", f"use codes from benchmarks/sectors.yaml: {sorted(sector_taxonomy())}")
        # Earlier codes (aliases) are kept working and recorded under the sector's current code.
        return list(dict.fromkeys(canonical_sector(code) or code for code in sectors))


class FilingKind(StrEnum):
    generative_ai = "generative-ai"
    deep_synthesis = "deep-synthesis"
    other = "other"


class Filing(_Stripped):
    kind: FilingKind
    number: NonEmpty
    date: dt.date


class CheckpointRef(_Stripped):
    # NUL is the one character no file system accepts in a path; refusing it here keeps it out of Path.
    path: Annotated[str, Field(min_length=1, max_length=4096, pattern=r"^[^\x00]*$")]


class Manifest(_Stripped):
    schema_version: int
    enterprise: Enterprise
    model: ModelFacts
    filings: list[Filing] = []
    checkpoint: CheckpointRef

    @field_validator("schema_version")
    @classmethod
    def _supported(cls, version: int) -> int:
        if version != SCHEMA_VERSION:
            raise _invalid(f"schema_version {version} is not supported; this harness reads {SCHEMA_VERSION}", f"set schema_version: {SCHEMA_VERSION}")
        return version


class ManifestError(InputError):
    """A refused manifest; carries the checkpoint directory when the manifest names one validly, so
    the checkpoint's problems can be reported in the same breath."""

    def __init__(self, problems: list[Problem], checkpoint: Path | None) -> None:
        super().__init__(problems)
        self.checkpoint = checkpoint


_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove the field or check its spelling against docs/submission.md",
    "string_pattern_mismatch": "use the documented format (docs/submission.md)",
    "enum": "use one of the listed values",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
}


def _problem(path: Path, error: ErrorDetails) -> Problem:
    fix = error.get("ctx", {}).get("fix") or _FIXES.get(error["type"], "see docs/submission.md")
    return Problem(str(path), ".".join(str(p) for p in error["loc"]) or "-", error["msg"], fix)


def _checkpoint_dir(path: Path, reference: str) -> Path | None:
    """The checkpoint directory a manifest names, resolved; None unless it is an existing directory."""
    checkpoint = Path(reference)
    if not checkpoint.is_absolute():
        checkpoint = path.parent / checkpoint
    try:
        checkpoint = checkpoint.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python 3.11
        return None
    return checkpoint if checkpoint.is_dir() else None


def parse_manifest(raw: object, path: Path) -> tuple[Manifest, Path]:
    """Validate an already-parsed manifest document; `path` names it in problems and anchors a relative checkpoint path."""
    if not isinstance(raw, dict):
        raise ManifestError([Problem(str(path), "-", "the manifest must be a mapping", "start from registry/examples/submission.yaml")], None)
    problems: list[Problem] = []
    manifest = None
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as e:
        problems = [_problem(path, err) for err in e.errors()]
    try:
        reference = CheckpointRef.model_validate(raw.get("checkpoint")).path
    except ValidationError:
        raise ManifestError(problems, None) from None  # pydantic has already named checkpoint.path
    checkpoint = _checkpoint_dir(path, reference)
    if checkpoint is None:
        problems.append(
            Problem(str(path), "checkpoint.path", f"{reference!r} is not a directory", "point checkpoint.path at the checkpoint directory (relative to this manifest, or absolute)")
        )
    if problems or manifest is None or checkpoint is None:
        raise ManifestError(problems, checkpoint)
    return manifest, checkpoint


def load_manifest(path: Path) -> tuple[Manifest, Path]:
    """Read, parse and validate a manifest; return it with the checkpoint directory resolved."""
    try:
        text = read_text(path, "MANIFEST", "the submission manifest (YAML; docs/submission.md)")
    except InputError as e:
        raise ManifestError(e.problems, None) from e
    try:
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as e:
        # PyYAML raises ValueError for impossible timestamps (2026-02-30) and recurses on deep nesting.
        raise ManifestError([Problem(str(path), "-", f"not valid YAML ({e})", "fix the YAML syntax")], None) from e
    return parse_manifest(raw, path)
