"""Per-item agreement between scoring paths and between engines on the same planned items.

The fast path is only worth its speed if it gives lm-eval's answers, and an engine is only a
stand-in for another if it gives the same answers: this scores a profile's multiple-choice suites
every requested way, with every requested engine loaded in turn, and compares predictions item by item.
"""

import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from mlflow import MlflowClient

from benchmarks.catalog import MultipleChoiceSuite
from harness.engines import ENGINE_NAMES, load_engine
from foundation.errors import InputError, Problem
from harness.checkpoints import checked_checkpoint
from harness.scoring.scorers import MCQ_SCORERS, McqScorerName, score_multiple_choice
from harness.plan import plan
from harness.profiles import load_profile
from harness.store import ItemWriter



@dataclass(frozen=True)
class Agreement:
    suite: str
    left: str  # "<engine>:<scorer>"
    right: str
    n: int
    agreeing: int
    disagreeing: list[str] = field(default_factory=list)  # item ids

    @property
    def rate(self) -> float:
        return self.agreeing / self.n if self.n else float("nan")

    def __str__(self) -> str:
        more = len(self.disagreeing) - 10
        shown = ", ".join(self.disagreeing[:10]) + (f" and {more} more" if more > 0 else "")
        tail = f"; disagree on {shown}" if self.disagreeing else ""
        return f"{self.suite}: {self.left} vs {self.right}: {self.agreeing}/{self.n} items agree ({self.rate:.2%}){tail}"


def _agreement(suite: str, left: str, right: str, a: dict[str, str], b: dict[str, str]) -> Agreement:
    shared = sorted(a.keys() & b.keys())
    differ = [i for i in shared if a[i] != b[i]]
    return Agreement(suite, left, right, len(shared), len(shared) - len(differ), differ)


def crosscheck(
    client: MlflowClient,
    profile_name: str,
    model_spec: str,
    *,
    engines: tuple[str, ...] = ("vllm", "hf"),
    scorers: tuple[str, ...] = ("fast", "lm-eval"),
    limit: int | None = None,
    data: dict[str, Path] | None = None,
    progress: bool = True,
) -> list[Agreement]:
    """Every pair of scorers on each engine, then every pair of engines on each scorer."""
    problems = [Problem("--engines", e, "unknown engine", f"use some of {ENGINE_NAMES}") for e in engines if e not in ENGINE_NAMES]
    problems += [Problem("--scorers", s, "unknown scorer", f"use some of {MCQ_SCORERS}") for s in scorers if s not in MCQ_SCORERS]
    if problems:
        raise InputError(problems)
    profile, _ = load_profile(profile_name)
    _, verified = checked_checkpoint(client, model_spec, progress)
    checkpoint = verified.directory
    suites = [s for s in plan(profile, limit, data, checkpoint) if isinstance(s.spec, MultipleChoiceSuite)]
    if not suites:
        raise InputError([Problem(profile_name, "suites", "no multiple-choice suite", "cross-check a profile with one")])
    predictions: dict[tuple[str, str, str], dict[str, str]] = {}  # (suite, engine, scorer) -> id -> letter
    with tempfile.TemporaryDirectory() as tmp:
        for engine_name in engines:
            engine = load_engine(engine_name, checkpoint, profile.engine_settings())
            try:
                verified.verify_again(progress=progress)
                for suite, scorer in itertools.product(suites, scorers):
                    with ItemWriter(Path(tmp) / f"{suite.spec.name}-{engine_name}-{scorer}.jsonl") as writer:
                        records = score_multiple_choice(engine, suite, cast(McqScorerName, scorer), writer, progress)  # checked above
                    predictions[(suite.spec.name, engine_name, scorer)] = {r["id"]: r["prediction"] for r in records}
            finally:
                engine.close()
    out = []
    for suite in suites:
        name = suite.spec.name
        for engine_name in engines:
            for a, b in itertools.combinations(scorers, 2):
                out.append(_agreement(name, f"{engine_name}:{a}", f"{engine_name}:{b}", predictions[(name, engine_name, a)], predictions[(name, engine_name, b)]))
        for scorer in scorers:
            for a, b in itertools.combinations(engines, 2):
                out.append(_agreement(name, f"{a}:{scorer}", f"{b}:{scorer}", predictions[(name, a, scorer)], predictions[(name, b, scorer)]))
    return out
