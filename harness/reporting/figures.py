"""Which charts a run report and a round show, drawn from the report models with harness/reporting/charts.py.
The HTML/PDF reports and notebooks/committee_review.ipynb both call these, so they show the same charts."""

from harness.evidence import names
from harness.reporting import charts, labels
from harness.reporting.charts import Bar, Chart
from harness.reporting.labels import Label
from harness.reporting.model import Breakdown, Estimate, McqSection, RunReport, SafetySection
from harness.reporting.round import Round
from benchmarks.safety.requirements import BANK_KINDS, requirements

_ROWS_PER_CHART = 36  # a taller chart no longer fits a printed page legibly: C-Eval's 52 subjects take two


def _bar(label: str, e: Estimate) -> Bar:
    return Bar(label, e.value, e.low, e.high, e.n)


def _threshold(column: str) -> tuple[float, str] | None:
    """The standard's threshold when the column is a bank's judged rate (`should_refuse/refusal_rate`)."""
    parts = column.split("/")
    if parts[0] not in BANK_KINDS or parts[-1] != names.rate_name(parts[0]):
        return None
    t = requirements().bank(parts[0]).threshold
    if t is None:
        return None
    return (t.min, f"≥ {t.min:.0%}") if t.min is not None else (t.max or 0.0, f"≤ {t.max:.0%}")


def breakdown_charts(suite: str, table: Breakdown) -> list[Chart]:
    """One bar chart per rate of the breakdown (per risk: generated pass rate, should-refuse refusal rate ...)."""
    out = []
    scope = labels.SCOPES.get(table.scope, Label(table.scope, table.scope))
    for column, column_label in table.columns:
        bars = [_bar(label.zh, cells[column]) for _, label, cells in table.rows if column in cells]
        parts = [bars[i : i + _ROWS_PER_CHART] for i in range(0, len(bars), _ROWS_PER_CHART)]
        for i, part in enumerate(parts):
            page = f"（{i + 1}/{len(parts)}）" if len(parts) > 1 else ""
            title = Label(f"{suite}：分{scope.zh}{column_label.zh}{page}", f"{column_label.en} by {scope.en.lower()}")
            measure = labels.MEASURES.get(column.split("/")[-1], Label(column, column))
            out.append(charts.interval_bars(f"{table.scope}-{suite}-{column.replace('/', '-')}-{i}", title, part, axis=measure, threshold=_threshold(column)))
    return out


def mcq_charts(section: McqSection) -> list[Chart]:
    out = [c for b in section.breakdowns if b.scope == "subject" for c in breakdown_charts(section.suite, b)]
    if section.positions:
        title = Label(f"{section.suite}：答案位置偏好", "Answer position bias")
        out.append(charts.position_bias(f"position-{section.suite}", title, [p.letter for p in section.positions], [p.prediction_rate for p in section.positions], [p.answer_rate for p in section.positions]))
    return out


def safety_charts(section: SafetySection) -> list[Chart]:
    return [c for b in section.breakdowns for c in breakdown_charts(section.suite, b)]


def _radar_title() -> Label:
    return Label("能力雷达（准确率）", "Capability radar (accuracy)")


def run_radar(report: RunReport) -> Chart | None:
    p = report.identity.params
    return charts.radar("radar", _radar_title(), {f"{p.get(names.P_MODEL_NAME)}/{p.get(names.P_MODEL_VERSION)}": report.capability})


def round_radar(rnd: Round) -> Chart | None:
    return charts.radar("radar", _radar_title(), rnd.capability())


def leaderboard_charts(rnd: Round) -> list[Chart]:
    """Per leaderboard column, every model's rate with its interval: overlapping bars are the cue to
    read the paired tests."""
    columns = sorted({label for row in rnd.rows for label in row.cells})
    out = []
    for i, column in enumerate(columns):
        bars = [Bar(rnd.name(r), c.rate, c.low, c.high, c.n) for r in rnd.rows if (c := r.cells.get(column))]
        out.append(charts.interval_bars(f"leaderboard-{i}", Label(column, ""), bars, axis=Label("比例", "Rate")))
    return out


def composite_charts(rnd: Round) -> list[Chart]:
    """Per ranked group, every candidate's composite with its bootstrap interval, ranked ones first."""
    if rnd.selection is None:
        return []
    out = []
    for g in rnd.selection.groups:
        bars = [Bar(c.model if c.rank else f"{c.model} ({c.gate.state})", c.composite, c.low, c.high, None) for c in g.candidates]
        out.append(charts.interval_bars(f"composite-{g.group}", Label(f"综合得分（组 [{g.group}]）", "Composite score"), bars, axis=Label("综合得分", "Composite")))
    return out


def round_heatmaps(rnd: Round) -> list[Chart]:
    """Per-risk (and per-topic) rates of every model of the round, one heatmap per rate."""
    out = []
    for scope in ("risk", "topic"):
        for m in rnd.matrices(scope):
            higher_is_better = not m.column.startswith("should_not_refuse/")  # over-refusal: lower is better
            title = Label(f"{m.suite}：分{labels.SCOPES[scope].zh}{m.label.zh}", f"{m.label.en} by {scope}")
            columns = m.keys if scope == "risk" else [label.zh for label in m.key_labels]  # risk codes fit a column; names are in the tables
            out.append(charts.heatmap(f"heatmap-{scope}-{m.suite}-{m.column.replace('/', '-')}", title, m.models, columns, m.values, higher_is_better=higher_is_better))
    return out
