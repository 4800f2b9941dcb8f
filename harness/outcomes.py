"""A run's headline metrics recomputed item by item from its per-item results (items/<suite>.jsonl),
so that several models can be resampled together: the composite ranking (harness/selection.py) and
the vertical uplift (harness/uplift.py) both bootstrap items, and pair them across models by id.

Every supported metric is a ratio of sums over items (`num / den` per item), or the mean of such
ratios over strata where the suite's official aggregate averages subjects:

| metric | per item | aggregate |
|---|---|---|
| `<suite>/accuracy`, `<suite>/accuracy_macro` (multiple choice) | correct / 1, original option order | pooled; mean over subjects |
| `<suite>/score` (public benchmark) | points / max points; items the official code skips 0 / 0 | the benchmark's own (pooled or mean over subjects) |
| `<suite>/exact_match`, `char_f1`, `rouge_l` (short answers) | the item's score / 1 | pooled |
| `<suite>/rubric/pass_rate` (open questions) | pass / 1, undecided 0 / 0 | pooled |
| `<suite>/<bank>/refusal_rate`, `pass_rate` (safety banks) | refused or passed / 1, undecided 0 / 0 | pooled |
| `<suite>/choice/accuracy[_macro]`, `<suite>/short/<measure>`, `<suite>/open/pass_rate` (scenario sets) | as above, on the items of that type | as above |

A stratum is a subject (multiple choice, public benchmarks, short answers): the bootstrap resamples
items within it, as the runs' own macro and benchmark intervals do. A safety bank is one stratum:
its rate is one proportion (Wilson interval in the run), and its risk strata hold two or three items
in the project's samples, where resampling within strata understates the variance (by (n-1)/n each). The recomputed value must
equal the value the run logged; anything else means the items are not the ones the metric was made
from, and nothing is ranked on them.
"""

import hashlib
import math
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mlflow import MlflowClient
from mlflow.entities import Run

from harness.scoring.verdict import outcome
from harness.evidence import names
from harness.scoring.official import SCORERS
from harness.scoring.statistics import resample_counts
from harness.store import read_items

BANKS = ("generated", "should_refuse", "should_not_refuse")
SHORT_MEASURES = names.REFERENCE_MEASURES
# Logged value and recomputed value may differ by float summation order only.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class MetricSpec:
    """A metric name the item files can reproduce."""

    name: str  # as logged, e.g. "zh_mcq_sample/accuracy"
    suite: str
    kind: str  # "mcq" | "benchmark" | "short" | "open" | "bank"
    measure: str
    bank: str | None = None
    part: str | None = None  # a scenario set's item type (choice | short | open): its metrics sit under it

    @property
    def universe(self) -> tuple[str, str]:
        """The item set the metric is computed over: metrics on one universe share resamples."""
        return self.suite, self.bank or self.part or self.kind

    @property
    def binary(self) -> bool:
        """Every item counts 0 or 1 (or is left out) in a pooled rate: a paired 2x2 table applies."""
        return self.kind in ("mcq", "bank", "open") and self.measure != "accuracy_macro" or (self.kind == "short" and self.measure == "exact_match")

    @property
    def label(self) -> str:
        return self.name.replace("/", " ")


def parse_metric(name: str) -> MetricSpec | None:
    """The spec of a metric the item files reproduce, None for any other name."""
    parts = name.split("/")
    if len(parts) == 2 and parts[1] in ("accuracy", "accuracy_macro"):
        return MetricSpec(name, parts[0], "mcq", parts[1])
    if len(parts) == 2 and parts[1] == names.BENCHMARK_SCORE:
        return MetricSpec(name, parts[0], "benchmark", parts[1])
    if len(parts) == 2 and parts[1] in SHORT_MEASURES:
        return MetricSpec(name, parts[0], "short", parts[1])
    if len(parts) == 3 and parts[1:] == [names.RUBRIC, "pass_rate"]:
        return MetricSpec(name, parts[0], "open", "pass_rate")
    if len(parts) == 3 and parts[1] in names.SCENARIO_PARTS:
        suite, part, measure = parts
        kind = {"choice": "mcq" if measure in ("accuracy", "accuracy_macro") else None, "short": "short" if measure in SHORT_MEASURES else None,
                "open": "open" if measure == "pass_rate" else None}[part]
        return MetricSpec(name, suite, kind, measure, part=part) if kind else None
    if len(parts) == 3 and parts[1] in BANKS and parts[2] == names.rate_name(parts[1]):
        return MetricSpec(name, parts[0], "bank", parts[2], parts[1])
    return None


@dataclass(frozen=True)
class Outcome:
    digest: str | None  # the prompt digest, where the record carries one
    stratum: str
    num: float
    den: float


@dataclass(frozen=True)
class Outcomes:
    """One run's items for one metric, by item id."""

    spec: MetricSpec
    macro: bool
    items: dict[str, Outcome]

    def value(self, keys: Iterable[str] | None = None) -> float:
        """The metric over these items (all by default), as the run aggregates it."""
        chosen = [self.items[k] for k in (self.items if keys is None else keys) if k in self.items]
        by_stratum: dict[str, list[float]] = {}
        for o in chosen:
            sums = by_stratum.setdefault(o.stratum if self.macro else "", [0.0, 0.0])
            sums[0] += o.num
            sums[1] += o.den
        ratios = [num / den for num, den in by_stratum.values() if den]
        if not ratios:
            return float("nan")
        return sum(ratios) / len(ratios) if self.macro else sum(n for n, _ in by_stratum.values()) / sum(d for _, d in by_stratum.values())


class ItemCache:
    """Per-item results of runs, each file downloaded once (a comparison reads every run's files)."""

    def __init__(self, client: MlflowClient) -> None:
        self.client = client
        self._tmp = tempfile.TemporaryDirectory(prefix="harness-items-")
        self._files: dict[tuple[str, str], list[dict] | None] = {}

    def records(self, run_id: str, suite: str) -> list[dict] | None:
        key = (run_id, suite)
        if key not in self._files:
            try:
                local = self.client.download_artifacts(run_id, f"{names.A_ITEMS_DIR}/{suite}.jsonl", str(Path(self._tmp.name) / run_id))
                self._files[key] = read_items(Path(local))
            except Exception:  # an older or failed run without per-item results: the caller names it
                self._files[key] = None
        return self._files[key]

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> "ItemCache":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class OutcomeError(ValueError):
    """A run's items cannot reproduce a metric it logged (or hold none)."""


def read_outcomes(cache: ItemCache, run: Run, spec: MetricSpec) -> Outcomes:
    """The run's items for `spec`, checked against the value the run logged."""
    records = cache.records(run.info.run_id, spec.suite)
    if records is None:
        raise OutcomeError(f"run {run.info.run_id} has no per-item results for {spec.suite} ({names.A_ITEMS_DIR}/{spec.suite}.jsonl)")
    macro = spec.measure == "accuracy_macro"
    if spec.kind == "benchmark":
        benchmark = run.data.params.get(names.suite_param(spec.suite, "benchmark"), "")
        if benchmark not in SCORERS:
            raise OutcomeError(f"run {run.info.run_id}: {spec.suite} is not a public benchmark suite (param {names.suite_param(spec.suite, 'benchmark')} is {benchmark or 'missing'})")
        macro = SCORERS[benchmark].AGGREGATE == "macro"
    items = {r["id"]: o for r in records if (o := _outcome(spec, r)) is not None}
    outcomes = Outcomes(spec, macro, items)
    logged = run.data.metrics.get(spec.name)
    if logged is None:
        raise OutcomeError(f"run {run.info.run_id} logged no metric {spec.name}")
    if not _same(outcomes.value(), logged):
        raise OutcomeError(f"run {run.info.run_id}: {spec.name} recomputed from its items is {outcomes.value():.6f}, logged {logged:.6f}: the items are not what the metric was made from")
    return outcomes


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOLERANCE


def _outcome(spec: MetricSpec, r: dict) -> Outcome | None:
    """One item's contribution to the metric; None where the item is not part of it."""
    digest = r.get("prompt_digest")
    if spec.part is not None and r.get("type") != spec.part:
        return None
    if spec.kind == "mcq":
        return None if r.get("rotation", 0) else Outcome(digest, r["subject"], float(bool(r["correct"])), 1.0)
    if spec.kind == "benchmark":
        skipped = r["points"] is None  # the official code leaves the item out
        return Outcome(digest, r["subject"], 0.0 if skipped else float(r["points"]), 0.0 if skipped else float(r["max_points"]))
    if spec.kind == "short":
        if r.get("type") != "short":
            return None
        value = float(r["exact_match"] == 1.0) if spec.measure == "exact_match" else float(r[spec.measure])
        return Outcome(digest, r.get("subject") or "unspecified", value, 1.0)
    if spec.kind == "open":
        if r.get("type") != "open":
            return None
        decided = r.get("verdict") in ("pass", "fail")
        return Outcome(digest, r.get("subject") or "unspecified", float(r.get("verdict") == "pass"), float(decided))
    if r.get("bank") != spec.bank:
        return None
    decision = outcome(r)
    return Outcome(digest, "", float(bool(decision)), 0.0 if decision is None else 1.0)


@dataclass(frozen=True)
class Resampler:
    """Bootstrap values of metrics for several models at once, items paired across the models by id
    and resampled within their stratum with the same draws for every model, seeded. The draws depend
    only on the seed, the item set (suite, bank or kind) and its item ids, so every metric on one item
    set is resampled alike (a composite of two metrics of one suite stays coherent). A model without
    an item contributes nothing for it."""

    resamples: int
    seed: int

    def values(self, per_model: list[Outcomes]) -> np.ndarray:
        """resamples x models: the metric of each model in each resample (NaN where a resample
        leaves a model nothing to count)."""
        spec, macro = per_model[0].spec, per_model[0].macro
        strata: dict[str, set[str]] = {}
        for outcomes in per_model:
            for key, o in outcomes.items.items():
                strata.setdefault(o.stratum, set()).add(key)
        rng = np.random.default_rng([self.seed, int.from_bytes(hashlib.sha256("\0".join(spec.universe).encode()).digest()[:8], "big")])
        shape = (self.resamples, len(per_model))
        num_total, den_total, ratio_sum, ratio_count = np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for stratum in sorted(strata):
            keys = sorted(strata[stratum])
            nums = np.array([[m.items[k].num if k in m.items else 0.0 for m in per_model] for k in keys])
            dens = np.array([[m.items[k].den if k in m.items else 0.0 for m in per_model] for k in keys])
            num_chunks, den_chunks = [], []
            for counts in resample_counts(len(keys), self.resamples, rng):
                num_chunks.append(counts @ nums)
                den_chunks.append(counts @ dens)
            num, den = np.concatenate(num_chunks), np.concatenate(den_chunks)
            num_total += num
            den_total += den
            if macro:
                counted = den > 0
                ratio_sum += np.where(counted, num / np.where(counted, den, 1.0), 0.0)
                ratio_count += counted
        top, bottom = (ratio_sum, ratio_count) if macro else (num_total, den_total)
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)
