"""Error rates of the uplift test and of the selection's neighbour test on simulated models
(harness/simulation.py): false-positive rates on pairs of equal true accuracy, power and interval
coverage where the difference is real. The numbers of docs/selection.md come from

    .venv/bin/python scripts/uplift_simulation.py --replications 1000
"""

import argparse

from harness.simulation import Scenario, simulate, simulate_neighbours
from harness.uplift import ALPHA

SCENARIOS = (
    Scenario(150, 0.60, 0.60),  # the demo's multiple-choice sample size, equal accuracy
    Scenario(500, 0.30, 0.30),
    Scenario(150, 0.60, 0.60, continuous=True),  # a continuous score: the paired bootstrap
    Scenario(150, 0.70, 0.60),  # a real 10-point gain
    Scenario(300, 0.70, 0.60),
    Scenario(500, 0.33, 0.30),  # a real 3-point gain on a larger set
)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"alpha = {ALPHA:.2f}; {args.replications} replications per line; +- is two standard errors of a rate of alpha")
    print("uplift test (harness.uplift.paired_gain):")
    for scenario in SCENARIOS:
        r = simulate(scenario, args.replications, seed=args.seed)
        kind = "continuous, paired bootstrap" if scenario.continuous else "binary, McNemar mid-p"
        what = f"false-positive rate {r.rate:.3f} (+-{r.sampling_error:.3f})" if scenario.difference == 0 else f"power {r.rate:.3f}"
        correlation = "" if scenario.continuous else f", outcome correlation {r.phi:.2f}"
        print(f"  {scenario.items} items, {scenario.accuracy_a:.2f} vs {scenario.accuracy_b:.2f} ({kind}): {what}, interval coverage {r.coverage:.3f}{correlation}")
    print("neighbour test of the composite ranking (harness.selection.neighbour_tests), equal accuracy 0.60:")
    for models in (2, 3, 5):
        n = simulate_neighbours(150, models, 0.60, args.replications, seed=args.seed)
        print(f"  {models} candidates, 150 items: some neighbouring pair called in {n.rate:.3f} of replications (Holm over {models - 1} pairs)")


if __name__ == "__main__":
    main()
