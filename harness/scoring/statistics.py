"""Rates with their sample sizes and confidence intervals (SciPy's Wilson interval), and macro
averages over subjects with a stratified bootstrap interval (SciPy's bootstrap)."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest, bootstrap

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Proportion:
    k: int
    n: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.k / self.n if self.n else float("nan")

    def __str__(self) -> str:
        return f"{self.rate:.1%} [{self.low:.1%}, {self.high:.1%}] (n={self.n})"


def proportion(k: int, n: int) -> Proportion:
    if n == 0:
        return Proportion(0, 0, float("nan"), float("nan"))
    ci = binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return Proportion(k, n, float(ci.low), float(ci.high))


@dataclass(frozen=True)
class MacroMean:
    """The mean of per-subject accuracies, with a 95% bootstrap interval stratified by subject."""

    value: float
    low: float
    high: float
    subjects: int
    n: int  # items over all subjects


BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


def macro_mean(groups: Sequence[Sequence[float]], *, n_resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> MacroMean:
    """Mean of the groups' means; CI by SciPy's bootstrap, each group (subject) a separate sample, so
    items are resampled within their subject and every resample keeps each subject's size.

    Percentile method, not BCa: the statistic is a bounded mean of many means, close to normal at
    these sizes, where the two agree; BCa's jackknife costs one evaluation per item and is undefined
    when every subject is answered all right or all wrong (small --limit samples), while the
    percentile interval is always defined. A one-item subject resamples to itself: it enters as a
    constant (SciPy's bootstrap takes samples of two or more). With no subject of two or more items
    there is nothing to resample and the interval is NaN. Seeded: the same data give the same interval."""
    arrays = [np.asarray(g, dtype=float) for g in groups if len(g)]
    if not arrays:
        return MacroMean(float("nan"), float("nan"), float("nan"), 0, 0)
    k = len(arrays)
    value = float(np.mean([a.mean() for a in arrays]))
    n = sum(a.size for a in arrays)
    varying = [a for a in arrays if a.size > 1]
    if not varying:
        return MacroMean(value, float("nan"), float("nan"), k, n)
    fixed = float(sum(a[0] for a in arrays if a.size == 1))

    def statistic(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
        return (sum(s.mean(axis=axis) for s in samples) + fixed) / k

    result = bootstrap(
        varying, statistic, n_resamples=n_resamples, vectorized=True, method="percentile",
        confidence_level=CONFIDENCE, rng=np.random.default_rng(seed),
    )
    ci = result.confidence_interval
    return MacroMean(value, float(ci.low), float(ci.high), k, n)
