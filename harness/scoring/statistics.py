"""Rates with their sample sizes and confidence intervals (SciPy's Wilson interval), macro averages
over subjects with a stratified bootstrap interval (SciPy's bootstrap), and paired comparisons of two
models on the same items (McNemar mid-p, Newcombe's interval, paired bootstrap, Holm)."""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri
from scipy.stats import binom, bootstrap

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
    low, high = wilson(k, n)
    return Proportion(k, n, low, high)


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of k successes in n, as SciPy's `binomtest(k, n).proportion_ci(
    method="wilson")` computes it (the same formula, without the exact test SciPy also runs)."""
    p, z = k / n, float(ndtri(0.5 + 0.5 * confidence))
    denominator = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denominator
    delta = z / denominator * math.sqrt(4 * n * p * (1 - p) + z**2)
    return (0.0 if k == 0 else center - delta), (1.0 if k == n else center + delta)


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


# Paired comparisons: two models on the same items (harness/uplift.py, harness/selection.py).


@dataclass(frozen=True)
class PairedCounts:
    """A paired 2x2 table of two models' right/wrong (or refused/complied) answers on the same items."""

    both: int
    a_only: int  # a right, b wrong
    b_only: int
    neither: int

    @property
    def n(self) -> int:
        return self.both + self.a_only + self.b_only + self.neither

    @property
    def rate_a(self) -> float:
        return (self.both + self.a_only) / self.n if self.n else float("nan")

    @property
    def rate_b(self) -> float:
        return (self.both + self.b_only) / self.n if self.n else float("nan")

    @property
    def difference(self) -> float:
        return (self.a_only - self.b_only) / self.n if self.n else float("nan")


def mcnemar_midp(counts: PairedCounts) -> float:
    """Two-sided McNemar mid-p test of equal paired proportions: the exact conditional test (a
    binomial test on the discordant pairs) less half the probability of the observed count. The
    exact test holds its level only by being conservative (its actual size falls well below alpha
    when discordant pairs are few); the mid-p keeps close to alpha and is what Fagerland, Lydersen
    and Laake (BMC Med Res Methodol 2013, 13:91) recommend. 1.0 without discordant pairs."""
    discordant = counts.a_only + counts.b_only
    if discordant == 0:
        return 1.0
    low = min(counts.a_only, counts.b_only)
    return float(min(1.0, 2 * (binom.cdf(low, discordant, 0.5) - 0.5 * binom.pmf(low, discordant, 0.5))))


def newcombe_paired_interval(counts: PairedCounts, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Newcombe's square-and-add interval for the difference of paired proportions (rate_a - rate_b;
    Newcombe, Stat Med 1998;17:2635, method 10): the two Wilson intervals combined with the
    estimated correlation of the two rates, its numerator reduced by n/2 when positive (as
    Fagerland, Lydersen and Laake's reference implementation does). NaN without items."""
    n = counts.n
    if n == 0:
        return float("nan"), float("nan")
    right_a, right_b = counts.both + counts.a_only, counts.both + counts.b_only
    p1, p2 = right_a / n, right_b / n
    (l1, u1), (l2, u2) = wilson(right_a, n, confidence), wilson(right_b, n, confidence)
    margins = right_a * (n - right_a) * right_b * (n - right_b)
    psi = 0.0
    if margins:
        cross = counts.both * counts.neither - counts.a_only * counts.b_only
        psi = (cross - n / 2) / math.sqrt(margins) if cross > n / 2 else min(cross, 0) / math.sqrt(margins)
    d = p1 - p2
    low = d - math.sqrt(max(0.0, (p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * psi * (p1 - l1) * (u2 - p2)))
    high = d + math.sqrt(max(0.0, (p2 - l2) ** 2 + (u1 - p1) ** 2 - 2 * psi * (p2 - l2) * (u1 - p1)))
    return low, high


def resample_counts(n: int, resamples: int, rng: np.random.Generator, chunk: int = 256) -> Iterator[np.ndarray]:
    """Bootstrap resamples of n items as count matrices (chunk x n: how often each item is drawn),
    in chunks, so that resampling many items many times stays within memory: a resampled sum is
    then a matrix product, and several models resampled with the same matrix are paired."""
    for start in range(0, resamples, chunk):
        rows = min(chunk, resamples - start)
        drawn = rng.integers(0, n, size=(rows, n)) + n * np.arange(rows)[:, None] if n else np.zeros((rows, 0), dtype=int)
        yield np.bincount(drawn.ravel(), minlength=rows * n).reshape(rows, n)


def percentile_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The percentile interval of bootstrap values (NaN ones, resamples where the statistic is
    undefined, left out)."""
    tail = (1 - confidence) / 2 * 100
    if np.isnan(values).all():
        return float("nan"), float("nan")
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_p_value(differences: np.ndarray) -> float:
    """Two-sided p-value of "no difference" from bootstrap values of a difference, by inverting the
    percentile interval: the smallest alpha whose interval excludes 0, with the +1 correction that
    keeps it above 0 (so it is never below 2 / (resamples + 1))."""
    values = differences[~np.isnan(differences)]
    if values.size == 0:
        return float("nan")
    below, above = int((values <= 0).sum()), int((values >= 0).sum())
    return float(min(1.0, 2 * (min(below, above) + 1) / (values.size + 1)))


@dataclass(frozen=True)
class PairedMean:
    """The mean paired difference of a continuous score (a - b) with its percentile bootstrap
    interval and p-value."""

    difference: float
    low: float
    high: float
    p_value: float
    n: int


def paired_bootstrap(a: Sequence[float], b: Sequence[float], *, n_resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> PairedMean:
    """Items resampled with replacement, each keeping both models' scores (seeded)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if d.size == 0:
        return PairedMean(float("nan"), float("nan"), float("nan"), float("nan"), 0)
    rng = np.random.default_rng(seed)
    means = np.concatenate([counts @ d / d.size for counts in resample_counts(d.size, n_resamples, rng)])
    low, high = percentile_interval(means)
    return PairedMean(float(d.mean()), low, high, bootstrap_p_value(means), int(d.size))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error rate), in the order given."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [float("nan")] * len(p_values)
    running = 0.0
    for position, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - position) * p_values[i]))
        adjusted[i] = running
    return adjusted
