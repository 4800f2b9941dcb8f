"""Public sector benchmarks read in their released layouts (data code: no harness imports).

Each module reads one benchmark's released files, as its authors publish them, into `BenchItem`s
that carry the official prompt and what the official scorer needs; the scorers live in
harness/scoring/official/. `LOADERS` maps a suite's `benchmark:` to its loader.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.sector import cflue, cmb, cmexam, financeiq, fineval, gaokao, lawbench, lexeval
from benchmarks.sector.base import BenchData

Loader = Callable[[Path, int, Sequence[str] | None], BenchData]

LOADERS: dict[str, Loader] = {
    "fineval": fineval.load,
    "financeiq": financeiq.load,
    "cflue": cflue.load,
    "cmb": cmb.load,
    "cmexam": cmexam.load,
    "lawbench": lawbench.load,
    "lexeval": lexeval.load,
    "gaokao": gaokao.load,
}
