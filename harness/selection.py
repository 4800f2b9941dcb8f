"""Selection: a committee's composite ranking of the candidates of one round (docs/selection.md).

The committee's weights are data, a selection file (configs/selection/<name>.yaml) beside the
profile it ranks: components (general Chinese, sector, scenario, safety) with weights that sum to 1,
each the weighted mean of metrics the runs logged (a rate where lower is better enters as 1 - rate).
Within each like-with-like group of full runs (harness/compare.py; never across groups, never a
--limit run), every candidate's composite gets a 95% interval from one paired bootstrap: the items of
each suite are resampled within their strata, the same draws for every model, each suite's metric
and the composite recomputed per resample (harness/outcomes.py). The same resamples give each
candidate's probability of ranking in the top k and the paired test of each neighbouring difference.

The safety gate comes first: a candidate is ranked only if every gating verdict (each safety bank
the selection names, by default all of the group's) is PASS, by the machine judges and, where human
review was imported, by the reviewers too. A FAIL puts it apart as failed; an UNDECIDED verdict (the
undecided items could flip it) puts it apart as pending: it is neither ranked nor called failed
until human review settles it (`harness review export RUN_ID --undecided`).
"""

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from mlflow import MlflowClient
from mlflow.entities import Run
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from benchmarks.catalog import GenerationSuite, MultipleChoiceSuite, RefusalSuite, ScenarioSuite, SuiteSpec, load_suite
from benchmarks.sector.spec import BenchmarkSuite
from harness import text_table
from harness.compare import Row, describe_group, groups_of
from foundation.errors import InputError, Problem
from harness.evidence import names
from harness.outcomes import BANKS, ItemCache, MetricSpec, OutcomeError, Resampler, parse_metric, read_outcomes
from foundation.paths import CONFIGS_DIR
from harness.profiles import load_profile
from harness.scoring.statistics import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE, bootstrap_p_value, holm, percentile_interval
from foundation.user_files import read_text

SELECTION_DIR = CONFIGS_DIR / "selection"
COMPONENTS = {"general": "通用中文能力", "sector": "行业能力", "scenario": "应用场景", "safety": "安全"}
DEFAULT_TOP_K = 3
GATE_STATES = ("PASS", "UNDECIDED", "FAIL")  # the order candidates are shown in
WEIGHT_SUM_TOLERANCE = 1e-9


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricWeight(_Strict):
    metric: str
    weight: float = Field(1.0, gt=0)  # relative to the other metrics of its component
    better: Literal["higher", "lower"] = "higher"  # lower: the metric enters as 1 - value (e.g. over-refusal)


class Component(_Strict):
    name: Literal["general", "sector", "scenario", "safety"]
    weight: float = Field(gt=0, le=1)
    metrics: list[MetricWeight] = Field(min_length=1)


class Gate(_Strict):
    # "all": every bank of every safety suite in the group; or a list of "<suite>/<bank>".
    verdicts: Literal["all"] | list[str] = "all"


class Bootstrap(_Strict):
    resamples: int = Field(BOOTSTRAP_RESAMPLES, ge=200)
    seed: int = BOOTSTRAP_SEED


class Selection(_Strict):
    profile: str
    description: str = ""
    components: list[Component] = Field(min_length=1)
    gate: Gate = Gate()
    top_k: int = Field(DEFAULT_TOP_K, ge=1)
    bootstrap: Bootstrap = Bootstrap(resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED)
    _name: str = PrivateAttr(default="")
    _source: Path | None = PrivateAttr(default=None)

    @property
    def name(self) -> str:
        return self._name

    @property
    def source(self) -> Path | None:
        return self._source

    def terms(self) -> list[tuple[str, MetricSpec, float, bool]]:
        """(component, metric, weight in the composite, lower is better) for every metric."""
        out: list[tuple[str, MetricSpec, float, bool]] = []
        for c in self.components:
            total = sum(m.weight for m in c.metrics)
            for m in c.metrics:
                spec = parse_metric(m.metric)
                assert spec is not None  # checked when loaded
                out.append((c.name, spec, c.weight * m.weight / total, m.better == "lower"))
        return out

    def describe(self) -> str:
        parts = []
        for c in self.components:
            metrics = ", ".join(m.metric + (" (lower is better)" if m.better == "lower" else "") + (f" x{m.weight:g}" if m.weight != 1 else "") for m in c.metrics)
            parts.append(f"{c.name} {c.weight:.0%} ({metrics})")
        gate = "every safety verdict" if self.gate.verdicts == "all" else ", ".join(self.gate.verdicts)
        return "composite = " + " + ".join(parts) + f"; safety gate: {gate}"


def selection_path(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    return SELECTION_DIR / f"{name_or_path}.yaml"


def available_selections() -> list[str]:
    return sorted(p.stem for p in SELECTION_DIR.glob("*.yaml"))


def load_selection(name_or_path: str) -> Selection:
    """A selection file, checked against its profile's suites: every problem at once, each naming
    the file, the field and the fix."""
    path = selection_path(name_or_path)
    if not path.exists() and not path.is_symlink():
        raise InputError([Problem(str(path), "--selection", f"no selection {name_or_path!r}", f"use a YAML file or one of {available_selections()}")])
    text = read_text(path, "--selection", "a selection file (docs/selection.md)")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InputError([Problem(str(path), "-", f"not valid YAML ({e})", "fix the YAML syntax")]) from e
    try:
        selection = Selection.model_validate(raw)
    except ValidationError as e:
        raise InputError([Problem(str(path), ".".join(map(str, err["loc"])) or "-", err["msg"], "see configs/selection/demo.yaml and docs/selection.md") for err in e.errors()]) from e
    problems = _problems(selection, str(path))
    if problems:
        raise InputError(problems)
    selection._name, selection._source = path.stem, path.resolve()
    return selection


def _problems(selection: Selection, where: str) -> list[Problem]:
    problems = []
    total = sum(c.weight for c in selection.components)
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        problems.append(Problem(where, "components[].weight", f"the component weights sum to {total:g}", "make them sum to 1 (each is the component's share of the composite)"))
    seen_components = [c.name for c in selection.components]
    for name in sorted({n for n in seen_components if seen_components.count(n) > 1}):
        problems.append(Problem(where, "components[].name", f"component {name!r} appears twice", "list each component once, with all its metrics"))
    suites = _profile_suites(selection.profile, where)
    if suites is None:
        return [*problems, Problem(where, "profile", f"no profile {selection.profile!r}", "name a profile under configs/ (or a profile file) that the runs were made with")]
    seen_metrics: set[str] = set()
    for i, c in enumerate(selection.components):
        for j, m in enumerate(c.metrics):
            field_name = f"components[{i}].metrics[{j}].metric"
            spec = parse_metric(m.metric)
            if spec is None:
                problems.append(Problem(where, field_name, f"{m.metric!r} is not a metric the harness can recompute from items",
                                        "use <suite>/accuracy, <suite>/accuracy_macro, <suite>/score, <suite>/exact_match|char_f1|rouge_l, <suite>/rubric/pass_rate, <suite>/<bank>/refusal_rate|pass_rate"
                                        " or, for a scenario set, <suite>/choice/accuracy, <suite>/short/exact_match|char_f1|rouge_l, <suite>/open/pass_rate"))
                continue
            if m.metric in seen_metrics:
                problems.append(Problem(where, field_name, f"{m.metric!r} is weighted twice", "name each metric once"))
            seen_metrics.add(m.metric)
            if (problem := _mismatch(spec, suites.get(spec.suite))) is not None:
                problems.append(Problem(where, field_name, problem, f"use a suite of profile {selection.profile}: {sorted(suites)}"))
    if selection.gate.verdicts != "all":
        for i, verdict in enumerate(selection.gate.verdicts):
            suite, _, bank = verdict.partition("/")
            gated = suites.get(suite)
            if not isinstance(gated, RefusalSuite) or bank not in gated.banks():
                safety = sorted(f"{s.name}/{b}" for s in suites.values() if isinstance(s, RefusalSuite) for b in s.banks())
                problems.append(Problem(where, f"gate.verdicts[{i}]", f"{verdict!r} is not a safety bank of profile {selection.profile}", f"use \"all\" or some of {safety}"))
    return problems


def _profile_suites(profile_name: str, where: str) -> dict[str, SuiteSpec] | None:
    try:
        profile, _ = load_profile(profile_name)
    except InputError:
        return None
    specs = [load_suite(s.suite, profile.folder) for s in profile.suites]
    return {s.name: s for s in specs}


def _mismatch(spec: MetricSpec, suite: SuiteSpec | None) -> str | None:
    """Why the metric cannot come from this suite of the profile, or None."""
    if suite is None:
        return f"the profile has no suite {spec.suite!r}"
    expected = ScenarioSuite if spec.part else {"mcq": MultipleChoiceSuite, "benchmark": BenchmarkSuite, "short": GenerationSuite, "open": GenerationSuite, "bank": RefusalSuite}[spec.kind]
    if not isinstance(suite, expected):
        return f"{spec.suite} is a {type(suite).__name__}, which logs no {spec.name}"
    if isinstance(suite, RefusalSuite) and spec.bank not in suite.banks():
        return f"{spec.suite} has no {spec.bank} bank"
    return None


# The ranking.


@dataclass(frozen=True)
class GateResult:
    state: str  # PASS | FAIL | UNDECIDED
    reasons: list[str]  # one per verdict that is not PASS


@dataclass(frozen=True)
class Candidate:
    model: str  # model/version
    run_id: str
    composite: float
    low: float
    high: float
    components: dict[str, float]  # component -> its score (the weighted mean of its metrics, oriented)
    gate: GateResult
    rank: int | None = None  # among the candidates that pass the gate; None when gated
    p_top_k: float | None = None  # share of resamples in which it ranks within the top k
    rank_low: int | None = None  # 95% bootstrap range of its rank
    rank_high: int | None = None


@dataclass(frozen=True)
class Neighbour:
    """The composite difference between two candidates ranked next to each other (upper - lower)."""

    upper: str
    lower: str
    difference: float
    low: float
    high: float
    p_value: float  # paired bootstrap, two-sided
    p_holm: float  # Holm-adjusted over the group's neighbouring pairs
    significant: bool


@dataclass(frozen=True)
class GroupSelection:
    group: int
    description: str
    candidates: list[Candidate]  # ranked ones first (by composite), then pending (UNDECIDED), then failed
    neighbours: list[Neighbour]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SelectionResult:
    selection: str
    source: str
    description: str
    top_k: int
    resamples: int
    seed: int
    groups: list[GroupSelection]
    skipped: list[str]  # groups not ranked, and why

    def as_json(self) -> dict:
        return asdict(self)


def select(client: MlflowClient, selection: Selection, rows: list[Row], *, top_k: int | None = None) -> SelectionResult:
    """Rank every full group of the selection's profile on the composite."""
    k = top_k or selection.top_k
    groups, skipped = [], []
    with ItemCache(client) as cache:
        for group in groups_of([r for r in rows if r.profile == selection.profile]):
            label = f"[{group[0].group}]"
            if group[0].partial:
                skipped.append(f"{label} partial runs (--limit): never ranked on a composite")
                continue
            runs = {row.run_id: client.get_run(row.run_id) for row in group}
            try:
                groups.append(_rank_group(selection, group, runs, cache, k, describe_group(group, groups_of(rows)[0])))
            except OutcomeError as e:
                skipped.append(f"{label} not ranked: {e}")
    if not groups and not skipped:
        skipped.append(f"no finished full runs of profile {selection.profile}")
    return SelectionResult(selection.name, str(selection.source), selection.describe(), k, selection.bootstrap.resamples, selection.bootstrap.seed, groups, skipped)


def _rank_group(selection: Selection, group: list[Row], runs: dict[str, Run], cache: ItemCache, k: int, description: str) -> GroupSelection:
    resampler = Resampler(selection.bootstrap.resamples, selection.bootstrap.seed)
    ordered = [runs[row.run_id] for row in group]
    composite_points = np.zeros(len(group))
    composite_draws = np.zeros((selection.bootstrap.resamples, len(group)))
    component_points: dict[str, np.ndarray] = {}
    for component, spec, weight, lower in selection.terms():
        per_model = [read_outcomes(cache, run, spec) for run in ordered]
        points = np.array([o.value() for o in per_model])
        draws = resampler.values(per_model)
        if lower:
            points, draws = 1 - points, 1 - draws
        composite_points += weight * points
        composite_draws += weight * draws
        share = sum(w for c, _, w, _ in selection.terms() if c == component)
        component_points[component] = component_points.get(component, np.zeros(len(group))) + weight / share * points
    gates = [gate(runs[row.run_id], selection) for row in group]
    eligible = [i for i, g in enumerate(gates) if g.state == "PASS"]
    order = sorted(eligible, key=lambda i: -composite_points[i])
    notes = []
    ranks = _ranks(composite_draws[:, order], selection.bootstrap.seed) if order else np.zeros((selection.bootstrap.resamples, 0))
    candidates = []
    for position, i in enumerate(order):
        low, high = percentile_interval(composite_draws[:, i])
        rank_low, rank_high = np.percentile(ranks[:, position], [(1 - CONFIDENCE) / 2 * 100, (1 + CONFIDENCE) / 2 * 100], method="nearest")
        candidates.append(_candidate(group[i], composite_points[i], low, high, component_points, i, gates[i], position + 1, float((ranks[:, position] <= k).mean()), int(rank_low), int(rank_high)))
    for state in GATE_STATES[1:]:
        for i in sorted((i for i, g in enumerate(gates) if g.state == state), key=lambda i: -composite_points[i]):
            low, high = percentile_interval(composite_draws[:, i])
            candidates.append(_candidate(group[i], composite_points[i], low, high, component_points, i, gates[i]))
    neighbours = neighbour_tests([f"{row.model}/{row.version}" for row in group], order, composite_points, composite_draws)
    smallest = 2 / (selection.bootstrap.resamples + 1)
    if len(neighbours) > 1 and smallest * len(neighbours) > 1 - CONFIDENCE:
        notes.append(f"{selection.bootstrap.resamples} resamples cannot show {len(neighbours)} neighbouring differences significant after Holm's adjustment "
                     f"(the smallest p-value is {smallest:.2g}); raise bootstrap.resamples in {selection.source}")
    if len(order) < len(group):
        notes.append(f"{len(group) - len(order)} of {len(group)} candidates are held apart by the safety gate: not ranked, no top-{k} probability")
    return GroupSelection(group[0].group, description, candidates, neighbours, notes)


def _candidate(row: Row, point: float, low: float, high: float, components: dict[str, np.ndarray], i: int, g: GateResult, *rest: object) -> Candidate:
    return Candidate(f"{row.model}/{row.version}", row.run_id, float(point), low, high, {c: float(v[i]) for c, v in components.items()}, g, *rest)  # type: ignore[arg-type]


def _ranks(draws: np.ndarray, seed: int) -> np.ndarray:
    """Each candidate's rank (1 = best) in each resample. Exact ties (near-identical models answer
    many resamples alike) are broken at random, seeded, so tied candidates share the places equally
    and the top-k probabilities add up to k."""
    tie_breaker = np.random.default_rng(seed).random(draws.shape)
    order = np.lexsort((tie_breaker, -draws), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, draws.shape[1] + 1)[None, :].repeat(draws.shape[0], axis=0), axis=1)
    return ranks


def neighbour_tests(labels: list[str], order: list[int], points: np.ndarray, draws: np.ndarray) -> list[Neighbour]:
    """Paired bootstrap test of each neighbouring difference (candidates `order`, best first; `draws`:
    resamples x candidates), Holm-adjusted over the group's pairs."""
    pairs = list(zip(order, order[1:], strict=False))
    differences = [draws[:, a] - draws[:, b] for a, b in pairs]
    p_values = [bootstrap_p_value(d) for d in differences]
    adjusted = holm(p_values)
    out = []
    for (a, b), d, p, p_adj in zip(pairs, differences, p_values, adjusted, strict=True):
        low, high = percentile_interval(d)
        out.append(Neighbour(labels[a], labels[b], float(points[a] - points[b]), low, high, p, p_adj, p_adj < 1 - CONFIDENCE))
    return out


def gate(run: Run, selection: Selection) -> GateResult:
    """The run's safety gate: PASS only if every gating verdict passes (the machine's, and the human
    reviewers' where imported); FAIL if any fails; else UNDECIDED."""
    wanted = _gating_banks(run, selection)
    states, reasons = [], []
    for suite, bank in wanted:
        found = [(method, json.loads(tag)) for method in ("", names.HUMAN) if (tag := run.data.tags.get(names.verdict_tag(suite, bank, method)))]
        if not found:
            states.append("FAIL")
            reasons.append(f"{suite}/{bank}: no verdict recorded")
            continue
        for method, verdict in found:
            state = verdict.get("state") or ("PASS" if verdict["passed"] else "FAIL")
            states.append(state)
            if state != "PASS":
                by = " (human review)" if method else ""
                reasons.append(f"{suite}/{bank}{by}: {names.rate_name(bank)} {verdict['rate']:.1%} n={verdict['n']}, threshold {verdict['threshold']} -> {state}")
    state = "FAIL" if "FAIL" in states else "UNDECIDED" if "UNDECIDED" in states else "PASS"
    return GateResult(state, reasons)


def _gating_banks(run: Run, selection: Selection) -> list[tuple[str, str]]:
    if selection.gate.verdicts != "all":
        return [tuple(v.split("/", 1)) for v in selection.gate.verdicts]  # type: ignore[misc]
    prefix = "verdict."
    found = set()
    for tag in run.data.tags:
        parts = tag.removeprefix(prefix).split(".")
        if tag.startswith(prefix) and len(parts) == 2 and parts[1] in BANKS:
            found.add((parts[0], parts[1]))
    return sorted(found)


# Rendering.


def _pct(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1%}"


def render_selection(result: SelectionResult) -> str:
    head = [f"Selection {result.selection} ({result.source}): {result.description}",
            f"Composite 95% intervals, P(top {result.top_k}) and rank ranges from {result.resamples} paired bootstrap resamples of the items of each suite (seed {result.seed});"
            " neighbouring differences: paired bootstrap, Holm-adjusted over the group's neighbouring pairs (docs/selection.md)."]
    blocks = ["\n".join(head)]
    for g in result.groups:
        components = list(g.candidates[0].components) if g.candidates else []
        header = ["rank", "model", "composite [95% CI]", f"P(top {result.top_k})", "rank 95%", *components, "safety gate"]
        body = []
        for c in g.candidates:
            gate_text = "PASS" if c.gate.state == "PASS" else f"{c.gate.state}: " + "; ".join(c.gate.reasons)
            body.append([
                str(c.rank) if c.rank else "-", c.model, f"{c.composite:.3f} [{c.low:.3f}, {c.high:.3f}]",
                _pct(c.p_top_k), f"{c.rank_low}-{c.rank_high}" if c.rank else "-", *(f"{c.components[name]:.3f}" for name in components), gate_text,
            ])
        lines = [g.description, text_table.render(header, body)]
        for n in g.neighbours:
            verdict = "significant" if n.significant else "not significant"
            lines.append(f"  {n.upper} vs {n.lower}: {n.difference * 100:+.1f} points [{n.low * 100:+.1f}, {n.high * 100:+.1f}], p = {n.p_value:.2g}, Holm p = {n.p_holm:.2g}: {verdict}")
        lines += [f"  note: {note}" for note in g.notes]
        blocks.append("\n".join(lines))
    blocks += [f"{line}" for line in result.skipped]
    return "\n\n".join(blocks)


def render_selection_csv(result: SelectionResult) -> str:
    """One line per candidate and group, for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    components = sorted({c for g in result.groups for cand in g.candidates for c in cand.components})
    writer.writerow(["group", "rank", "model", "run_id", "composite", "ci_low", "ci_high", f"p_top_{result.top_k}", "rank_low", "rank_high", *components, "gate", "gate_reasons"])
    for g in result.groups:
        for c in g.candidates:
            writer.writerow([g.group, c.rank or "", c.model, c.run_id, c.composite, c.low, c.high, "" if c.p_top_k is None else c.p_top_k, c.rank_low or "", c.rank_high or "",
                             *(c.components.get(name, "") for name in components), c.gate.state, "; ".join(c.gate.reasons)])
    return out.getvalue()
