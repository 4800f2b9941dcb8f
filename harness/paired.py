"""Whether two models' scores on the same items really differ: McNemar's exact test.

Wilson intervals per model answer "how precise is each score"; two overlapping intervals can still
hide a significant difference when both models saw the same items. Pairing item by item uses that.
"""

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from scipy.stats import binomtest

from harness.compare import Row
from harness.evidence import names
from harness.store import read_items


@dataclass(frozen=True)
class PairedDifference:
    suite: str
    a: str  # model/version
    b: str
    shared: int
    a_only: int  # items a got right and b wrong
    b_only: int
    p_value: float

    @property
    def difference(self) -> float:
        return (self.a_only - self.b_only) / self.shared if self.shared else float("nan")

    def __str__(self) -> str:
        return (
            f"{self.a} vs {self.b} on {self.suite}: {self.difference * 100:+.1f} points over {self.shared} shared items "
            f"({self.a_only} vs {self.b_only} discordant), McNemar exact p = {self.p_value:.2g}"
        )


def _correctness(client: MlflowClient, run_id: str, suite: str, tmp: Path) -> dict[str, bool] | None:
    try:
        local = client.download_artifacts(run_id, f"{names.A_ITEMS_DIR}/{suite}.jsonl", str(tmp))
    except Exception:  # an older or failed run without per-item results is skipped, not fatal
        return None
    records = read_items(Path(local))
    if not records or "correct" not in records[0]:
        return None
    # Original option orders only, as the accuracy beside it counts them (CircularEval's rotations are extra lines).
    return {r["id"]: bool(r["correct"]) for r in records if r.get("rotation", 0) == 0}


def paired_differences(client: MlflowClient, rows: list[Row]) -> list[PairedDifference]:
    suites = sorted({label.removesuffix(" accuracy") for row in rows for label in row.cells if label.endswith(" accuracy")})
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for suite in suites:
            scored = [(row, _correctness(client, row.run_id, suite, Path(tmp) / row.run_id)) for row in rows]
            scored = [(row, c) for row, c in scored if c]
            for (row_a, a), (row_b, b) in itertools.combinations(scored, 2):
                shared = sorted(a.keys() & b.keys())
                a_only = sum(a[i] and not b[i] for i in shared)
                b_only = sum(b[i] and not a[i] for i in shared)
                p = binomtest(a_only, a_only + b_only, 0.5).pvalue if a_only + b_only else 1.0
                out.append(PairedDifference(suite, f"{row_a.model}/{row_a.version}", f"{row_b.model}/{row_b.version}", len(shared), a_only, b_only, float(p)))
    return out
