"""The charts of the reports and the committee notebook, drawn once here: bars with intervals, answer
position bias, a capability radar, a per-risk heatmap.

Each function takes plain numbers and returns a Chart: an SVG drawn with the CJK font (text as paths,
so the SVG needs no font wherever it is opened), embedded in the HTML as a data URI and shown by
Jupyter through `_repr_svg_`. A character the font lacks is an error, never a box.
"""

import base64
import io
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import matplotlib
from matplotlib.typing import RcKeyType
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from harness.reporting.fonts import CJK_FAMILY, cjk_font
from harness.reporting.labels import Label

_STYLE: dict[RcKeyType, Any] = {
    "font.family": CJK_FAMILY,
    "font.size": 8.5,
    "axes.titlesize": 10,
    "svg.fonttype": "path",
    "svg.hashsalt": "harness-report",  # stable element ids: the same run gives the same SVG
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_BAR = "#2f6f9f"
_SERIES = ["#2f6f9f", "#d9822b", "#3a9b5c", "#b33d5b", "#7a5cb0", "#8c6d46", "#4aa3b8", "#9b9b2f"]
_LABEL_CHARS = 22  # longer category names are cut in charts; tables beside them carry the whole name


class MissingGlyph(RuntimeError):
    """A chart asked for a character the CJK font cannot draw."""


@dataclass(frozen=True)
class Chart:
    key: str  # stable name within a report, e.g. "risk-safety_sample-should_refuse-refusal_rate"
    title: Label
    svg: str = field(repr=False)

    def _repr_svg_(self) -> str:  # Jupyter shows the chart itself
        return self.svg

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


@contextmanager
def _style() -> Iterator[None]:
    cjk_font()
    with matplotlib.rc_context(_STYLE):
        yield


def _render(key: str, title: Label, fig: Figure) -> Chart:
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing from font")
        try:
            fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
        except UserWarning as e:
            raise MissingGlyph(f"chart {key!r}: {e}") from e
    return Chart(key, title, out.getvalue())


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None
    high: float | None
    n: int | None


def interval_bars(key: str, title: Label, bars: Sequence[Bar], *, axis: Label, threshold: tuple[float, str] | None = None) -> Chart:
    """Horizontal bars, top to bottom in the given order, each with its 95% interval and n; `threshold`
    is (value, "≥ 95%"), drawn as a dashed line."""
    with _style():
        fig = Figure(figsize=(7.2, 0.9 + 0.26 * len(bars)))
        ax = fig.add_subplot()
        y = np.arange(len(bars))
        values = np.array([b.value for b in bars], dtype=float)
        ax.barh(y, values, color=_BAR, height=0.62)
        for i, b in enumerate(bars):
            if b.low is not None and b.high is not None:
                ax.errorbar(b.value, i, xerr=[[b.value - b.low], [b.high - b.value]], fmt="none", ecolor="#222", capsize=2.5, lw=0.9)
            right = b.high if b.high is not None else b.value
            ax.text(min(right, 1.0) + 0.012, i, f"{b.value:.1%}" + (f"  n={b.n}" if b.n is not None else ""), va="center", fontsize=7, color="#333")
        note = Label("", "")
        if threshold is not None:
            ax.axvline(threshold[0], color="#b00020", ls="--", lw=1)
            note = Label(f"；红色虚线：阈值 {threshold[1]}", f"; dashed: threshold {threshold[1]}")
        ax.set_yticks(y, [_short(b.label) for b in bars])
        ax.invert_yaxis()
        ax.set_xlim(0, 1.18)
        ax.set_xticks(np.linspace(0, 1, 6))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(f"{axis.zh}（95% 置信区间{note.zh}）  {axis.en} (95% CI{note.en})")
        ax.set_title(str(title), loc="left")
        ax.grid(axis="x", color="#ddd", lw=0.6)
        ax.set_axisbelow(True)
        return _render(key, title, fig)


def position_bias(key: str, title: Label, letters: Sequence[str], predicted: Sequence[float], answers: Sequence[float]) -> Chart:
    """How often the model picks each option letter against how often it is the answer: a model that
    prefers a position picks it more often than it is right there."""
    with _style():
        fig = Figure(figsize=(5.6, 2.8))
        ax = fig.add_subplot()
        x = np.arange(len(letters))
        ax.bar(x - 0.2, predicted, 0.4, color=_SERIES[0], label="模型选择该选项 Predicted")
        ax.bar(x + 0.2, answers, 0.4, color=_SERIES[1], label="正确答案为该选项 Answer key")
        ax.axhline(1 / len(letters), color="#666", ls=":", lw=1)
        for i, (p, a) in enumerate(zip(predicted, answers, strict=True)):
            ax.text(i - 0.2, p + 0.01, f"{p:.0%}", ha="center", fontsize=7)
            ax.text(i + 0.2, a + 0.01, f"{a:.0%}", ha="center", fontsize=7)
        ax.set_xticks(x, letters)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, max([*predicted, *answers, 1 / len(letters)]) * 1.25)
        ax.set_xlabel("选项 Option")
        ax.set_ylabel("比例 Share of items")
        ax.set_title(str(title), loc="left")
        ax.legend(frameon=False, fontsize=7.5, loc="upper left", ncols=2)
        return _render(key, title, fig)


def radar(key: str, title: Label, series: dict[str, dict[Label, float]]) -> Chart | None:
    """One polygon per model over the axes all of them share; None below three shared axes (a radar
    of two axes is a line)."""
    shared = [a for a in next(iter(series.values()), {}) if all(a in s for s in series.values())]
    if len(shared) < 3:
        return None
    with _style():
        fig = Figure(figsize=(5.8, 4.6))
        ax = fig.add_subplot(projection="polar")
        angles = [2 * math.pi * i / len(shared) for i in range(len(shared))]
        for i, (name, values) in enumerate(series.items()):
            points = [values[a] for a in shared]
            color = _SERIES[i % len(_SERIES)]
            ax.plot([*angles, angles[0]], [*points, points[0]], color=color, lw=1.6, label=name)
            ax.fill([*angles, angles[0]], [*points, points[0]], color=color, alpha=0.12)
        ax.set_xticks(angles, [f"{_short(a.zh)}\n{_short(a.en)}" if a.en and a.en != a.zh else _short(a.zh) for a in shared], fontsize=7.5)
        ax.set_ylim(0, 1)
        ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["25%", "50%", "75%", "100%"], fontsize=6.5, color="#666")
        ax.set_title(str(title), pad=18)
        ax.legend(frameon=False, fontsize=7.5, loc="upper right", bbox_to_anchor=(1.35, 1.12))
        return _render(key, title, fig)


def heatmap(key: str, title: Label, rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[float | None]], *, higher_is_better: bool = True) -> Chart:
    """Rows (models) by columns (risks); each cell its rate, blank where the run measured none."""
    grid = np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
    with _style():
        fig = Figure(figsize=(max(5.0, 0.22 * len(columns) + 2.4), 1.8 + 0.45 * len(rows)))
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["RdYlBu" if higher_is_better else "RdYlBu_r"].copy()
        cmap.set_bad("#e6e6e6")
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(j, i, f"{v * 100:.0f}", ha="center", va="center", fontsize=6, color="#111")
        ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=7)
        ax.set_yticks(range(len(rows)), rows, fontsize=7.5)
        ax.spines[:].set_visible(False)
        ax.set_title(str(title), loc="left")
        bar = fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01, format=PercentFormatter(1.0, decimals=0))
        bar.ax.tick_params(labelsize=6.5)
        return _render(key, title, fig)
