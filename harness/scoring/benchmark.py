"""Public sector benchmarks through the engine: each item's official prompt is generated from (or,
for a likelihood benchmark, each choice is scored), then the benchmark's official scorer reads the
response; metrics aggregate the items as the official code does, with a bootstrap interval."""

import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from benchmarks.sector.base import BenchItem
from harness.engines import Engine, Sampling
from harness.evidence.names import BENCHMARK_SCORE as SCORE
from harness.evidence.names import metric
from harness.scoring.official.base import LikelihoodScorer, OfficialScorer, Scored
from harness.scoring.statistics import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE
from harness.store import ItemWriter

BATCH_ITEMS = 32


def _responses(engine: Engine, batch: Sequence[BenchItem], official: OfficialScorer, sampling: Sampling, chat: bool) -> list[tuple[str, Scored]]:
    if isinstance(official, LikelihoodScorer):
        choices = official.CHOICES
        requests = [(official.context(item), c) for item in batch for c in choices]
        results = engine.loglikelihood(requests)
        out = []
        for i, item in enumerate(batch):
            logprobs = {c: r.logprob for c, r in zip(choices, results[i * len(choices) : (i + 1) * len(choices)], strict=True)}
            out.append(("", official.score_likelihood(item, logprobs)))
        return out
    if chat or official.CHAT:
        texts = engine.chat([item.prompt.as_messages() for item in batch], sampling)
    else:
        texts = engine.generate([item.prompt.as_text() for item in batch], sampling)
    return [(text, official.score(item, text)) for item, text in zip(batch, texts, strict=True)]


def score_benchmark(
    engine: Engine, items: Sequence[BenchItem], official: OfficialScorer, sampling: Sampling, chat: bool, writer: ItemWriter, *, progress: bool = True
) -> list[dict]:
    records = []
    with tqdm(total=len(items), desc="sector benchmark", unit="item", disable=not progress) as bar:
        for start in range(0, len(items), BATCH_ITEMS):
            batch = items[start : start + BATCH_ITEMS]
            for item, (response, scored) in zip(batch, _responses(engine, batch, official, sampling, chat), strict=True):
                record = {
                    "id": item.id,
                    "subject": item.subject,
                    "response": response,
                    "prediction": scored.prediction,
                    "points": scored.points,
                    "max_points": scored.max_points,
                    "abstained": scored.abstained,
                    "reference": dict(item.reference),
                    **scored.extra,
                }
                writer.write(record)
                records.append(record)
            bar.update(len(batch))
    return records


def _bootstrap(points: dict[str, np.ndarray], maxima: dict[str, np.ndarray], macro: bool) -> tuple[float, float]:
    """Percentile interval of the official aggregate, items resampled within their subject."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    earned, available = [], []
    for subject in sorted(points):
        idx = rng.integers(0, points[subject].size, size=(BOOTSTRAP_RESAMPLES, points[subject].size))
        earned.append(points[subject][idx].sum(axis=1))
        available.append(maxima[subject][idx].sum(axis=1))
    e, a = np.array(earned), np.array(available)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.nanmean(e / a, axis=0) if macro else e.sum(axis=0) / a.sum(axis=0)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.nanpercentile(stat, [tail, 100 - tail])
    return float(low), float(high)


def _key(name: str) -> str:
    """A subject name as an MLflow metric segment (word characters, '.', '-', ' ' only)."""
    return re.sub(r"[^\w.\- ]", "_", name)


def benchmark_metrics(suite: str, records: list[dict], official: OfficialScorer) -> dict[str, float]:
    """`<suite>/score` is the official aggregate (micro: points over maximum points; macro: the mean
    of subject scores) with its 95% bootstrap interval and n (items scored); per subject the same;
    `<suite>/excluded` counts items the official code leaves out; `<suite>/abstention_rate` the share
    of responses naming no answer; then the benchmark's further official numbers."""
    scored = [r for r in records if r["points"] is not None]
    points: dict[str, list[float]] = defaultdict(list)
    maxima: dict[str, list[float]] = defaultdict(list)
    for r in scored:
        points[r["subject"]].append(r["points"])
        maxima[r["subject"]].append(r["max_points"])
    subject_scores = {s: sum(points[s]) / sum(maxima[s]) for s in sorted(points) if sum(maxima[s])}
    macro = official.AGGREGATE == "macro"
    out: dict[str, float] = {metric(suite, "n"): float(len(scored)), metric(suite, "excluded"): float(len(records) - len(scored))}
    if subject_scores:
        total = sum(subject_scores.values()) / len(subject_scores) if macro else sum(map(sum, points.values())) / sum(map(sum, maxima.values()))
        low, high = _bootstrap({s: np.asarray(v) for s, v in points.items()}, {s: np.asarray(v) for s, v in maxima.items()}, macro)
        out |= {metric(suite, SCORE): total, metric(suite, f"{SCORE}_ci_low"): low, metric(suite, f"{SCORE}_ci_high"): high}
    for s, value in subject_scores.items():
        out |= {metric(suite, "subject", _key(s), SCORE): value, metric(suite, "subject", _key(s), "n"): float(len(points[s]))}
    if records:
        out[metric(suite, "abstention_rate")] = sum(r["abstained"] for r in records) / len(records)
    extra = getattr(official, "extra_metrics", None)
    if extra is not None and records:
        out |= {metric(suite, *map(_key, name.split("/"))): value for name, value in extra(records).items()}
    return out
