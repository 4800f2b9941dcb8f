"""What an official scorer returns for one item, and the shapes every scorer module follows.

A scorer module reproduces one benchmark's official evaluation code: its answer extraction and its
per-item metric (`score(item, response) -> Scored`), how the official code aggregates items
(`AGGREGATE`), and any further official numbers (`extra_metrics(records)`). Where the official code
asks the model for generated text, `CHAT` says whether it sends the prompt as a chat turn; a module
with `CHOICES` is scored on the likelihood of each choice's continuation instead (FinEval's
constrained decoding).
"""

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from benchmarks.sector.base import BenchItem

# "micro": points over maximum points, all items pooled; "macro": the mean of each subject's micro score.
Aggregate = Literal["micro", "macro"]


@dataclass(frozen=True)
class Scored:
    prediction: Any  # what the official extraction read from the response
    points: float | None  # None: the official evaluation leaves this item out of the score
    max_points: float = 1.0
    abstained: bool = False  # the response named no answer at all (LawBench's abstention rate)
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class GenerationScorer(Protocol):
    """A scorer of generated answers: the official extraction and metric per item."""

    @property
    def CHAT(self) -> bool: ...  # the official evaluation sends the prompt as a chat turn

    @property
    def AGGREGATE(self) -> Aggregate: ...

    def score(self, item: BenchItem, response: str) -> Scored: ...


@runtime_checkable
class LikelihoodScorer(Protocol):
    """A scorer on the likelihood of each choice's continuation after `context(item)`."""

    @property
    def CHAT(self) -> bool: ...

    @property
    def AGGREGATE(self) -> Aggregate: ...

    @property
    def CHOICES(self) -> tuple[str, ...]: ...

    def context(self, item: BenchItem) -> str: ...

    def score_likelihood(self, item: BenchItem, logprobs: dict[str, float]) -> Scored: ...


# `extra_metrics(records)` and `check(items)` are optional: read with getattr where they are used.
OfficialScorer = GenerationScorer | LikelihoodScorer
