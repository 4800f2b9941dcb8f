"""The kill -9 matrix: runs tests/test_crash_resume.py (each crash point one test case; the lock,
cache and schema tests too) and prints
one row per point: items staged and answers journaled when the process was killed, item lines
logged after the same command finished the run, whether its metrics equal the uninterrupted
reference run's (wall-clock seconds aside), and how many runs carry the run-spec digest.

    .venv/bin/python scripts/crash_matrix.py [-k EXPR]
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "matrix.jsonl"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/test_crash_resume.py", "-q", "--durations=20", *sys.argv[1:]],
            env={**os.environ, "HARNESS_MATRIX_OUT": str(out)}, check=False,
        )  # fmt: skip
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    print("| point | cache | items before | answers before | items after | metrics equal | runs |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        cache, equal = "shared" if r["cache"] else "--no-cache", "yes" if r["metrics_equal"] else "NO"
        print(f"| `{r['point']}` | {cache} | {r['items_before']} | {r['answers_before']} | {r['items_after']} | {equal} | {r['runs']} |")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
