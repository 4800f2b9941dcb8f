"""A selection round as a committee reviews it: the leaderboard and paired tests of harness/compare.py
and harness/paired.py, the composite ranking of harness/selection.py when a selection file is given,
plus what the charts need from each run (capability axes, per-risk rates). Read by `harness compare
--format html|pdf` and by notebooks/committee_review.ipynb alike."""

from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.entities import Run

from harness.compare import Row, describe_group, groups_of, leaderboard
from harness.evidence import names
from harness.paired import PairedDifference, paired_differences
from harness.reporting.labels import Label
from harness.reporting.model import breakdown, capability, mcq_sections
from harness.selection import Selection, SelectionResult, select


@dataclass(frozen=True)
class Matrix:
    """One rate of one breakdown across the round: a row per model, a column per key (risk, topic)."""

    suite: str
    scope: str
    column: str  # e.g. "should_refuse/refusal_rate"
    label: Label
    models: list[str]
    keys: list[str]
    key_labels: list[Label]
    values: list[list[float | None]]


@dataclass(frozen=True)
class Round:
    profile: str | None
    rows: list[Row]
    paired: list[PairedDifference]
    runs: dict[str, Run]  # run id -> the run, for everything beyond the leaderboard's cells
    selection: SelectionResult | None = None  # the composite ranking, with --selection

    def name(self, row: Row) -> str:
        """model/version, with its leaderboard group where one version has rows in several (other
        settings, or a --limit run)."""
        same = [r for r in self.rows if (r.model, r.version) == (row.model, row.version)]
        return f"{row.model}/{row.version}" + (f" [{row.group}]" if len(same) > 1 else "")

    def rank(self, row: Row) -> int:
        """Place within its group: rows of other groups are never ranked against it."""
        return [r.run_id for r in self.rows if r.group == row.group].index(row.run_id) + 1

    def groups(self) -> list[str]:
        """One line per leaderboard group: its settings, PARTIAL for --limit runs, what differs."""
        groups = groups_of(self.rows)
        return [describe_group(g, groups[0]) for g in groups]

    def capability(self) -> dict[str, dict[Label, float]]:
        return {self.name(row): capability(mcq_sections(self.runs[row.run_id])) for row in self.rows}

    def matrices(self, scope: str) -> list[Matrix]:
        """Every rate broken down by `scope` in any run of the round, models in leaderboard order."""
        found: dict[tuple[str, str], dict[str, dict]] = {}
        labels: dict[tuple[str, str], Label] = {}
        key_labels: dict[str, Label] = {}
        for row in self.rows:
            run = self.runs[row.run_id]
            for suite in filter(None, run.data.params.get(names.P_SUITES, "").split(",")):
                table = breakdown(run.data.metrics, suite, scope)
                if table is None:
                    continue
                for column, label in table.columns:
                    labels[(suite, column)] = label
                    cells = found.setdefault((suite, column), {}).setdefault(row.run_id, {})
                    for key, key_label, estimates in table.rows:
                        key_labels[key] = key_label
                        if column in estimates:
                            cells[key] = estimates[column].value
        out = []
        for (suite, column), by_run in found.items():
            keys = [k for k in key_labels if any(k in cells for cells in by_run.values())]
            models = [row for row in self.rows if row.run_id in by_run]
            values = [[by_run[row.run_id].get(k) for k in keys] for row in models]
            out.append(Matrix(suite, scope, column, labels[(suite, column)], [self.name(r) for r in models], keys, [key_labels[k] for k in keys], values))
        return out


def load_round(client: MlflowClient, profile: str | None = None, *, selection: Selection | None = None, top_k: int | None = None) -> Round:
    rows = leaderboard(client, profile=profile)
    ranked = select(client, selection, rows, top_k=top_k) if selection else None
    return Round(profile, rows, paired_differences(client, rows), {row.run_id: client.get_run(row.run_id) for row in rows}, ranked)
