"""The committee's leaderboard: finished evaluation runs read back from MLflow, side by side."""

import csv
import io
import json
from dataclasses import asdict, dataclass

from mlflow import MlflowClient
from mlflow.entities import Run, ViewType

from harness import text_table
from harness.evidence import names

BANK_LABELS = {"generated": "生成内容 pass", "should_refuse": "应拒答 refusal", "should_not_refuse": "非拒答 refusal",
               names.RUBRIC: "rubric pass", "open": "open pass"}  # the last two: open questions (rate over the judge's decided items)


@dataclass(frozen=True)
class Cell:
    rate: float
    low: float
    high: float
    n: int
    passed: bool | None  # None where the column has no threshold
    undecided: int = 0  # items no judge decided (safety rates); the rate is over the n decided ones
    bound_low: float | None = None  # the rate over every item if each undecided one failed
    bound_high: float | None = None  # ... or succeeded
    state: str | None = None  # PASS, FAIL or UNDECIDED (the undecided items could flip it)

    @property
    def settled(self) -> bool | None:
        """`passed`, or None where the undecided items could flip the verdict (state UNDECIDED)."""
        return None if self.state == "UNDECIDED" else self.passed

    def __str__(self) -> str:
        mark = f" {self.state}" if self.state else "" if self.passed is None else (" PASS" if self.passed else " FAIL")
        open_ = f" +{self.undecided} undecided [{self.bound_low:.1%},{self.bound_high:.1%}]" if self.undecided and self.bound_low is not None and self.bound_high is not None else ""
        if self.n == 0:  # nothing measured (e.g. no open question decided by the judge)
            return f"- n=0{open_}{mark}"
        return f"{self.rate:.1%} [{self.low:.1%},{self.high:.1%}] n={self.n}{open_}{mark}"


@dataclass(frozen=True)
class Row:
    run_id: str
    model: str
    version: str
    profile: str
    engine: str
    cells: dict[str, Cell]


def _cells(run: Run) -> dict[str, Cell]:
    m = run.data.metrics
    cells = {}
    for key in sorted(m):
        parts = key.split("/")
        verdict = None
        if len(parts) == 2 and parts[1] in ("accuracy", "score"):  # score: a public benchmark's official aggregate
            label, prefix, passed = f"{parts[0]} {parts[1]}", parts[0], None
        elif key.endswith(("/choice/accuracy", "/char_f1")) and parts[1:-1] in ([], ["choice"], ["short"]):
            # Generation suites and scenario sets: multiple-choice accuracy and short answers' character F1.
            prefix = "/".join(parts[:-1])
            label, passed = f"{prefix} {parts[-1]}", None
        elif len(parts) == 3 and parts[2] in ("refusal_rate", "pass_rate"):
            label, prefix = f"{parts[0]} {BANK_LABELS.get(parts[1], parts[1])}", f"{parts[0]}/{parts[1]}"
            found = run.data.tags.get(names.verdict_tag(parts[0], parts[1]))
            verdict = json.loads(found) if found else None
            passed = verdict["passed"] if verdict else None
        elif len(parts) == 4 and parts[2] == names.HUMAN and parts[3] in ("refusal_rate", "pass_rate"):
            # Human review (人工抽检) beside the machine's rate: the standard's reference method.
            label, prefix = f"{parts[0]} {BANK_LABELS.get(parts[1], parts[1])} (人工)", f"{parts[0]}/{parts[1]}/{names.HUMAN}"
            found = run.data.tags.get(names.verdict_tag(parts[0], parts[1], names.HUMAN))
            verdict = json.loads(found) if found else None
            passed = verdict["passed"] if verdict else None
        else:
            continue
        cells[label] = Cell(
            m[key], m[f"{key}_ci_low"], m[f"{key}_ci_high"], int(m[f"{prefix}/n"]), passed,
            int(m.get(f"{prefix}/undecided", 0)), m.get(f"{key}_bound_low"), m.get(f"{key}_bound_high"),
            verdict.get("state") if verdict else None,  # runs made before undecided verdicts carry none
        )
    return cells


def leaderboard(client: MlflowClient, *, profile: str | None = None, run_ids: list[str] | None = None) -> list[Row]:
    """Latest finished run per (model version, profile, engine), best first on the first column."""
    wanted = (lambda n: n == names.evaluation_experiment(profile)) if profile else (lambda n: n.startswith(names.evaluation_experiment("")))
    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ACTIVE_ONLY) if wanted(e.name)]
    if not experiments:
        return []
    runs = client.search_runs(
        experiments, filter_string=f"attributes.status = 'FINISHED' and tags.`{names.T_KIND}` = 'evaluation'", order_by=["attributes.start_time DESC"], max_results=5000
    )
    latest: dict[tuple[str, ...], Row] = {}
    for run in runs:
        if run_ids is not None and run.info.run_id not in run_ids:
            continue
        p = run.data.params
        key = (p[names.P_MODEL_NAME], p[names.P_MODEL_VERSION], p[names.P_PROFILE], p[names.P_ENGINE])
        latest.setdefault(key, Row(run.info.run_id, *key, cells=_cells(run)))
    rows = list(latest.values())
    # Rank on the first accuracy column; refusal rates have no single "better" direction.
    first = next((label for label in _columns(rows) if label.endswith(" accuracy")), None)
    return sorted(rows, key=lambda r: (-r.cells[first].rate if first in r.cells else 1.0, r.model, r.version))


def _columns(rows: list[Row]) -> list[str]:
    return sorted({label for row in rows for label in row.cells})


def render_table(rows: list[Row]) -> str:
    if not rows:
        return "no finished evaluation runs"
    header = ["model", "version", "profile", "engine", *_columns(rows)]
    body = [[r.model, r.version, r.profile, r.engine, *(str(r.cells[c]) if c in r.cells else "-" for c in _columns(rows))] for r in rows]
    return text_table.render(header, body)


# CSV column suffix -> Cell field
CSV_PARTS = {"rate": "rate", "ci_low": "low", "ci_high": "high", "n": "n", "passed": "passed", "undecided": "undecided",
             "bound_low": "bound_low", "bound_high": "bound_high", "state": "state"}


def _csv_values(cell: Cell | None) -> list[object]:
    values = [None if cell is None else getattr(cell, field) for field in CSV_PARTS.values()]
    return ["" if v is None else v for v in values]


def render_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = _columns(rows)
    writer.writerow(["run_id", "model", "version", "profile", "engine", *(f"{c} {part}" for c in columns for part in CSV_PARTS)])
    for r in rows:
        writer.writerow([r.run_id, r.model, r.version, r.profile, r.engine, *(v for c in columns for v in _csv_values(r.cells.get(c)))])
    return out.getvalue()


def as_json(rows: list[Row]) -> list[dict]:
    return [asdict(r) for r in rows]
