"""Official scorers of the public sector benchmarks, one module per benchmark (see base.py), by the
benchmark's name: the one registry of them."""

from harness.scoring.official import cflue, cmb, cmexam, financeiq, fineval, gaokao, lawbench, lexeval
from benchmarks.sector.spec import Benchmark
from harness.scoring.official.base import OfficialScorer

SCORERS: dict[Benchmark, OfficialScorer] = {
    "fineval": fineval,
    "financeiq": financeiq,
    "cflue": cflue,
    "cmb": cmb,
    "cmexam": cmexam,
    "lawbench": lawbench,
    "lexeval": lexeval,
    "gaokao": gaokao,
}
