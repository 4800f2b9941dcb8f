"""The submission manifest (schema version 1): what an enterprise submits beside its checkpoint.

Field names are part of the user contract (README, 'Submission manifest'). Every problem in a
manifest is reported at once, each naming the file, the field and the fix.
"""

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from benchmarks.taxonomy import sector_codes
from harness.errors import InputError, Problem

SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]


class Contact(_Strict):
    name: NonEmpty
    email: NonEmpty
    phone: str | None = None


class Enterprise(_Strict):
    name: NonEmpty
    uscc: Annotated[str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    district: NonEmpty
    contact: Contact


class ModelFacts(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    version_label: NonEmpty
    base_model: NonEmpty
    sectors: Annotated[list[str], Field(min_length=1)]
    scenarios: list[str] = []

    @field_validator("sectors")
    @classmethod
    def _known_sectors(cls, sectors: list[str]) -> list[str]:
        unknown = sorted(set(sectors) - sector_codes())
        if unknown:
            raise ValueError(f"unknown sector code(s) {unknown}; known: {sorted(sector_codes())}")
        return sectors


class FilingKind(StrEnum):
    generative_ai = "generative-ai"
    deep_synthesis = "deep-synthesis"
    other = "other"


class Filing(_Strict):
    kind: FilingKind
    number: NonEmpty
    date: dt.date


class CheckpointRef(_Strict):
    path: NonEmpty


class Manifest(_Strict):
    schema_version: int
    enterprise: Enterprise
    model: ModelFacts
    filings: list[Filing] = []
    checkpoint: CheckpointRef

    @field_validator("schema_version")
    @classmethod
    def _supported(cls, version: int) -> int:
        if version != SCHEMA_VERSION:
            raise ValueError(f"schema_version {version} is not supported; this harness reads {SCHEMA_VERSION}")
        return version


_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove the field or check its spelling against the README",
    "string_pattern_mismatch": "use the documented format",
    "enum": "use one of the listed values",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
}


def load_manifest(path: Path) -> tuple[Manifest, Path]:
    """Parse and validate a manifest; return it with the checkpoint directory resolved."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(str(path), "-", f"cannot read the manifest ({e})", "check the path")]) from e
    except yaml.YAMLError as e:
        raise InputError([Problem(str(path), "-", f"not valid YAML ({e})", "fix the YAML syntax")]) from e
    if not isinstance(raw, dict):
        raise InputError([Problem(str(path), "-", "the manifest must be a mapping", "see registry/examples/")])
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as e:
        raise InputError(
            [
                Problem(
                    str(path),
                    ".".join(str(p) for p in err["loc"]) or "-",
                    err["msg"],
                    _FIXES.get(err["type"], "see the manifest schema in the README"),
                )
                for err in e.errors()
            ]
        ) from e
    checkpoint = Path(manifest.checkpoint.path)
    if not checkpoint.is_absolute():
        checkpoint = path.parent / checkpoint
    return manifest, checkpoint.resolve()
