"""Print the bad-submission corpus (tests/intake_cases.py) as a Markdown table: each case is built in
a temporary directory, submitted to a temporary MLflow store, and shown with the problem it got.

    .venv/bin/python scripts/bad_submissions_table.py
"""

import os
import sys
import tempfile
from pathlib import Path

from mlflow import MlflowClient

from demo_models.build import build_demo_checkpoints
from harness.demo.job import materialize_manifest
from foundation.errors import InputError, Problem
from harness.evidence.tracking import connect
from foundation.paths import REGISTRY_EXAMPLES_DIR, REPO_ROOT, demo_models_dir
from harness.evidence.registration import submit

sys.path.insert(0, str(REPO_ROOT / "tests"))  # the corpus lives with the tests that enforce it
from intake_cases import CASES, Case, build


def refusal(case: Case, root: Path, checkpoint: Path, client: MlflowClient) -> Problem | None:
    """The case's expected problem, or None when the intake did not report it."""
    try:
        submit(build(case, root, checkpoint), client, limits=case.limits)
    except InputError as e:
        return next((p for p in e.problems if Path(p.file) == root / case.file and p.field == case.field and case.phrase in p.message), None)
    return None


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    checkpoints = build_demo_checkpoints(demo_models_dir(), progress=False)
    with tempfile.TemporaryDirectory(prefix="bad-submissions-") as tmp:
        os.environ["HARNESS_HOME"] = tmp  # a private store: the corpus must not touch the user's
        client = connect(f"sqlite:///{tmp}/store.db")
        # The ownership case needs the example's model registered by its own enterprise first.
        submit(materialize_manifest(REGISTRY_EXAMPLES_DIR / "submission.yaml", checkpoints, Path(tmp)), client)
        print("| case | file | field | message |\n|---|---|---|---|")
        missed = 0
        for i, case in enumerate(CASES):
            problem = refusal(case, Path(tmp) / f"case-{i}", checkpoints["zh-tiny-tuned"], client)
            missed += problem is None
            message = problem.message if problem else f"NOT REFUSED AS EXPECTED ({case.phrase})"
            print(f"| {case.id} | {cell(case.file)} | {cell(case.field)} | {cell(message)} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
