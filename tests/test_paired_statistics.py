"""Paired comparisons of two models on the same items (harness.scoring.statistics): McNemar mid-p,
Newcombe's paired interval, the paired bootstrap and Holm's adjustment. No engine."""

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from harness.scoring.statistics import (
    PairedCounts,
    bootstrap_p_value,
    holm,
    mcnemar_midp,
    newcombe_paired_interval,
    paired_bootstrap,
    resample_counts,
    wilson,
)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (57, 150), (149, 150)])
def test_wilson_is_scipys_wilson_interval(k: int, n: int) -> None:
    ci = binomtest(k, n).proportion_ci(method="wilson")
    assert wilson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)


@pytest.mark.parametrize(("a_only", "b_only"), [(3, 9), (9, 3), (0, 5), (6, 6), (1, 20)])
def test_mcnemar_mid_p_is_the_exact_test_less_half_the_observed_probability(a_only: int, b_only: int) -> None:
    counts = PairedCounts(40, a_only, b_only, 30)
    m, low = a_only + b_only, min(a_only, b_only)
    # Both tails by enumeration, each observed point counted half; an even split is no evidence (1).
    extreme = sum(binom.pmf(x, m, 0.5) for x in range(m + 1) if min(x, m - x) <= low)
    expected = 1.0 if 2 * low == m else extreme - binom.pmf(low, m, 0.5)
    assert mcnemar_midp(counts) == pytest.approx(expected)
    assert mcnemar_midp(counts) < binomtest(a_only, m, 0.5).pvalue or a_only == b_only


def test_mcnemar_without_discordant_pairs_shows_no_difference() -> None:
    assert mcnemar_midp(PairedCounts(10, 0, 0, 5)) == 1.0


@pytest.mark.parametrize("counts", [PairedCounts(40, 12, 3, 45), PairedCounts(0, 5, 0, 0), PairedCounts(90, 0, 0, 10), PairedCounts(20, 2, 9, 19)])
def test_newcombes_interval_holds_the_difference_within_minus_one_and_one(counts: PairedCounts) -> None:
    low, high = newcombe_paired_interval(counts)
    assert -1 <= low <= counts.difference <= high <= 1
    swapped = newcombe_paired_interval(PairedCounts(counts.both, counts.b_only, counts.a_only, counts.neither))
    assert swapped == pytest.approx((-high, -low))


def test_newcombes_interval_narrows_when_the_models_agree_more() -> None:
    # Same marginal rates (60% vs 50%), more concordant pairs: the paired interval is narrower.
    loose = newcombe_paired_interval(PairedCounts(30, 30, 20, 20))
    tight = newcombe_paired_interval(PairedCounts(50, 10, 0, 40))
    assert tight[1] - tight[0] < loose[1] - loose[0]


def test_resampled_counts_draw_n_items_per_resample() -> None:
    chunks = list(resample_counts(7, 600, np.random.default_rng(0)))
    counts = np.concatenate(chunks)
    assert counts.shape == (600, 7) and (counts.sum(axis=1) == 7).all()
    assert abs(counts.mean() - 1) < 0.05  # each item drawn once per resample on average


def test_the_bootstrap_p_value_is_small_only_when_the_differences_keep_one_sign() -> None:
    assert bootstrap_p_value(np.full(999, 0.02)) == pytest.approx(2 / 1000)
    assert bootstrap_p_value(np.linspace(-1, 1, 1001)) == pytest.approx(1.0)
    assert bootstrap_p_value(np.array([np.nan, np.nan])) != bootstrap_p_value(np.array([np.nan, np.nan]))  # NaN: nothing to test


def test_paired_bootstrap_finds_a_consistent_gain_and_not_a_null_one() -> None:
    rng = np.random.default_rng(3)
    base = rng.random(300)
    better = paired_bootstrap(base + 0.05 + rng.normal(0, 0.02, 300), base, n_resamples=2000)
    assert better.p_value < 0.01 and better.low > 0
    same = paired_bootstrap(base + rng.normal(0, 0.02, 300), base, n_resamples=2000)
    assert same.low < 0 < same.high and same.p_value > 0.05


def test_holm_adjusts_step_down_and_keeps_the_order() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]
    assert holm([0.2, 0.9]) == pytest.approx([0.4, 0.9])
