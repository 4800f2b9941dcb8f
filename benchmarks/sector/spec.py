"""The suite kind `benchmark`: a public sector benchmark read from its released files and scored
by its official code (benchmarks/suites/<name>.yaml; typed in benchmarks/catalog.py)."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from foundation.schema import Strict

Benchmark = Literal["fineval", "financeiq", "cflue", "cmb", "cmexam", "lawbench", "lexeval", "gaokao"]


class BenchmarkData(Strict):
    """Where the released files are: `path` (absolute, or relative to the repository root), else
    `harness run --data NAME=PATH`. The manifest records source, licence and how to obtain them."""

    path: Path | None = None
    manifest: Path  # corpora/external/<benchmark>/MANIFEST.yaml


class BenchmarkSuite(Strict):
    name: str
    kind: Literal["benchmark"]
    title: str
    benchmark: Benchmark
    data: BenchmarkData
    # Some of the benchmark's subjects, tasks or question files only (its own names); default all.
    subsets: list[str] | None = None
    # Generation length: the official evaluations generate until the model stops; a cap keeps a run bounded.
    max_tokens: int = Field(512, gt=0)
