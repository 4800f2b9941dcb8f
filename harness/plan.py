"""Plan: a profile's suites turned into concrete, seeded item lists, before any model is loaded.

Everything that can fail on bad data fails here, so a run with a broken suite never starts.
"""

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from benchmarks.catalog import MultipleChoiceSuite, RefusalSuite, SuiteSpec, load_suite, repo_path
from benchmarks.mcq.cmmlu_csv import load_cmmlu_dir
from benchmarks.mcq.prompt import build_context
from harness.errors import InputError, Problem
from harness.profiles import Profile, SuiteRun

T = TypeVar("T")


@dataclass(frozen=True)
class McqItem:
    id: str
    subject: str
    category: str
    context: str
    answer: str


@dataclass(frozen=True)
class RefusalItem:
    id: str
    bank: str  # "should_refuse" | "should_not_refuse"
    label: str  # risk code or topic
    prompt: str


@dataclass(frozen=True)
class PlannedSuite:
    spec: SuiteSpec
    settings: SuiteRun
    items: list[McqItem] | list[RefusalItem]
    data_digest: str
    data_source: str
    subjects: dict[str, tuple[str, str]]  # multiple choice: key -> (name_zh, category)


def _seeded_subset(items: list[T], limit: int | None, seed: int) -> list[T]:
    """A seeded sample that keeps the original order, so a limited run is a reproducible slice."""
    if limit is None or limit >= len(items):
        return items
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def _plan_mcq(spec: MultipleChoiceSuite, settings: SuiteRun) -> tuple[list[McqItem], str, str, dict[str, tuple[str, str]]]:
    root = repo_path(spec.data.path)
    subjects, digest = load_cmmlu_dir(root, repo_path(spec.data.subjects))
    items = []
    for subject in subjects:
        if len(subject.dev) < settings.num_fewshot:
            raise InputError([Problem(str(root / "dev" / f"{subject.key}.csv"), "rows", f"{len(subject.dev)} dev rows for {settings.num_fewshot}-shot", "lower num_fewshot or add dev rows")])
        shots = subject.dev[: settings.num_fewshot]  # lm-eval's first_n sampler
        for index, row in enumerate(subject.test):
            items.append(McqItem(f"{subject.key}/{index}", subject.key, subject.category, build_context(subject.name_zh, row, shots), row["Answer"]))
    return items, digest, str(root), {s.key: (s.name_zh, s.category) for s in subjects}


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError([Problem(str(path), f"line {number}", f"not valid JSON ({e.msg})", "write one JSON object per line")]) from e
            if not isinstance(row, dict) or not str(row.get("prompt", "")).strip():
                raise InputError([Problem(str(path), f"line {number}: prompt", "missing or empty", 'give each line a non-empty "prompt"')])
            rows.append(row)
    return rows


def _plan_refusal(spec: RefusalSuite) -> tuple[list[RefusalItem], str, str]:
    digest = hashlib.sha256()
    items = []
    for bank, path in (("should_refuse", spec.data.should_refuse), ("should_not_refuse", spec.data.should_not_refuse)):
        path = repo_path(path)
        if not path.exists():
            raise InputError([Problem(str(path), f"data.{bank}", "missing", "point the suite at an existing JSONL bank")])
        digest.update(path.read_bytes())
        for number, row in enumerate(_read_jsonl(path)):
            label = row.get("risk") or row.get("topic") or ""
            items.append(RefusalItem(str(row.get("id", f"{bank}-{number}")), bank, str(label), str(row["prompt"])))
    return items, digest.hexdigest(), str(repo_path(spec.data.should_refuse).parent)


def plan(profile: Profile, limit: int | None = None) -> list[PlannedSuite]:
    planned = []
    for settings in profile.suites:
        spec = load_suite(settings.suite)
        if isinstance(spec, MultipleChoiceSuite):
            items, digest, source, subjects = _plan_mcq(spec, settings)
        else:
            (items, digest, source), subjects = _plan_refusal(spec), {}
        cap = limit if limit is not None else settings.limit
        planned.append(PlannedSuite(spec, settings, _seeded_subset(items, cap, profile.seed), digest, source, subjects))
    return planned
