"""The committee's leaderboard: finished evaluation runs read back from MLflow, side by side.

Like with like: a row is one model version under one set of settings that change the numbers (the
profile and its digest, every suite's data digest and item count, few-shot, scorer, CircularEval,
chat template, engine and dtype, context length, seed, sampling, --limit). Rows with the same
settings form a group and are ranked within it; groups are shown apart, each saying what differs
from the first, and a run never replaces another run's row unless every setting is equal. Runs with
--limit are partial: their groups come after the full ones, marked.
"""

import csv
import io
import json
from dataclasses import asdict, dataclass, field, replace

from mlflow import MlflowClient
from mlflow.entities import Run

from harness import text_table
from harness.evidence import names
from harness.evidence.tracking import evaluation_experiment_ids

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


# Params that change the numbers; a run made before one was recorded shows it as UNRECORDED.
RUN_SETTINGS = (
    names.P_PROFILE, names.P_PROFILE_DIGEST, names.P_ENGINE, names.P_ENGINE_DTYPE, names.P_ENGINE_MAX_MODEL_LEN, names.P_SEED,
    names.P_LIMIT, names.P_GENERATION_MAX_TOKENS, names.P_GENERATION_TEMPERATURE, names.P_GENERATION_TOP_P,
)  # fmt: skip
SUITE_SETTINGS = ("data_digest", "n_items", "num_fewshot", "scorer", "circular", "chat_template", "fewshot_as_multiturn")
UNRECORDED = "unrecorded"


def comparison_settings(params: dict[str, str]) -> dict[str, str]:
    """Everything besides the model that a run's numbers depend on, from its params."""
    settings = {key: params.get(key, UNRECORDED) for key in RUN_SETTINGS}
    for suite in sorted(s for s in params.get(names.P_SUITES, "").split(",") if s):
        settings |= {names.suite_param(suite, key): params.get(names.suite_param(suite, key), UNRECORDED) for key in SUITE_SETTINGS}
    return settings


@dataclass(frozen=True)
class Row:
    run_id: str
    model: str
    version: str
    profile: str
    engine: str
    cells: dict[str, Cell]
    settings: dict[str, str] = field(default_factory=dict)  # comparison_settings of the run
    group: int = 1  # rows of one group share every setting and are ranked together; 1 is shown first

    @property
    def partial(self) -> bool:
        """A --limit run: a sample of each suite, never ranked with full runs."""
        return self.settings.get(names.P_LIMIT, "none") not in ("none", UNRECORDED)


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
    """Latest finished run per (model version, settings), grouped by settings (full runs first, the
    group with the most models first), best first within a group on its first accuracy column."""
    experiments = evaluation_experiment_ids(client, profile)
    if not experiments:
        return []
    runs = client.search_runs(
        experiments, filter_string=f"attributes.status = 'FINISHED' and tags.`{names.T_KIND}` = 'evaluation'", order_by=["attributes.start_time DESC"], max_results=5000
    )
    latest: dict[tuple, Row] = {}
    for run in runs:
        if run_ids is not None and run.info.run_id not in run_ids:
            continue
        p = run.data.params
        settings = comparison_settings(p)
        key = (p[names.P_MODEL_NAME], p[names.P_MODEL_VERSION], tuple(sorted(settings.items())))
        latest.setdefault(key, Row(run.info.run_id, p[names.P_MODEL_NAME], p[names.P_MODEL_VERSION], p[names.P_PROFILE], p[names.P_ENGINE], _cells(run), settings))
    groups: dict[tuple, list[Row]] = {}
    for row in latest.values():  # most recent first, so ties between groups go to the newer one
        groups.setdefault(tuple(sorted(row.settings.items())), []).append(row)
    ordered = sorted(groups.values(), key=lambda rows: (rows[0].partial, -len(rows)))
    return [replace(row, group=index) for index, rows in enumerate(ordered, start=1) for row in _ranked(rows)]


def _ranked(rows: list[Row]) -> list[Row]:
    # Rank on the first accuracy column; refusal rates have no single "better" direction.
    first = next((label for label in _columns(rows) if label.endswith(" accuracy")), None)
    return sorted(rows, key=lambda r: (-r.cells[first].rate if first in r.cells else 1.0, r.model, r.version))


def _columns(rows: list[Row]) -> list[str]:
    return sorted({label for row in rows for label in row.cells})


def groups_of(rows: list[Row]) -> list[list[Row]]:
    """The leaderboard's groups, in order: rows ranked together."""
    by_group: dict[int, list[Row]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(row)
    return [by_group[g] for g in sorted(by_group)]


def describe_group(rows: list[Row], first: list[Row]) -> str:
    """One line: the group's number, what it ran, whether it is partial, and what differs from the first group."""
    settings, reference = rows[0].settings, first[0].settings
    head = f"[{rows[0].group}] profile {settings[names.P_PROFILE]} (digest {_short(settings[names.P_PROFILE_DIGEST])}), engine {settings[names.P_ENGINE]}"
    head += f" {settings[names.P_ENGINE_DTYPE]}" if settings[names.P_ENGINE_DTYPE] != UNRECORDED else ""
    head += f": PARTIAL (--limit {settings[names.P_LIMIT]}), not ranked with full runs" if rows[0].partial else ": full runs"
    if rows[0].group != first[0].group:
        differs = [f"{key}={_short(settings.get(key, '-'))} (vs {_short(reference.get(key, '-'))})" for key in sorted(settings.keys() | reference.keys()) if settings.get(key) != reference.get(key)]
        head += f"; differs from [{first[0].group}] in " + ", ".join(differs)
    return head


def _short(value: str) -> str:
    return value[:12] + "…" if len(value) == 64 else value  # digests


def render_table(rows: list[Row]) -> str:
    if not rows:
        return "no finished evaluation runs"
    groups = groups_of(rows)
    return "\n\n".join(describe_group(g, groups[0]) + "\n" + _render_group(g) for g in groups)


def _render_group(rows: list[Row]) -> str:
    columns = _columns(rows)
    header = ["model", "version", "profile", "engine", *columns]
    body = [[r.model, r.version, r.profile, r.engine, *(str(r.cells[c]) if c in r.cells else "-" for c in columns)] for r in rows]
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
    writer.writerow(["run_id", "model", "version", "profile", "engine", "group", "partial", *(f"{c} {part}" for c in columns for part in CSV_PARTS)])
    for r in rows:
        writer.writerow([r.run_id, r.model, r.version, r.profile, r.engine, r.group, r.partial, *(v for c in columns for v in _csv_values(r.cells.get(c)))])
    return out.getvalue()


def as_json(rows: list[Row]) -> list[dict]:
    return [asdict(r) | {"partial": r.partial} for r in rows]
