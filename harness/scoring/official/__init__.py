"""Official scorers of the public sector benchmarks, one module per benchmark (see base.py)."""

from types import ModuleType

from harness.scoring.official import gaokao, lawbench

SCORERS: dict[str, ModuleType] = {
    "gaokao": gaokao,
    "lawbench": lawbench,
}
