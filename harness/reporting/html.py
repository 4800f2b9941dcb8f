"""The run report and the round comparison as self-contained HTML (inline CSS, charts as SVG data
URIs), Chinese first with English labels. Jinja2 templates in harness/reporting/templates/."""

import math
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from harness.evidence import names
from harness.reporting import figures, labels
from harness.reporting.fonts import CSS_FONT_STACK, CSS_MONO_STACK, cjk_font
from harness.reporting.labels import Label
from harness.reporting.model import Estimate, RunReport, describe, unassessed_clauses
from harness.reporting.round import Round
from benchmarks.safety.requirements import requirements
from harness.selection import COMPONENTS
from harness.uplift import Uplift, call_label

# The registered version's submission facts, in the order a committee reads them.
IDENTITY_FIELDS = [
    (names.V_ENTERPRISE, "企业", "Enterprise"),
    (names.V_USCC, "统一社会信用代码", "USCC"),
    (names.V_DISTRICT, "所在区", "District"),
    (names.V_SECTORS, "行业", "Sectors"),
    (names.V_BASE_MODEL, "基座模型", "Base model"),
    (names.V_ARCHITECTURE, "架构", "Architecture"),
    (names.V_PARAMETERS, "参数量", "Parameters"),
    (names.V_DTYPES, "权重精度", "Weight dtypes"),
    (names.V_VLLM_SUPPORTED, "vLLM 支持", "vLLM supported"),
    (names.V_CUSTOM_CODE, "允许自带代码", "Custom code allowed"),
    (names.V_CHECKPOINT, "权重路径", "Checkpoint path"),
    (names.V_SUBMISSION_RUN, "登记运行", "Submission run"),
]


def _pct(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def _interval(e: Estimate) -> str:
    return f"[{_pct(e.low)}, {_pct(e.high)}]" if e.low is not None and e.high is not None else "-"


def _number(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4g}"


def _when(millis: int | None) -> str:
    return "-" if millis is None else datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _sector(code: str) -> str:
    return str(labels.breakdown("sector", code))


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("harness.reporting", "templates"), autoescape=select_autoescape(["j2", "html"]), undefined=StrictUndefined)
    env.filters |= {"pct": _pct, "interval": _interval, "number": _number, "when": _when, "sector": _sector}
    env.globals |= {
        "labels": labels, "label": Label, "describe": describe, "rate_name": names.rate_name, "font_stack": CSS_FONT_STACK, "mono_stack": CSS_MONO_STACK,
        "source": requirements().source, "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    return env


def render_run_html(report: RunReport) -> str:
    cjk_font()  # the CSS names it; without it the PDF would fall back to whatever the machine has
    charts = {s.suite: figures.mcq_charts(s) for s in report.mcq} | {s.suite: figures.safety_charts(s) for s in report.safety}
    return _environment().get_template("run.html.j2").render(
        r=report, charts=charts, radar=figures.run_radar(report), identity_fields=IDENTITY_FIELDS,
        unassessed=unassessed_clauses(report.identity.params.get(names.P_PROFILE, "")),
    )


def render_round_html(rnd: Round) -> str:
    cjk_font()
    return _environment().get_template("round.html.j2").render(
        rnd=rnd, radar=figures.round_radar(rnd), bars=figures.leaderboard_charts(rnd), heatmaps=figures.round_heatmaps(rnd),
        columns=sorted({label for row in rnd.rows for label in row.cells}), composite=figures.composite_charts(rnd), component_labels=COMPONENTS,
    )


def render_uplift_html(u: Uplift) -> str:
    cjk_font()
    return _environment().get_template("uplift.html.j2").render(u=u, call_label=call_label)
