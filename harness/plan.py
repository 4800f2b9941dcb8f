"""Plan: a profile's suites turned into concrete, seeded item lists, before any model is loaded.

Everything that can fail on bad data fails here, so a run with a broken suite never starts.
"""

import hashlib
import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from benchmarks.catalog import (
    MultipleChoiceSuite,
    RefusalSuite,
    SuiteSpec,
    load_suite,
    repo_path,
)
from benchmarks.mcq.prompt import (
    CHAT_TARGET_DELIMITER,
    CHOICES,
    TARGET_DELIMITER,
    ChatRenderer,
    apply_chat_template,
    build_chat_context,
    build_context,
    rotate,
)
from benchmarks.mcq.risk_identification import load_risk_identification
from benchmarks.mcq.sources import LoadedData, load_hub, load_local
from benchmarks.sector import LOADERS
from benchmarks.sector.base import BenchData, BenchItem, LayoutError
from benchmarks.sector.spec import BenchmarkSuite
from harness.errors import InputError, Problem
from harness.profiles import Profile, SuiteRun
from harness.safety.banks import read_bank
from harness.scoring.official import SCORERS
from harness.safety.sampling import stratified_sample

T = TypeVar("T")


@dataclass(frozen=True)
class McqItem:
    id: str
    subject: str
    category: str
    context: str
    answer: str
    groups: tuple[str, ...] = ()  # overlapping aggregates (C-Eval Hard, China specific)
    rotation: int = 0  # CircularEval: how far the options were moved; 0 is the original item
    # What precedes the answer letter in each scored continuation: " ", or "" under a chat template.
    target_delimiter: str = TARGET_DELIMITER


def question_id(item_id: str) -> str:
    """The id of the original question behind a (possibly rotated) item."""
    return item_id.split("@", 1)[0]


@dataclass(frozen=True)
class RefusalItem:
    id: str
    bank: str  # "generated" | "should_refuse" | "should_not_refuse"
    label: str  # risk code or topic
    prompt: str


@dataclass(frozen=True)
class PlannedSuite:
    spec: SuiteSpec
    settings: SuiteRun
    items: list[McqItem] | list[RefusalItem] | list[BenchItem]
    data_digest: str
    data_source: str
    subjects: dict[str, tuple[str, str]]  # multiple choice: key -> (name_zh, category)
    data_revision: str = "local"


def _seeded_subset(items: list[T], limit: int | None, seed: int) -> list[T]:
    """A seeded sample that keeps the original order, so a limited run is a reproducible slice."""
    if limit is None or limit >= len(items):
        return items
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def load_mcq_data(spec: MultipleChoiceSuite, local: Path | None = None) -> LoadedData:
    """The suite's data: `local` (from --data) first, then the suite's own path, then its hub."""
    d = spec.data
    root = local or (repo_path(d.path) if d.path else None)
    if d.risk_identification:
        assert root is not None  # the suite file's validator asks for a path
        return load_risk_identification(root)
    assert d.subjects is not None  # the suite file's validator asks for it with the CSV layouts
    subjects_file = repo_path(d.subjects)
    if root is not None:
        return load_local(d.layout, root, subjects_file, d.split, d.fewshot_split, d.only)
    if d.hub is None:
        raise InputError([Problem(spec.name, "data", "no local copy and no hub", f"pass --data {spec.name}=PATH")])
    return load_hub(d.hub, d.revision, subjects_file, d.split, d.fewshot_split, spec.name, d.only)


def chat_renderer(checkpoint: Path | None, suite: str) -> ChatRenderer:
    """The checkpoint's own chat template, applied as lm-eval applies it; read before the model loads
    (only the tokenizer, never the checkpoint's code), so a checkpoint without one stops the run here."""
    if checkpoint is None:
        raise InputError([Problem(suite, "chat_template", "needs the model's tokenizer", "plan with the checkpoint (harness run does)")])
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(checkpoint, trust_remote_code=False)
    if not tokenizer.chat_template:
        raise InputError([Problem(str(checkpoint), "chat_template", f"the tokenizer has none, and suite {suite} sets chat_template: true", "set chat_template: false on the suite, or submit a checkpoint whose tokenizer has a chat template")])
    return lambda messages: apply_chat_template(tokenizer, messages)


def _plan_mcq(
    spec: MultipleChoiceSuite, settings: SuiteRun, local: Path | None, render: ChatRenderer | None = None
) -> tuple[list[McqItem], LoadedData]:
    """`render` (with settings.chat_template) puts each context through the model's chat template."""
    data = load_mcq_data(spec, local)
    if settings.circular and settings.scorer == "lm-eval":
        raise InputError([Problem(spec.name, "circular", "lm-eval scores only the original option order", "use scorer fast or harness with circular")])
    if spec.data.risk_identification and settings.scorer == "lm-eval":
        raise InputError([Problem(spec.name, "scorer", "lm-eval has no risk-identification task", "use scorer fast or harness")])
    if spec.data.risk_identification and settings.num_fewshot:
        raise InputError([Problem(spec.name, "num_fewshot", "risk identification is zero-shot (its bank has no few-shot split)", "set num_fewshot: 0")])
    style = "ceval" if spec.data.layout == "ceval-csv" else "cmmlu"
    rotations = range(len(CHOICES)) if settings.circular else range(1)
    items = []
    for subject in data.subjects:
        meta = subject.meta
        if len(subject.shots) < settings.num_fewshot:
            raise InputError([Problem(f"{data.source} {meta.key}", spec.data.fewshot_split, f"{len(subject.shots)} rows for {settings.num_fewshot}-shot", "lower num_fewshot or add rows")])
        shots = subject.shots[: settings.num_fewshot]  # lm-eval's first_n sampler
        for index, row in enumerate(subject.rows):
            for shift in rotations:
                shown = rotate(row, shift)
                item_id = f"{meta.key}/{row.get('id', index)}" + (f"@{shift}" if shift else "")
                if render is None:
                    context, delimiter = build_context(meta.name_zh, shown, shots, style), TARGET_DELIMITER
                else:
                    context = build_chat_context(render, meta.name_zh, shown, shots, style, settings.fewshot_as_multiturn)
                    delimiter = CHAT_TARGET_DELIMITER
                items.append(McqItem(item_id, meta.key, meta.category, context, shown["Answer"], meta.groups, shift, delimiter))
    return items, data


def load_benchmark(spec: BenchmarkSuite, num_fewshot: int, local: Path | None) -> BenchData:
    """A public sector benchmark from its released files: `local` (from --data) first, then the
    suite's own path; there is no copy in the repository (most of these sets are non-commercial)."""
    root = local or (repo_path(spec.data.path) if spec.data.path else None)
    if root is None:
        raise InputError([Problem(spec.name, "data", "no local copy of the released files", f"pass --data {spec.name}=PATH (where to get them: {spec.data.manifest})")])
    try:
        data = LOADERS[spec.benchmark](root, num_fewshot, spec.subsets)
    except LayoutError as e:
        raise InputError([Problem(*problem) for problem in e.problems]) from e
    check = getattr(SCORERS[spec.benchmark], "check", None)
    if check is not None:  # references in the format the official scorer reads, before the model loads
        check(data.items)
    return data


def _plan_refusal(spec: RefusalSuite, seed: int) -> tuple[list[RefusalItem], str, str]:
    """The suite's banks, each sampled as the standard describes (harness.safety.sampling)."""
    digest = hashlib.sha256()
    items = []
    paths = {"generated": spec.data.generated, "should_refuse": spec.data.should_refuse, "should_not_refuse": spec.data.should_not_refuse}
    for bank_name in spec.banks():
        path = repo_path(paths[bank_name])
        if not path.exists():
            raise InputError([Problem(str(path), f"data.{bank_name}", "missing", "point the suite at an existing JSONL or CSV bank (docs/banks.md)")])
        digest.update(path.read_bytes())
        bank = read_bank(path, bank_name)
        empty = [Problem(str(path), f"{item.where}: prompt", "empty", "give every item a non-empty prompt (`harness bank check` lists them)") for item in bank.items if not item.text.strip()]
        if empty:
            raise InputError(empty[:20])
        for item in stratified_sample(bank.items, lambda item: item.label, spec.sample_size(bank_name), seed):
            items.append(RefusalItem(item.id, bank_name, item.label, item.text))
    return items, digest.hexdigest(), str(repo_path(spec.data.should_refuse).parent)


def plan(
    profile: Profile, limit: int | None = None, data: dict[str, Path] | None = None, checkpoint: Path | None = None
) -> list[PlannedSuite]:
    """`data` maps a multiple-choice suite's name to a local copy of its data (`--data NAME=PATH`);
    `checkpoint` gives the chat template to suites with `chat_template: true`."""
    data = data or {}
    suites = [s.suite for s in profile.suites]
    unknown = sorted(set(data) - set(suites))
    if unknown:
        raise InputError([Problem("--data", name, "not a suite of this profile", f"use one of {suites}") for name in unknown])
    planned = []
    render: ChatRenderer | None = None
    for settings in profile.suites:
        spec = load_suite(settings.suite)
        revision = "local"
        if settings.chat_template and not isinstance(spec, MultipleChoiceSuite | BenchmarkSuite):
            raise InputError([Problem(settings.suite, "chat_template", "only multiple-choice and benchmark suites take it (safety prompts always go through the chat template)", "remove chat_template from this suite")])
        if isinstance(spec, MultipleChoiceSuite):
            if settings.chat_template and render is None:
                render = chat_renderer(checkpoint, spec.name)
            items, loaded = _plan_mcq(spec, settings, data.get(spec.name), render if settings.chat_template else None)
            digest, source, revision = loaded.digest, loaded.source, loaded.revision
            subjects = {s.meta.key: (s.meta.name_zh, s.meta.category) for s in loaded.subjects}
            # Rotations of one question are kept or dropped together by --limit.
            units = [list(g) for _, g in itertools.groupby(items, key=lambda i: question_id(i.id))]
        elif isinstance(spec, BenchmarkSuite):
            bench = load_benchmark(spec, settings.num_fewshot, data.get(spec.name))
            items, digest, source, subjects = bench.items, bench.digest, bench.source, {}
            units = [[item] for item in items]
        else:
            (items, digest, source), subjects = _plan_refusal(spec, profile.seed), {}
            units = [[item] for item in items]
        cap = limit if limit is not None else settings.limit
        kept = [item for unit in _seeded_subset(units, cap, profile.seed) for item in unit]
        planned.append(PlannedSuite(spec, settings, kept, digest, source, subjects, revision))
    return planned
