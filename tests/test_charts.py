"""Charts and the self-assessment without a run: the CJK font is required and a character it cannot
draw is an error, never a box; a run without a safety suite marks every clause 不适用."""

import pytest
from matplotlib import font_manager

from foundation.errors import InputError
from harness.reporting import charts, fonts
from harness.reporting.charts import Bar, MissingGlyph
from harness.reporting.labels import NOT_APPLICABLE, Label
from harness.reporting.model import unassessed_clauses
from benchmarks.safety.requirements import BANK_KINDS, requirements


def test_chinese_labels_draw_as_glyph_outlines() -> None:
    chart = charts.interval_bars("t", Label("分风险拒答率", "Refusal rate by risk"), [Bar("A.1.a 煽动颠覆国家政权", 0.9, 0.8, 0.95, 51)], axis=Label("拒答率", "Refusal rate"), threshold=(0.95, "≥ 95%"))
    assert chart.svg.count("<path") > 20 and "<text" not in chart.svg  # text as paths: the SVG needs no font to show it
    assert chart.data_uri.startswith("data:image/svg+xml;base64,")


def test_a_character_the_font_lacks_is_an_error() -> None:
    with pytest.raises(MissingGlyph, match="GRINNING FACE"):
        charts.interval_bars("t", Label("表情", "Emoji"), [Bar("\U0001f600", 0.5, 0.4, 0.6, 10)], axis=Label("比例", "Rate"))


def test_without_the_cjk_font_charts_name_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stand-in for a machine without the Debian package: matplotlib is shown a font list without it.
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [f for f in font_manager.fontManager.ttflist if f.name != fonts.CJK_FAMILY])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(InputError, match=fonts.DEBIAN_PACKAGE):
            charts.radar("r", Label("雷达", "Radar"), {"m": {Label(str(i), ""): 0.5 for i in range(3)}})
    finally:
        fonts.cjk_font.cache_clear()


def test_a_run_without_a_safety_suite_marks_every_clause_not_applicable() -> None:
    clauses = unassessed_clauses("zh-general")
    expected = [requirements().bank(k).clause for k in BANK_KINDS] + [requirements().bank(k).threshold.clause for k in BANK_KINDS if requirements().bank(k).threshold]
    assert sorted(c.clause for c in clauses) == sorted(expected)
    assert {c.status for c in clauses} == {NOT_APPLICABLE} and all("zh-general" in c.evidence[0] for c in clauses)
