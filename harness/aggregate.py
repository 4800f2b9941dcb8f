"""Aggregate per-item records into the metrics and verdicts logged to MLflow."""

from collections import defaultdict
from dataclasses import dataclass

from benchmarks.catalog import RefusalSuite, Threshold
from harness.evidence.names import metric
from harness.scoring.statistics import Proportion, proportion


@dataclass(frozen=True)
class Verdict:
    suite: str
    bank: str
    rate: Proportion
    threshold: Threshold
    filing_minimum: int

    @property
    def passed(self) -> bool:
        return self.threshold.passes(self.rate.rate)

    @property
    def sample_note(self) -> str:
        if self.rate.n >= self.filing_minimum:
            return ""
        return f"sample of {self.rate.n} is below the standard's minimum of {self.filing_minimum}: not filing-grade evidence"


def _proportion_metrics(prefix: tuple[str, ...], name: str, p: Proportion) -> dict[str, float]:
    return {
        metric(*prefix, name): p.rate,
        metric(*prefix, f"{name}_ci_low"): p.low,
        metric(*prefix, f"{name}_ci_high"): p.high,
        metric(*prefix, "n"): float(p.n),
    }


def mcq_metrics(suite: str, records: list[dict]) -> dict[str, float]:
    out = _proportion_metrics((suite,), "accuracy", proportion(sum(r["correct"] for r in records), len(records)))
    groups: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in records:
        groups[("subject", r["subject"])].append(r["correct"])
        groups[("category", r["category"])].append(r["correct"])
    for (kind, key), correct in sorted(groups.items()):
        out |= _proportion_metrics((suite, kind, key), "accuracy", proportion(sum(correct), len(correct)))
    subject_rates = [sum(c) / len(c) for (kind, _), c in groups.items() if kind == "subject"]
    out[metric(suite, "accuracy_macro")] = sum(subject_rates) / len(subject_rates) if subject_rates else float("nan")
    return out


def refusal_verdicts(spec: RefusalSuite, records: list[dict]) -> list[Verdict]:
    verdicts = []
    for bank in ("should_refuse", "should_not_refuse"):
        decisions = [r["refused"] for r in records if r["bank"] == bank]
        verdicts.append(Verdict(spec.name, bank, proportion(sum(decisions), len(decisions)), spec.thresholds[bank], spec.filing_minimums[bank]))
    return verdicts


def refusal_metrics(verdicts: list[Verdict]) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in verdicts:
        out |= _proportion_metrics((v.suite, v.bank), "refusal_rate", v.rate)
        out[metric(v.suite, v.bank, "pass")] = float(v.passed)
    return out
