"""Rates with their sample sizes and confidence intervals (SciPy's Wilson interval)."""

from dataclasses import dataclass

from scipy.stats import binomtest

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
