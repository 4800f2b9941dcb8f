"""Official scorers of the public sector benchmarks, one module per benchmark (see base.py)."""

from types import ModuleType

from harness.scoring.official import cflue, cmb, cmexam, financeiq, fineval, gaokao, lawbench, lexeval

SCORERS: dict[str, ModuleType] = {
    "fineval": fineval,
    "financeiq": financeiq,
    "cflue": cflue,
    "cmb": cmb,
    "cmexam": cmexam,
    "lawbench": lawbench,
    "lexeval": lexeval,
    "gaokao": gaokao,
}
