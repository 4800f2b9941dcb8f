"""Simulated models for checking the error rates of the uplift test and of the selection's
neighbour test (tests/test_uplift_simulation.py, scripts/uplift_simulation.py): how often each calls
a difference between models of equal true accuracy (the false-positive rate, which should be alpha
up to sampling error, or below it for the Holm-adjusted neighbour tests) and how often the uplift
test finds a true one (power).

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

from harness.outcomes import MetricSpec, Outcome, Outcomes, Resampler
from harness.selection import neighbour_tests
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


def draw_models(items: int, accuracies: list[float], continuous: bool, rng: np.random.Generator) -> list[Outcomes]:
    """One replication: each model's outcomes on the same `items` fresh items."""
    z = rng.normal(0.0, SIGMA, items)
    out = []
    for accuracy in accuracies:
        latent = _location(accuracy) - z + rng.normal(0.0, 1.0, items)
        # Binary: right when the latent is positive (so P = Phi(mu - z)); continuous: a score in
        # [0, 1] whose mean over items is the target (the latent's own CDF).
        values = norm.cdf(latent / np.sqrt(1 + SIGMA**2)) if continuous else (latent > 0).astype(float)
        out.append(Outcomes(CONTINUOUS if continuous else BINARY, False, {f"q{i}": Outcome(None, "", float(v), 1.0) for i, v in enumerate(values)}))
    return out


def draw_pair(scenario: Scenario, rng: np.random.Generator) -> tuple[Outcomes, Outcomes]:
    a, b = draw_models(scenario.items, [scenario.accuracy_a, scenario.accuracy_b], scenario.continuous, rng)
    return a, b


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


@dataclass(frozen=True)
class NeighbourResult:
    items: int
    models: int
    replications: int
    any_called: int  # replications where some neighbouring difference was called significant (Holm)
    pairs_called: int  # neighbouring pairs called, over all replications

    @property
    def rate(self) -> float:
        """The family-wise false-positive rate: at least one neighbouring pair called."""
        return self.any_called / self.replications


def simulate_neighbours(items: int, models: int, accuracy: float, replications: int, seed: int = 0, resamples: int = 1000) -> NeighbourResult:
    """The selection's neighbour test (harness.selection.neighbour_tests, with the ranking's paired
    bootstrap) on `models` candidates of equal true accuracy, the composite a single metric."""
    rng = np.random.default_rng(seed)
    any_called = pairs_called = 0
    labels = [f"m{i}" for i in range(models)]
    for replication in range(replications):
        per_model = draw_models(items, [accuracy] * models, False, rng)
        points = np.array([o.value() for o in per_model])
        draws = Resampler(resamples, replication).values(per_model)
        order = sorted(range(models), key=lambda i: -points[i])
        called = sum(n.significant for n in neighbour_tests(labels, order, points, draws))
        any_called += called > 0
        pairs_called += called
    return NeighbourResult(items, models, replications, any_called, pairs_called)
