"""Deterministic crash points for the kill -9 tests (tests/test_crash_resume.py).

`HARNESS_CRASH_AT=<point>:<n>` makes the process SIGKILL itself the n-th time it passes the named
point: no handler runs, no file is closed, no MLflow run is terminated, as when a machine is
preempted. Unset (every real run), `crash_point` is one dictionary lookup.
"""

import os
import signal
from collections import Counter

ENV = "HARNESS_CRASH_AT"
# The named points, in the order a run passes them (docs/runs.md lists what each one interrupts).
POINTS = (
    "run.created", "engine.loaded", "engine.answered", "item", "judging",
    "log.artifact", "log.metrics", "report", "run.described",
)  # fmt: skip

_passed: Counter[str] = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, count = wanted.rpartition(":")
    if point != name:
        return
    _passed[name] += 1
    if _passed[name] == int(count):
        os.kill(os.getpid(), signal.SIGKILL)
