"""The typed shape of a run's data, versioned: what a run was asked (RunSpec), what the engine
answered request by request (EngineCall: the run's journal and the shared request cache), what each
item scored (ItemResult, McqRecord: the lines of items/<suite>.jsonl) and what the run concluded
(Results). Every file below is written from these models and validated by them when read back.

SCHEMA_VERSION changes when a field changes meaning or goes away; a reader refuses a file of
another version with an error that says so, instead of guessing.
"""

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from foundation.errors import InputError, Problem

SCHEMA_VERSION: Literal[1] = 1


class _Strict(BaseModel):
    # NaN is a value here (e.g. a macro accuracy's interval with one item per subject): written as NaN, read back as NaN.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, ser_json_inf_nan="constants")


def digest_of(value: object) -> str:
    """SHA-256 of a JSON value written canonically (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EngineSpec(_Strict):
    name: str
    dtype: str
    max_model_len: int  # the profile's request; the engine may cap it (param engine.max_model_len)
    seed: int
    extra: dict[str, JsonValue]
    package: str  # the engine's package and version, e.g. "vllm==0.11.0": a new release may answer differently


class SamplingSpec(_Strict):
    max_tokens: int
    temperature: float
    top_p: float
    seed: int


class SuiteSettings(_Strict):
    """One suite as the run uses it: everything of it that changes a number."""

    name: str
    kind: str  # multiple_choice | refusal | generation | benchmark | scenario
    n_items: int
    data_digest: str  # SHA-256 of the data read
    items_digest: str  # SHA-256 of the planned items (ids and prompt digests, in order): the seeded sample itself
    num_fewshot: int | None = None
    scorer: str | None = None
    circular: bool | None = None
    chat_template: bool | None = None
    fewshot_as_multiturn: bool | None = None
    fit_policy: str | None = None
    judging: dict[str, str] = {}  # the combining policy (harness/scoring/judging.py) of a safety suite


class RunSpec(_Strict):
    """Everything that decides a run's numbers. Its digest (tag harness.run_spec.digest) finds the
    unfinished run a repeated command continues."""

    schema_version: Literal[1] = SCHEMA_VERSION
    model_name: str
    model_version: str
    fingerprint: str
    profile: str
    profile_digest: str
    engine: EngineSpec
    sampling: SamplingSpec
    seed: int
    limit: int | None
    suites: list[SuiteSettings]
    judge_model: dict[str, str] | None = None  # path and kind of the safety judge model
    rubric_judge: str | None = None  # path of the rubric judge
    git_revision: str
    packages: str

    @property
    def digest(self) -> str:
        return digest_of(self.model_dump(mode="json"))


EngineMethod = Literal["generate", "chat", "loglikelihood", "next_token_logprobs"]


class EngineCall(_Strict):
    """One request the target model answered: a line of the run's journal (requests.jsonl in its
    staging folder) and of the shared request cache (<harness home>/cache/requests/<fingerprint>.jsonl)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    fingerprint: str  # the weights that answered
    request_digest: str  # digest_of(request)
    method: EngineMethod
    request: JsonValue  # the input, the sampling and the engine settings, as hashed
    response: JsonValue
    engine_version: str  # engine.version() of the engine that answered
    max_model_len: int | None  # the context it held prompts to
    seconds: float  # this request's share of its batch's wall time


class ItemResult(BaseModel):
    """The common core of a line of items/<suite>.jsonl; each suite kind adds its own fields
    (documented in harness/evidence/names.py). Multiple choice lines are McqRecord, whole."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    id: str


class McqRecord(_Strict):
    """A multiple-choice item as scored by any of the three paths (harness, fast, lm-eval)."""

    id: str
    prompt_digest: str
    subject: str
    category: str
    groups: list[str]
    rotation: int
    answer: str
    prediction: str
    correct: bool
    logprobs: list[float | None]
    path: Literal["loglikelihood", "fast", "lm-eval"]
    shots: int
    choices: list[str] | None = None  # only when the question offers fewer than A-D
    truncated: bool | None = None  # only when fitting cut the prompt

    def line(self) -> dict[str, Any]:
        """The JSONL line, optional fields left out when unset (as readers expect)."""
        return self.model_dump(exclude_none=True)


class RequestCounts(_Strict):
    from_journal: int  # answered by this run before it was interrupted
    from_cache: int  # answered by another run of the same weights (the shared request cache)
    to_engine: int  # sent to the model by this process


class Results(_Strict):
    """results.json of a finished run: what it concluded, with the spec it answers to."""

    schema_version: Literal[1] = SCHEMA_VERSION
    run_spec_digest: str
    metrics: dict[str, float]
    verdicts: list[dict[str, JsonValue]]
    items: dict[str, int]  # suite -> item lines logged
    requests: RequestCounts  # of the process that finished the run


M = TypeVar("M", bound=BaseModel)


def jsonl_lines(path: Path, model: type[M], *, torn_tail: bool = False) -> Iterator[M]:
    """Each line of `path` validated as `model`. With `torn_tail`, a last line without its newline is
    dropped: it was being written when the process was killed (append-only files written here)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if torn_tail and not text.endswith("\n"):
        lines = lines[:-1]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield model.model_validate_json(line)
        except ValidationError as e:
            error = e.errors()[0]
            field = ".".join(str(p) for p in error["loc"]) or "(line)"
            raise InputError([Problem(str(path), f"line {number}: {field}", f"{error['msg']} (schema {model.__name__} v{SCHEMA_VERSION})",
                                      "the file was not written by this version of the harness or was edited: restore it from the run's artifacts")]) from e
