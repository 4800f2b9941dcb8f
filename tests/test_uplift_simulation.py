"""The uplift test and the selection's neighbour test on 1,000 simulated replications each
(harness/simulation.py): on models of equal true accuracy they call a difference at about alpha
(the uplift test) or at most alpha (the Holm-adjusted neighbour tests), and the uplift test finds a
real 10-point gain on 300 items. Seeded, so the measured rates are fixed; each printed (pytest -s). No engine."""

import math

from harness.simulation import Scenario, simulate, simulate_neighbours
from harness.uplift import ALPHA

REPLICATIONS = 1000
# Three standard errors of a rate of alpha over the replications.
TOLERANCE = 3 * math.sqrt(ALPHA * (1 - ALPHA) / REPLICATIONS)


def test_the_paired_test_of_rates_calls_a_null_pair_at_about_alpha() -> None:
    r = simulate(Scenario(150, 0.60, 0.60), REPLICATIONS, seed=0)
    print(f"McNemar mid-p, 150 items, equal accuracy 0.60: false-positive rate {r.rate:.3f}, coverage {r.coverage:.3f}")
    assert abs(r.rate - ALPHA) <= TOLERANCE
    assert r.called_right_way <= r.called  # a null pair: calls go either way
    assert r.coverage >= 1 - ALPHA - TOLERANCE


def test_the_paired_bootstrap_calls_a_null_pair_at_about_alpha() -> None:
    r = simulate(Scenario(150, 0.60, 0.60, continuous=True), REPLICATIONS, seed=0)
    print(f"paired bootstrap, 150 items, continuous score: false-positive rate {r.rate:.3f}, coverage {r.coverage:.3f}")
    assert abs(r.rate - ALPHA) <= TOLERANCE


def test_a_real_ten_point_gain_is_found_on_300_items() -> None:
    r = simulate(Scenario(300, 0.70, 0.60), REPLICATIONS, seed=0)
    print(f"McNemar mid-p, 300 items, 0.70 vs 0.60: power {r.rate:.3f}, coverage {r.coverage:.3f}")
    assert r.rate > 0.8 and r.called_right_way == r.called
    assert r.coverage >= 1 - ALPHA - TOLERANCE


def test_the_neighbour_tests_call_equal_candidates_at_most_at_alpha() -> None:
    two = simulate_neighbours(150, 2, 0.60, REPLICATIONS, seed=0)
    three = simulate_neighbours(150, 3, 0.60, REPLICATIONS, seed=0)
    print(f"neighbour test, equal candidates: 2 -> {two.rate:.3f}, 3 -> {three.rate:.3f} (some pair called)")
    assert abs(two.rate - ALPHA) <= TOLERANCE  # one pair: no adjustment, a plain two-sided test
    assert three.rate <= ALPHA + TOLERANCE  # the family-wise rate, held by Holm
