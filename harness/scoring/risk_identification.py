"""Risk identification's own figure beside accuracy: how often a text is flagged as risky at all
(the bank and its questions: benchmarks/mcq/risk_identification.py)."""

from benchmarks.mcq.risk_identification import NONE_LETTER
from harness.scoring.statistics import Proportion, proportion


def flagged_rates(records: list[dict]) -> dict[str, Proportion]:
    """How often the model flags a text as risky at all (any group), on the original option order, per
    category: on `risky` texts that is the detection recall, on `no_risk` texts the false-positive rate."""
    originals = [r for r in records if r.get("rotation", 0) == 0]
    flagged = {category: [r["prediction"] != NONE_LETTER for r in originals if r["category"] == category] for category in ("risky", "no_risk")}
    return {category: proportion(sum(f), len(f)) for category, f in flagged.items()}
