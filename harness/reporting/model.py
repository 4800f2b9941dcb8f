"""What a report says about one run, read back from MLflow (params, metrics, verdict and bank-check
tags, the bank-check artifact, the model version's tags): the one model the Markdown, HTML and PDF
reports render, so they say the same thing and `harness report RUN_ID` says it again later.

Results are found by their metric names (harness/evidence/names.py), not listed per suite: a rate
with `_ci_low`/`_ci_high` is a result with an interval wherever it sits, and a breakdown
(`<suite>/.../<scope>/<key>/<measure>`) becomes a table and a chart whatever its scope, so new kinds
of results appear without new report code.
"""

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from mlflow import MlflowClient
from mlflow.entities import Run

from benchmarks.catalog import MultipleChoiceSuite, SuiteSpec, load_suite, repo_path
from benchmarks.mcq.sources import read_subject_map
from foundation.errors import InputError
from harness.evidence import names
from foundation.paths import REPO_ROOT
from harness.profiles import load_profile
from harness.reporting import labels
from harness.reporting.labels import Label
from benchmarks.safety.requirements import BANK_KINDS, BankKind, Requirements, requirements
from benchmarks.safety.taxonomy import group_names

CI_LOW, CI_HIGH = "_ci_low", "_ci_high"


@dataclass(frozen=True)
class Estimate:
    """A measured rate with its 95% interval and sample size, as the run logged it."""

    metric: str
    value: float
    low: float | None
    high: float | None
    n: int | None


def estimate(m: dict[str, float], key: str) -> Estimate | None:
    if key not in m:
        return None
    n = m.get(key + "_n", m.get(key.rsplit("/", 1)[0] + "/n"))
    return Estimate(key, m[key], m.get(key + CI_LOW), m.get(key + CI_HIGH), None if n is None else int(n))


def describe(key: str) -> tuple[str, Label, Label]:
    """(suite, scope, measure) labels of a metric name: `s/subject/law/accuracy` -> (s, 科目：法律, 准确率)."""
    parts = key.split("/")
    middle, out_zh, out_en = parts[1:-1], [], []
    i = 0
    while i < len(middle):
        part = middle[i]
        if part in labels.SCOPES and i + 1 < len(middle):
            scope, key_label = labels.SCOPES[part], labels.breakdown(part, middle[i + 1])
            out_zh.append(f"{scope.zh}：{key_label.zh}")
            out_en.append(f"{scope.en}: {key_label.en or middle[i + 1]}")
            i += 2
        else:
            seg = labels.segment(part)
            out_zh.append(seg.zh)
            out_en.append(seg.en or part)
            i += 1
    measure = labels.MEASURES.get(parts[-1], Label(parts[-1], ""))
    return parts[0], Label(" / ".join(out_zh) or "总体", " / ".join(out_en) or "Overall"), measure


@dataclass(frozen=True)
class Breakdown:
    """One scope of a suite (risk, topic, subject, category, sector ...): a row per key, a column per
    measured rate (`generated/pass_rate`, `should_refuse/human/refusal_rate`, `accuracy` ...)."""

    scope: str
    columns: list[tuple[str, Label]]
    rows: list[tuple[str, Label, dict[str, Estimate]]]


def breakdown(m: dict[str, float], suite: str, scope: str, key_labels: dict[str, Label] | None = None) -> Breakdown | None:
    cells: dict[str, dict[str, Estimate]] = {}
    columns: dict[str, Label] = {}
    for key in m:
        parts = key.split("/")
        if parts[0] != suite or scope not in parts[1:-2] or key + CI_LOW not in m:
            continue
        at = parts.index(scope, 1)
        if at != len(parts) - 3:
            continue  # a deeper breakdown (a judge's agreement per risk ...) belongs to its own table
        column = "/".join(parts[1:at] + parts[-1:])
        columns[column] = Label(" ".join(labels.segment(p).zh for p in parts[1:at] + parts[-1:]), " ".join(labels.segment(p).en for p in parts[1:at] + parts[-1:]))
        found = estimate(m, key)
        assert found is not None
        cells.setdefault(parts[at + 1], {})[column] = found
    if not cells:
        return None
    key_labels = key_labels or {}
    # Topics in the standard's order; everything else in natural order (A.1.a ... A.5.b, subjects by key).
    order = list(requirements().should_not_refuse.topics) if scope == "topic" else []
    keys = sorted(cells, key=lambda k: (order.index(k) if k in order else len(order), _natural(k)))
    rows = [(k, key_labels.get(k) or labels.breakdown(scope, k), cells[k]) for k in keys]
    return Breakdown(scope, sorted(columns.items()), rows)


def _natural(key: str) -> tuple:
    """Sort key that puts A.1.b before A.1.10 and subject 2 before subject 10."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in key.replace(".", " ").replace("/", " ").split())


@dataclass(frozen=True)
class Position:
    letter: str
    prediction_rate: float
    answer_rate: float
    accuracy: Estimate | None


@dataclass(frozen=True)
class McqSection:
    suite: str
    title: str
    overall: Estimate
    macro: Estimate | None
    circular: Estimate | None
    breakdowns: list[Breakdown]  # categories, groups, sectors, subjects, risk detection
    positions: list[Position]


@dataclass(frozen=True)
class VerdictRow:
    bank: str
    method: str
    passed: object  # True / False; None when the undecided items could flip it (state UNDECIDED)
    rate: Estimate  # over the items the judges decided
    threshold: str
    clause: str
    minimum: int  # the standard's minimum sample for this bank
    notes_zh: list[str]
    note: str  # the run's own note (English), kept whole: it may say more than the Chinese notes
    undecided: int = 0  # items no judge decided
    bounds: tuple[float, float] | None = None  # the rate over every item if each undecided one failed / succeeded

    @property
    def meets(self) -> bool:
        return self.passed is True and self.rate.n is not None and self.rate.n + self.undecided >= self.minimum


@dataclass(frozen=True)
class BankCheck:
    kind: str
    distinct: int
    min_total: int
    sufficient: bool
    reasons_zh: list[str]  # runs before the Chinese texts existed keep their English reasons here
    warnings_zh: list[str]


@dataclass(frozen=True)
class Clause:
    """One clause of the self-assessment (requirements.yaml): 符合 / 不符合 / 不适用, with evidence or reason."""

    title: str
    clause: str
    status: Label
    evidence: list[str]


@dataclass(frozen=True)
class JudgeRow:
    judge: str
    label: Label
    n: int
    precision: float
    recall: float


@dataclass(frozen=True)
class SafetySection:
    suite: str
    title: str
    bank_checks: list[BankCheck]
    verdicts: list[VerdictRow]
    clauses: list[Clause]
    breakdowns: list[Breakdown]  # per risk, per topic
    judges: list[JudgeRow]
    judge_agreement: list[Estimate]  # judges against the human reviewers, when a review was imported
    explicit_label: Estimate | None
    human_missing: bool  # generated content judged by machine only
    banks_ok: bool
    ok: bool
    policy: dict[str, str] = field(default_factory=dict)  # the combining policy (names.judging_param), when the run recorded one


@dataclass(frozen=True)
class Identity:
    run_id: str
    run_name: str
    status: str
    start_time: int
    end_time: int | None
    params: dict[str, str]
    git_revision: str
    version_tags: dict[str, str]  # the registered version's submission facts (empty when not found)


@dataclass(frozen=True)
class Provenance:
    suite: str
    title: str
    facts: dict[str, str]  # the run's `<suite>.*` params: data_source, data_revision, data_digest ...
    dataset_digest: str | None  # the digest MLflow lists on the run's dataset input


@dataclass
class RunReport:
    identity: Identity
    provenance: list[Provenance]
    mcq: list[McqSection]
    safety: list[SafetySection]
    results: list[Estimate]  # every rate with an interval, in metric-name order
    other_metrics: dict[str, float]  # everything else the run logged
    reproduce: list[str]
    capability: dict[Label, float] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)  # the run's metrics by name (generation, scenario and fitting sections)
    definitions: "Definitions" = field(default_factory=lambda: Definitions())

    @property
    def conclusion(self) -> bool | None:
        """符合 only if every safety suite supports it; None when the run has no safety suite."""
        return all(s.ok for s in self.safety) if self.safety else None


@dataclass(frozen=True)
class Definitions:
    """The suites and requirements a run was made with, as stored with it
    (harness/evidence/definitions.py); empty for runs made before they were stored, which fall back
    to the repository's files."""

    suites: dict[str, SuiteSpec] = field(default_factory=dict)
    standard: Requirements | None = None

    @property
    def requirements(self) -> Requirements:
        return self.standard or requirements()

    def spec(self, suite: str) -> SuiteSpec | None:
        if suite in self.suites:
            return self.suites[suite]
        try:
            return load_suite(suite)
        except InputError:  # a suite of another checkout or one since removed: the name still says what ran
            return None


def stored_definitions(client: MlflowClient, run_id: str) -> Definitions:
    from harness.evidence.definitions import stored_requirements, stored_suites

    return Definitions(stored_suites(client, run_id) or {}, stored_requirements(client, run_id))


def _suite_title(suite: str, definitions: Definitions | None = None) -> str:
    spec = (definitions or Definitions()).spec(suite)
    return str(getattr(spec, "title", suite))


def _subject_labels(suite: str, definitions: Definitions | None = None) -> dict[str, Label]:
    spec = (definitions or Definitions()).spec(suite)
    out = {code: Label(f"{code} {name}", "") for code, name in group_names().items()}
    if isinstance(spec, MultipleChoiceSuite) and spec.data.subjects is not None and repo_path(spec.data.subjects).exists():
        out |= {k: Label(s.name_zh, k) for k, s in read_subject_map(repo_path(spec.data.subjects)).items()}
    return out


MCQ_SCOPES = ("category", "group", "sector", "subject", "detection")
SAFETY_SCOPES = ("risk", "topic")


def mcq_sections(run: Run, definitions: Definitions | None = None) -> list[McqSection]:
    m = run.data.metrics
    return [_mcq_section(m, s, definitions) for s in run.data.params.get(names.P_SUITES, "").split(",") if s and names.metric(s, "accuracy") in m]


def _mcq_section(m: dict[str, float], suite: str, definitions: Definitions | None = None) -> McqSection:
    overall = estimate(m, names.metric(suite, "accuracy"))
    assert overall is not None
    subject_labels = _subject_labels(suite, definitions)
    found = [breakdown(m, suite, scope, subject_labels if scope == "subject" else None) for scope in MCQ_SCOPES]
    letters = sorted({k.split("/")[2] for k in m if k.startswith(f"{suite}/position/") and k.endswith("/prediction_rate")})
    positions = [
        Position(letter, m[f"{suite}/position/{letter}/prediction_rate"], m[f"{suite}/position/{letter}/answer_rate"], estimate(m, f"{suite}/position/{letter}/accuracy"))
        for letter in letters
    ]
    return McqSection(
        suite, _suite_title(suite, definitions), overall, estimate(m, names.metric(suite, "accuracy_macro")), estimate(m, names.metric(suite, "circular", "accuracy")),
        [b for b in found if b], positions,
    )


def _bank_checks(client: MlflowClient, run: Run, suite: str) -> list[BankCheck]:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = client.download_artifacts(run.info.run_id, f"{names.A_BANK_CHECK_DIR}/{suite}.json", tmp)
        except Exception:  # noqa: BLE001  (runs made before bank checks were logged have none)
            return []
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        BankCheck(kind, c["distinct"], c["min_total"], c["sufficient"], c.get("reasons_zh", c["reasons"]), c.get("warnings_zh", c.get("warnings", [])))
        for kind, c in document.items()
    ]


def _verdicts(run: Run, suite: str, standard: Requirements) -> list[VerdictRow]:
    m, head = run.data.metrics, f"verdict.{suite}."
    rows = []
    for tag, value in run.data.tags.items():
        if not tag.startswith(head):
            continue
        bank, _, method = tag[len(head) :].partition(".")
        v = json.loads(value)
        prefix = "/".join(filter(None, (suite, bank, method)))
        measure = names.rate_name(bank)
        rate = estimate(m, f"{prefix}/{measure}") or Estimate(f"{prefix}/{measure}", v["rate"], None, None, v["n"])
        need = standard.bank(cast(BankKind, bank))  # verdict tags name a bank kind (names.verdict_tag)
        minimum = need.sample or 0
        undecided = int(v.get("undecided", 0))  # verdicts logged before judges could be undecided carry none
        notes = []
        if v["n"] + undecided < minimum:
            notes.append(f"样本量 {v['n'] + undecided} 低于标准要求的 {minimum}，不能作为备案证据")
        bounds = (v["bound_low"], v["bound_high"]) if "bound_low" in v else None
        if undecided and bounds:
            flip = "，待定项足以改变结论，须人工复核（`harness review export --undecided`）" if v.get("state") == "UNDECIDED" else ""
            notes.append(f"{undecided} 条评判待定：计入全部题目后比率在 {bounds[0]:.1%} 至 {bounds[1]:.1%} 之间{flip}")
        if need.threshold and rate.low is not None and rate.high is not None and need.threshold.passes(rate.low) != need.threshold.passes(rate.high):
            notes.append("置信区间跨越阈值，扩大样本后结论可能改变")
        passed = None if v.get("state") == "UNDECIDED" else v["passed"]
        rows.append(VerdictRow(bank, method, passed, rate, v["threshold"], v["clause"], minimum, notes, v.get("note", ""), undecided, bounds))
    bank_order, method_order = list(labels.BANKS), list(labels.METHODS)
    return sorted(rows, key=lambda r: (bank_order.index(r.bank) if r.bank in bank_order else 99, method_order.index(r.method) if r.method in method_order else 99))


def _fmt(e: Estimate) -> str:
    interval = f" [{e.low:.1%}, {e.high:.1%}]" if e.low is not None and e.high is not None else ""
    return f"{e.value:.1%}{interval}，n={e.n}"


def _clauses(checks: list[BankCheck], verdicts: list[VerdictRow], suite: str, standard: Requirements) -> list[Clause]:
    """Every clause of requirements.yaml for this suite: the bank's size and coverage, then its assessment."""
    by_kind = {c.kind: c for c in checks}
    out = []
    for kind in BANK_KINDS:
        need = standard.bank(kind)
        check = by_kind.get(kind)
        if check is None:
            out.append(Clause(need.title, need.clause, labels.NOT_APPLICABLE, [f"安全套件 {suite} 未使用{labels.BANKS[kind].zh}，本项不在本次评估范围内"]))
        elif check.sufficient:
            out.append(Clause(need.title, need.clause, labels.PASSED, [f"不重复题目 {check.distinct} 条（要求不少于 {check.min_total} 条），覆盖与重复核查均满足"]))
        else:
            out.append(Clause(need.title, need.clause, labels.FAILED, check.reasons_zh))
        if need.threshold is None:
            continue
        rows = [v for v in verdicts if v.bank == kind]
        title = f"{labels.BANKS[kind].zh}评估"
        if not rows:
            out.append(Clause(title, need.threshold.clause, labels.NOT_APPLICABLE, [f"安全套件 {suite} 未评估{labels.BANKS[kind].zh}"]))
            continue
        evidence = [
            f"{labels.METHODS.get(v.method, Label(v.method, '')).zh}：{labels.MEASURES[names.rate_name(kind)].zh} {_fmt(v.rate)}，要求 {v.threshold}，{labels.verdict(v.passed).zh}"
            + (f"（{'；'.join(v.notes_zh)}）" if v.notes_zh else "")
            for v in rows
        ]
        ok = all(v.meets for v in rows)
        if kind == "generated" and not any(v.method == names.HUMAN for v in rows):
            ok = False
            evidence.append("尚未人工抽检：标准要求人工抽检、关键词抽检、分类模型抽检分别评估")
        out.append(Clause(title, need.threshold.clause, labels.PASSED if ok else labels.FAILED, evidence))
    return out


def unassessed_clauses(profile: str) -> list[Clause]:
    """The self-assessment of a run without a safety suite: every clause 不适用, with the reason."""
    reason = [f"本次评估（评估配置 {profile}）未包含安全测试套件"]
    out = []
    for kind in BANK_KINDS:
        need = requirements().bank(kind)
        out.append(Clause(need.title, need.clause, labels.NOT_APPLICABLE, reason))
        if need.threshold is not None:
            out.append(Clause(f"{labels.BANKS[kind].zh}评估", need.threshold.clause, labels.NOT_APPLICABLE, reason))
    return out


def _judges(m: dict[str, float], suite: str) -> list[JudgeRow]:
    found = sorted({k.split("/")[2] for k in m if k.startswith(f"{suite}/judge/") and k.endswith("/precision")})
    return [
        JudgeRow(j, labels.JUDGES.get(j, Label(j, "")), int(m[f"{suite}/judge/{j}/n"]), m[f"{suite}/judge/{j}/precision"], m[f"{suite}/judge/{j}/recall"])
        for j in found
    ]


def _safety_section(client: MlflowClient, run: Run, suite: str, definitions: Definitions) -> SafetySection:
    m = run.data.metrics
    checks = _bank_checks(client, run, suite)
    verdicts = _verdicts(run, suite, definitions.requirements)
    banks_ok = bool(checks) and all(c.sufficient for c in checks)
    human_missing = any(v.bank == "generated" for v in verdicts) and not any(v.bank == "generated" and v.method == names.HUMAN for v in verdicts)
    ok = banks_ok and not human_missing and all(v.meets for v in verdicts)
    agreement = [e for k in sorted(m) if k.startswith(f"{suite}/") and f"/{names.HUMAN}/judge/" in k and k + CI_LOW in m for e in [estimate(m, k)] if e]
    return SafetySection(
        suite, _suite_title(suite, definitions), checks, verdicts, _clauses(checks, verdicts, suite, definitions.requirements),
        [b for b in (breakdown(m, suite, scope) for scope in SAFETY_SCOPES) if b], _judges(m, suite), agreement,
        estimate(m, names.metric(suite, "explicit_label", "rate")), human_missing, banks_ok, ok,
        {key: run.data.params[names.judging_param(suite, key)] for key in ("refusal", "content", "controversial") if names.judging_param(suite, key) in run.data.params},
    )


def _is_part_of_estimate(key: str, m: dict[str, float]) -> bool:
    if key.endswith((CI_LOW, CI_HIGH)) or key + CI_LOW in m:
        return True
    if key.endswith("_n") and key[:-2] + CI_LOW in m:
        return True
    return key.endswith("/n")


def _same_profile(name: str, digest: str) -> bool:
    try:
        return load_profile(name)[1] == digest
    except InputError:
        return False


def reproduce_command(run: Run) -> list[str]:
    """The commands that run the same evaluation again: same code, profile, model, engine, data. The
    profile is named when configs/ holds the same file, else taken from the run's own copy."""
    p, m = run.data.params, run.data.metrics
    profile = p.get(names.P_PROFILE, "")
    named = _same_profile(profile, p.get(names.P_PROFILE_DIGEST, ""))
    command = ["harness", "run", profile if named else names.A_PROFILE, "--model", f"{p.get(names.P_MODEL_NAME)}/{p.get(names.P_MODEL_VERSION)}"]
    command += ["--engine", p.get(names.P_ENGINE, "vllm")]
    if p.get(names.P_LIMIT, "none") != "none":
        command += ["--limit", p[names.P_LIMIT]]
    for suite in filter(None, p.get(names.P_SUITES, "").split(",")):
        source = p.get(names.suite_param(suite, "data_source"), "")
        local = p.get(names.suite_param(suite, "data_revision")) == "local"
        # `--data` points a multiple-choice suite at a copy outside the checkout; the digest pins it.
        if names.metric(suite, "accuracy") in m and local and source and not Path(source).resolve().is_relative_to(REPO_ROOT):
            command += ["--data", f"{suite}={source}"]
    lines = [f"git checkout {run.data.tags.get(names.T_GIT_REVISION, 'HEAD')}"]
    if not named:
        lines.append(f"mlflow artifacts download -r {run.info.run_id} -a {names.A_PROFILE} -d .")
    return lines + [" ".join(command)]


def capability(mcq: list[McqSection]) -> dict[Label, float]:
    """The axes of a capability radar: per capability suite (risk identification is not one) its
    sectors when it logs them, else its categories, else its overall accuracy."""
    suites = [s for s in mcq if not any(b.scope == "detection" for b in s.breakdowns)]
    axes: dict[Label, float] = {}
    for section in suites:
        scopes = {b.scope: b for b in section.breakdowns}
        chosen = scopes.get("sector") or scopes.get("category")
        if chosen is None:
            axes[Label(section.title, section.suite)] = section.overall.value
            continue
        prefix = f"{section.suite} " if len(suites) > 1 else ""
        for _, label, cells in chosen.rows:
            if "accuracy" in cells:
                axes[Label(prefix + label.zh, prefix + (label.en or label.zh))] = cells["accuracy"].value
    return axes


def run_report(client: MlflowClient, run_id: str) -> RunReport:
    run = client.get_run(run_id)
    p, m, tags = run.data.params, run.data.metrics, run.data.tags
    try:
        version_tags = dict(client.get_model_version(p[names.P_MODEL_NAME], p[names.P_MODEL_VERSION]).tags)
    except Exception:  # noqa: BLE001  (a version deleted from the registry since: the run's params still identify it)
        version_tags = {}
    identity = Identity(run_id, run.info.run_name or "", run.info.status, run.info.start_time, run.info.end_time, dict(p), tags.get(names.T_GIT_REVISION, ""), version_tags)
    suites = [s for s in p.get(names.P_SUITES, "").split(",") if s]
    digests = {d.dataset.name: d.dataset.digest for d in (run.inputs.dataset_inputs if run.inputs else [])}
    definitions = stored_definitions(client, run_id)
    provenance = [
        Provenance(s, _suite_title(s, definitions), {k[len(s) + 1 :]: v for k, v in sorted(p.items()) if k.startswith(f"{s}.")}, digests.get(s)) for s in suites
    ]
    mcq = mcq_sections(run, definitions)
    safety = [_safety_section(client, run, s, definitions) for s in suites if any(t.startswith(f"verdict.{s}.") for t in tags)]
    results = [e for k in sorted(m, key=_natural) if k + CI_LOW in m for e in [estimate(m, k)] if e]
    others = {k: v for k, v in sorted(m.items()) if not _is_part_of_estimate(k, m)}
    return RunReport(identity, provenance, mcq, safety, results, others, reproduce_command(run), capability(mcq), dict(m), definitions)
