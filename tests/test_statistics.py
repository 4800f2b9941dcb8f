"""The macro average's bootstrap interval (harness.scoring.statistics.macro_mean) and its metrics. No engine."""

import math
import random

import numpy as np
import pytest

from harness.aggregate import mcq_metrics
from harness.scoring.statistics import macro_mean, proportion


def _subjects(rates: list[float], n: int, seed: int = 0) -> list[list[bool]]:
    """Subjects of n items each with exactly round(rate * n) right answers, in seeded order."""
    rng = random.Random(seed)
    out = []
    for rate in rates:
        items = [i < round(rate * n) for i in range(n)]
        rng.shuffle(items)
        out.append(items)
    return out


def test_the_interval_contains_the_macro_estimate() -> None:
    groups = _subjects([0.3, 0.5, 0.7, 0.9, 0.45, 0.8], n=40)
    m = macro_mean(groups)
    assert m.value == pytest.approx(np.mean([np.mean(g) for g in groups]))
    assert m.low < m.value < m.high
    assert (m.subjects, m.n) == (6, 240)


def test_the_interval_narrows_with_more_items() -> None:
    rates = [0.3, 0.5, 0.7, 0.9]
    small, large = macro_mean(_subjects(rates, n=25)), macro_mean(_subjects(rates, n=400))
    assert small.value == pytest.approx(large.value)
    assert (large.high - large.low) < 0.5 * (small.high - small.low)


@pytest.mark.parametrize(("k", "n"), [(120, 200), (30, 150), (450, 500)])
def test_one_subject_gives_about_the_wilson_interval(k: int, n: int) -> None:
    m = macro_mean(_subjects([k / n], n=n))
    wilson = proportion(k, n)
    assert m.value == pytest.approx(wilson.rate)
    # Percentile bootstrap ~ Wald; Wilson leans toward 0.5, most at p = 0.2 (about 0.01 there).
    assert m.low == pytest.approx(wilson.low, abs=0.015) and m.high == pytest.approx(wilson.high, abs=0.015)


def test_the_interval_is_deterministic_for_a_seed() -> None:
    groups = _subjects([0.35, 0.6, 0.75], n=60)
    assert macro_mean(groups, seed=7) == macro_mean(groups, seed=7)
    other = macro_mean(groups, seed=8)
    assert other.value == macro_mean(groups, seed=7).value and other.low == pytest.approx(macro_mean(groups, seed=7).low, abs=0.02)


def test_resampling_stays_within_each_subject() -> None:
    # Two subjects, one all right and one all wrong: resampling within subjects never moves the
    # macro mean (pooled resampling would).
    m = macro_mean([[True] * 30, [False] * 30])
    assert (m.value, m.low, m.high) == (0.5, 0.5, 0.5)


def test_one_item_subjects_enter_as_constants() -> None:
    groups = _subjects([0.5, 0.7], n=50) + [[True], [False], [True]]
    m = macro_mean(groups)
    assert m.subjects == 5 and m.value == pytest.approx((0.5 + 0.7 + 1 + 0 + 1) / 5)
    assert m.low < m.value < m.high
    only_singletons = macro_mean([[True], [False]])
    assert only_singletons.value == 0.5 and math.isnan(only_singletons.low) and math.isnan(only_singletons.high)
    assert math.isnan(macro_mean([]).value)


def test_mcq_metrics_log_the_macro_interval_overall_and_per_category_and_group() -> None:
    records = []
    for s, (category, rate) in enumerate([("STEM", 0.4), ("STEM", 0.8), ("Humanities", 0.6), ("Humanities", 0.5)]):
        for i, correct in enumerate(_subjects([rate], n=30, seed=s)[0]):
            groups = ["Hard"] if s < 2 else []
            records.append({"id": f"s{s}/{i}", "subject": f"s{s}", "category": category, "groups": groups, "answer": "A", "prediction": "A" if correct else "B", "correct": correct})
    metrics = mcq_metrics("suite", records)
    for prefix in ("suite", "suite/category/STEM", "suite/category/Humanities", "suite/group/Hard"):
        low, value, high = (metrics[f"{prefix}/accuracy_macro{s}"] for s in ("_ci_low", "", "_ci_high"))
        assert low < value < high, prefix
    assert metrics["suite/accuracy_macro"] == pytest.approx((0.4 + 0.8 + 0.6 + 0.5) / 4)
    assert metrics["suite/category/STEM/accuracy_macro"] == pytest.approx(0.6)
