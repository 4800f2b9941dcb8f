"""Whether two models' scores on the same items really differ: McNemar's exact test.

Wilson intervals per model answer "how precise is each score"; two overlapping intervals can still
hide a significant difference when both models saw the same items. Pairing item by item uses that,
and only where the items really are the same: two rows of one leaderboard group (the same data and
settings, harness.compare), and within them only items whose prompt digests are equal (the exact
context and continuations asked, harness.plan.prompt_digest). Every other item is excluded and
counted, so a reader sees how many pairs the test rests on.
"""

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from scipy.stats import binomtest

from harness.compare import Row, groups_of
from harness.evidence import names
from harness.store import read_items


@dataclass(frozen=True)
class PairedDifference:
    suite: str
    a: str  # model/version
    b: str
    shared: int  # items paired: in both runs with equal prompt digests
    a_only: int  # paired items a got right and b wrong
    b_only: int
    p_value: float  # NaN when nothing could be paired
    excluded: int = 0  # items of either run left out: in one run only, or asked differently
    group: int = 1  # the leaderboard group both rows belong to

    @property
    def difference(self) -> float:
        return (self.a_only - self.b_only) / self.shared if self.shared else float("nan")

    def __str__(self) -> str:
        left_out = f"{self.excluded} excluded (in one run only, or a different prompt)"
        if not self.shared:
            return f"{self.a} vs {self.b} on {self.suite}: not compared, no item with the same prompt digest in both runs ({left_out})"
        return (
            f"{self.a} vs {self.b} on {self.suite}: {self.difference * 100:+.1f} points over {self.shared} paired items, {left_out} "
            f"({self.a_only} vs {self.b_only} discordant), McNemar exact p = {self.p_value:.2g}"
        )


def _correctness(client: MlflowClient, run_id: str, suite: str, tmp: Path) -> dict[str, tuple[str | None, bool]] | None:
    """id -> (prompt digest, correct) of the run's original items; None without per-item results."""
    try:
        local = client.download_artifacts(run_id, f"{names.A_ITEMS_DIR}/{suite}.jsonl", str(tmp))
    except Exception:  # an older or failed run without per-item results is skipped, not fatal
        return None
    records = read_items(Path(local))
    if not records or "correct" not in records[0]:
        return None
    # Original option orders only, as the accuracy beside it counts them (CircularEval's rotations are extra lines).
    return {r["id"]: (r.get("prompt_digest"), bool(r["correct"])) for r in records if r.get("rotation", 0) == 0}


def pair(suite: str, row_a: Row, row_b: Row, a: dict[str, tuple[str | None, bool]], b: dict[str, tuple[str | None, bool]]) -> PairedDifference:
    """McNemar's exact test on the items both runs asked identically (a run without prompt digests
    predates them: none of its items can be shown identical)."""
    paired = sorted(i for i in a.keys() & b.keys() if a[i][0] is not None and a[i][0] == b[i][0])
    a_only = sum(a[i][1] and not b[i][1] for i in paired)
    b_only = sum(b[i][1] and not a[i][1] for i in paired)
    p = binomtest(a_only, a_only + b_only, 0.5).pvalue if a_only + b_only else (1.0 if paired else float("nan"))
    excluded = len(a.keys() | b.keys()) - len(paired)
    return PairedDifference(suite, f"{row_a.model}/{row_a.version}", f"{row_b.model}/{row_b.version}", len(paired), a_only, b_only, float(p), excluded, row_a.group)


def paired_differences(client: MlflowClient, rows: list[Row]) -> list[PairedDifference]:
    """Every pair of rows within a leaderboard group, per multiple-choice suite both scored."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for group in groups_of(rows):
            suites = sorted({label.removesuffix(" accuracy") for row in group for label in row.cells if label.endswith(" accuracy")})
            for suite in suites:
                scored = [(row, c) for row in group if (c := _correctness(client, row.run_id, suite, Path(tmp) / row.run_id))]
                out += [pair(suite, row_a, row_b, a, b) for (row_a, a), (row_b, b) in itertools.combinations(scored, 2)]
    return out
