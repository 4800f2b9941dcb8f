"""Simulated model pairs for checking the uplift test's error rates (tests/test_uplift_simulation.py,
scripts/uplift_simulation.py): how often it calls a difference between two models of equal true
accuracy (the false-positive rate, which should be alpha up to sampling error) and how often it
finds a true one (power).

Two models answer the same items. Items differ in difficulty, and that is what correlates the two
models' outcomes, as it does for real models on a benchmark: item i has a difficulty z_i ~ N(0,
sigma^2), and model m answers it right with probability Phi(mu_m - z_i), independently of the other
model given the item. mu_m is set so that model m's accuracy over the item population is exactly
its target. With equal targets the pair is a true null: discordant items are equally likely either
way. Continuous scores (character F1 and the like) are the same latent made into a score in [0, 1].
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from harness.outcomes import MetricSpec, Outcome, Outcomes
from harness.uplift import ALPHA, Gain, paired_gain

BINARY = MetricSpec("simulated/accuracy", "simulated", "mcq", "accuracy")
CONTINUOUS = MetricSpec("simulated/char_f1", "simulated", "short", "char_f1")
# Item difficulty spread: gives the outcome correlation (phi) of two models of ~60% accuracy about
# 0.45, in the range measured between real LLMs on shared benchmark items.
SIGMA = 1.5


@dataclass(frozen=True)
class Scenario:
    items: int
    accuracy_a: float  # the vertical model's true accuracy (mean score, continuous)
    accuracy_b: float  # the base model's
    continuous: bool = False

    @property
    def difference(self) -> float:
        return self.accuracy_a - self.accuracy_b


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    replications: int
    called: int  # replications where the test called a difference (either direction)
    called_right_way: int  # ... in the true direction (for a null pair: called higher)
    covered: int  # replications whose interval holds the true difference
    phi: float  # mean outcome correlation of the pair (binary scenarios; NaN otherwise)

    @property
    def rate(self) -> float:
        return self.called / self.replications

    @property
    def coverage(self) -> float:
        return self.covered / self.replications

    @property
    def sampling_error(self) -> float:
        """Two standard errors of a rejection rate of alpha over these replications."""
        return 2 * float(np.sqrt(ALPHA * (1 - ALPHA) / self.replications))


def _location(accuracy: float) -> float:
    """mu with P(right) = accuracy over items: Phi(mu / sqrt(1 + sigma^2)) = accuracy."""
    return float(norm.ppf(accuracy) * np.sqrt(1 + SIGMA**2))


def draw_pair(scenario: Scenario, rng: np.random.Generator) -> tuple[Outcomes, Outcomes]:
    """One replication: both models' outcomes on `scenario.items` fresh items."""
    z = rng.normal(0.0, SIGMA, scenario.items)
    sides = []
    for accuracy in (scenario.accuracy_a, scenario.accuracy_b):
        latent = _location(accuracy) - z + rng.normal(0.0, 1.0, scenario.items)
        # Binary: right when the latent is positive (so P = Phi(mu - z)); continuous: a score in
        # [0, 1] whose mean over items is the target (the latent's own CDF).
        values = norm.cdf(latent / np.sqrt(1 + SIGMA**2)) if scenario.continuous else (latent > 0).astype(float)
        sides.append(values)
    spec = CONTINUOUS if scenario.continuous else BINARY
    return tuple(Outcomes(spec, False, {f"q{i}": Outcome(None, "", float(v), 1.0) for i, v in enumerate(values)}) for values in sides)  # type: ignore[return-value]


def simulate(scenario: Scenario, replications: int, seed: int = 0, resamples: int = 1000) -> Result:
    """Run the uplift test (harness.uplift.paired_gain) on `replications` independent pairs."""
    rng = np.random.default_rng(seed)
    called = right_way = covered = 0
    phis = []
    truth = _true_difference(scenario)
    for replication in range(replications):
        a, b = draw_pair(scenario, rng)
        gain: Gain = paired_gain(a, b, resamples=resamples, seed=replication)
        if gain.call != "none":
            called += 1
            right_way += gain.call == ("lower" if scenario.difference < 0 else "higher")
        covered += gain.low <= truth <= gain.high
        if gain.counts is not None:
            phis.append(_phi(gain))
    return Result(scenario, replications, called, right_way, covered, float(np.nanmean(phis)) if phis else float("nan"))


def _true_difference(scenario: Scenario) -> float:
    """The population difference the interval should cover. A continuous score Phi(L / s) with
    L ~ N(mu, s^2), s^2 = 1 + sigma^2, has mean Phi(Phi^-1(accuracy) / sqrt(2)), not the accuracy."""
    if not scenario.continuous:
        return scenario.difference
    mean = lambda accuracy: float(norm.cdf(norm.ppf(accuracy) / np.sqrt(2)))  # noqa: E731
    return mean(scenario.accuracy_a) - mean(scenario.accuracy_b)


def _phi(gain: Gain) -> float:
    c = gain.counts
    assert c is not None
    margins = (c.both + c.a_only) * (c.b_only + c.neither) * (c.both + c.b_only) * (c.a_only + c.neither)
    return (c.both * c.neither - c.a_only * c.b_only) / np.sqrt(margins) if margins else float("nan")
