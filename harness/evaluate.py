"""One evaluation: a profile against a registered model version -> one MLflow run.

Everything that can be checked before the model loads is checked before the run is created
(profile, model version, checkpoint, fingerprint, suite data), so bad input leaves no run behind.
A failure after that marks the run FAILED. Every answer of the model is journaled as it comes
(harness/engines/recorded.py): the same command run again after a failure or a kill -9 continues
that run (found by the digest of its RunSpec, harness/runlog.py), asks the model only what it had
not answered, and finishes it with the numbers an uninterrupted run would have.
"""

import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from mlflow import MlflowClient

from benchmarks.catalog import GenerationSuite, MultipleChoiceSuite, RefusalSuite, ScenarioSuite, repo_path
from benchmarks.sector.spec import BenchmarkSuite
from harness.scoring.verdict import Verdict
from harness.aggregate import generation_metrics, judge_validity_metrics, mcq_metrics, refusal_metrics, refusal_verdicts, scenario_metrics
from harness.checkpoints import VerifiedCheckpoint, checked_checkpoint
from harness.crash import crash_point
from harness.engines import ENGINE_NAMES, Engine, EngineSettings, load_engine
from harness.engines.recorded import engine_spec, open_recorded
from foundation.errors import EngineFailure, InputError, Problem
from harness.fitting import FitReport
from harness.evidence import names
from harness.evidence.committee_view import describe_run, publish_evaluation
from harness.evidence.definitions import log_definitions
from harness.evidence.endpoint import EndpointIdentity, record_if_missing
from harness.evidence.offline import FailoverClient, is_unreachable
from harness.evidence.run_record import end_run, log_dataset, log_file, log_metrics, log_params, set_tags
from harness.reporting.markdown import log_report
from harness.evidence.resume import log_results, log_run_spec, unfinished_run
from harness.evidence.scenarios import register_scenario, scenario_params
from harness.evidence.tracking import enterprise_experiment_tags, git_revision, package_versions
from foundation.paths import REPO_ROOT
from harness.plan import PlannedSuite, plan
from harness.profiles import Profile, load_profile, profile_path
from harness.runlog import RunSpec, SamplingSpec, SuiteSettings, digest_of
from harness.reporting.fonts import cjk_font
from harness.safety.banks import read_bank
from harness.safety.check import check_bank
from harness.scoring.benchmark import benchmark_metrics, score_benchmark
from harness.scoring.generation import judge_open, rubric_judge_path, score_generation
from harness.scoring.judge_phase import SafetyRecords, judge_model_path, judge_safety
from harness.scoring.judging import Policy, resolve_all
from harness.scoring.judges.validity import Validity
from harness.scoring.scorers import score_multiple_choice
from harness.scoring.official import SCORERS
from harness.scoring.refusal import score_refusal
from harness.scoring.scenario import score_scenario
from harness.scenarios import ScenarioWriter, load_scenario, rewrite_scenario_items
from harness.store import ItemWriter, journal_path, request_cache_path, rewrite_items, run_lock, staging_dir
from registry.fingerprint import fingerprint


@dataclass(frozen=True)
class Evaluation:
    run_id: str
    model: str
    version: str
    metrics: dict[str, float]
    verdicts: list[Verdict]
    run_uuid: str = ""  # the harness's own id of the run (tag harness.run_uuid), the same wherever it is stored
    kept_locally: str | None = None  # why the run is in the local store instead of on the tracking server
    local_run_id: str | None = None  # its id in that store
    resumed: bool = False  # an interrupted run of the same RunSpec was continued
    requests: dict[str, int] = dataclasses.field(default_factory=dict)  # from_journal, from_cache, to_engine
    bookkeeping_seconds: float = 0.0  # what journaling and caching took (harness/engines/recorded.py)


def evaluate(
    client: MlflowClient,
    profile_name: str,
    model_spec: str,
    *,
    engine_name: str | None = None,
    limit: int | None = None,
    progress: bool = True,
    data: dict[str, Path] | None = None,
    allow_endpoint_mismatch: bool = False,
    max_retries: int | None = None,
    use_cache: bool = True,
    persist: bool = True,
) -> Evaluation:
    """`use_cache`: answer identical requests of the same weights from the shared request cache
    (`--no-cache` turns it off). `persist`: journal the engine's answers (off only to measure what
    the journal costs: scripts/persistence_cost.py)."""
    profile, profile_digest = load_profile(profile_name)
    engine_settings = profile.engine_settings(max_retries)
    engine_name = engine_name or profile.engine.name
    if engine_name not in ENGINE_NAMES:
        raise InputError([Problem("--engine", engine_name, "unknown engine", f"use one of {ENGINE_NAMES}")])
    version, verified = checked_checkpoint(client, model_spec, progress)
    checkpoint = verified.directory
    planned = plan(profile, limit, data, checkpoint)
    # The combining policy, and a judge that can fail every bank: checked before anything is created.
    policies = resolve_all(profile, [s.spec for s in planned if isinstance(s.spec, RefusalSuite)], profile_path(profile_name))
    cjk_font()  # the report stored at the end draws Chinese charts: without the font, stop before the run starts
    judge_checkpoint = judge_model_path(profile.judge_model) if profile.judge_model else None
    open_questions = any(getattr(item, "open", False) for suite in planned for item in suite.items)
    rubric_checkpoint = rubric_judge_path(profile.rubric_judge) if profile.rubric_judge and open_questions else None
    identity = EndpointIdentity(client, version, checkpoint, engine_settings, allow_endpoint_mismatch) if engine_name == "openai" else None
    if identity is not None and (refused := _check_endpoint(identity, "before")):
        raise refused  # before any run exists: a wrong endpoint leaves nothing behind
    for suite in planned:
        if suite.fit is not None and (note := suite.fit.summary(suite.spec.name)):
            print(note, file=sys.stderr)
    # Every check has passed: a scenario set is registered (once per digest) before the run that uses it.
    registrations = {
        s.spec.name: register_scenario(client, s.spec, s.source_file, s.data_digest, load_scenario(s.spec, str(s.source_file)).counts)
        for s in planned if isinstance(s.spec, ScenarioSuite) and s.source_file is not None
    }

    spec = run_spec(version.name, str(version.version), version.tags[names.V_FINGERPRINT], profile, profile_digest, engine_name, limit, planned, policies)
    spec = spec.model_copy(update={
        "judge_model": {"path": str(judge_checkpoint), "kind": profile.judge_model.kind} if judge_checkpoint is not None and profile.judge_model else None,
        "rubric_judge": str(rubric_checkpoint) if rubric_checkpoint is not None else None,
    })  # fmt: skip
    with run_lock(client.tracking_uri, spec.digest, f"profile {profile.name} on {version.name}/{version.version}"):
        return _record(client, _Prepared(
            version, verified, profile, profile_name, profile_digest, engine_name, limit, planned, policies, judge_checkpoint,
            rubric_checkpoint, identity, registrations, spec, use_cache, persist, progress, engine_settings,
        ))  # fmt: skip


@dataclass(frozen=True)
class _Prepared:
    """Everything checked before the run is created or continued."""

    version: Any
    verified: VerifiedCheckpoint
    profile: Profile
    profile_name: str
    profile_digest: str
    engine_name: str
    limit: int | None
    planned: list[PlannedSuite]
    policies: dict[str, Policy]
    judge_checkpoint: Path | None
    rubric_checkpoint: Path | None
    identity: EndpointIdentity | None
    registrations: dict
    spec: RunSpec
    use_cache: bool
    persist: bool
    progress: bool
    engine_settings: EngineSettings  # the profile's, with --max-retries


def _record(client: MlflowClient, p: _Prepared) -> Evaluation:
    """Create the run, or continue the unfinished one of the same RunSpec, and fill it."""
    version, verified, profile, profile_name, profile_digest, engine_name, limit, planned, policies = (
        p.version, p.verified, p.profile, p.profile_name, p.profile_digest, p.engine_name, p.limit, p.planned, p.policies
    )
    judge_checkpoint, rubric_checkpoint, identity, registrations, progress = p.judge_checkpoint, p.rubric_checkpoint, p.identity, p.registrations, p.progress
    checkpoint = verified.directory
    uscc, enterprise = version.tags.get(names.V_USCC, "unknown"), version.tags.get(names.V_ENTERPRISE, "unknown")
    server = client
    experiment = names.evaluation_experiment(profile.name, uscc)
    resumed = unfinished_run(server, experiment, p.spec.digest)
    # From here on every write survives a tracking-server outage (harness/evidence/offline.py).
    client = FailoverClient(
        server, experiment, enterprise_experiment_tags(uscc, enterprise, profile.name),
        run_name=f"{version.name}/{version.version} {profile.name}",
        tags={names.T_KIND: "evaluation", names.T_GIT_REVISION: p.spec.git_revision, names.T_PACKAGES: p.spec.packages,
              names.T_RUN_SPEC_DIGEST: p.spec.digest, names.T_SCHEMA_VERSION: str(p.spec.schema_version)},
        version=version, resume=resumed,
    )  # fmt: skip
    run_id = client.run_id
    crash_point("run.created")
    if resumed is not None:
        print(f"continuing run {run_id} (interrupted; same run spec {p.spec.digest[:12]}): answers already journaled are not asked again", file=sys.stderr)
    if identity is not None:
        identity.client = client  # its records belong to the run, wherever the run now lives

    def engine_loaded(engine: Engine) -> None:
        try:
            verified.verify_again(progress=progress)
        except InputError as e:
            set_tags(client, run_id, {names.T_FAILURE: str(e)})
            raise  # the recorded engine closes the engine it loaded
        try:
            # The version's behavioural fingerprint lives with the version on the server, not in the run.
            record_if_missing(server, version, checkpoint, engine, profile.engine.dtype)
        except Exception as e:
            if not is_unreachable(e):
                raise  # unreachable: recorded by a later run against the server
        _log_scored_by(client, run_id, version, engine.version(), engine.max_model_len)

    try:
        log_definitions(client, run_id, profile_path(profile_name), planned)
        log_run_spec(client, run_id, p.spec)
        fingerprint_digest = version.tags[names.V_FINGERPRINT]
        engine = open_recorded(
            lambda: load_engine(engine_name, checkpoint, p.engine_settings), checkpoint, engine_spec(engine_name, p.engine_settings),
            fingerprint_digest, journal_path(run_id) if p.persist else None, request_cache_path(fingerprint_digest) if p.persist and p.use_cache else None,
            engine_loaded,
        )  # fmt: skip
        if identity is not None:
            identity.log(run_id, "before")
        log_params(
            client, run_id,
            {
                    names.P_ENGINE: engine_name,
                    names.P_SCHEMA_VERSION: p.spec.schema_version,
                    names.P_SEED: profile.seed,
                    names.P_PROFILE: profile.name,
                    names.P_PROFILE_DIGEST: profile_digest,
                    names.P_SUITES: ",".join(s.spec.name for s in planned),
                    names.P_LIMIT: limit if limit is not None else "none",
                    names.P_ENGINE_DTYPE: profile.engine.dtype,
                    names.P_GENERATION_MAX_TOKENS: profile.generation.max_tokens,
                    names.P_GENERATION_TEMPERATURE: profile.generation.temperature,
                    names.P_GENERATION_TOP_P: profile.generation.top_p,
            },
        )
        if judge_checkpoint is not None and profile.judge_model is not None:
            # Which model judged is part of the evidence, down to its weights.
            log_params(client, run_id, {
                names.P_JUDGE_MODEL_PATH: str(judge_checkpoint),
                names.P_JUDGE_MODEL_FINGERPRINT: fingerprint(judge_checkpoint, progress=progress, links_outside=True).digest,
                names.P_JUDGE_MODEL_KIND: profile.judge_model.kind,
            })
        if rubric_checkpoint is not None:
            log_params(client, run_id, {
                names.P_RUBRIC_JUDGE_PATH: str(rubric_checkpoint),
                names.P_RUBRIC_JUDGE_FINGERPRINT: fingerprint(rubric_checkpoint, progress=progress).digest,
            })
        log_params(client, run_id, {names.judging_param(suite, key): value for suite, policy in policies.items() for key, value in policy.params().items()})
        if registrations:
            log_params(client, run_id, {p.key: p.value for name, r in registrations.items() for p in scenario_params(name, r)})
        outputs: list[SuiteOutput] = []
        try:
            for suite in planned:
                outputs.append(_generate(client, run_id, engine, profile, suite, policies.get(suite.spec.name), progress))
            if not engine.loaded:  # every answer was journaled or cached: the engine that gave them
                facts = engine.recorded_facts()
                if facts is not None:
                    _log_scored_by(client, run_id, version, *facts)
        finally:
            # Freed on failure too: the demo loads the next model in the same process, and the
            # judge phase loads its own model in the memory this one held.
            engine.close()
        if identity is not None:
            refused = _check_endpoint(identity, "after")
            identity.log(run_id, "after")
            if refused:
                raise refused  # the run is marked FAILED below, with what the endpoint did on record
        safety = [SafetyRecords(o.suite.spec, o.records, policies[o.suite.spec.name]) for o in outputs if isinstance(o.suite.spec, RefusalSuite)]
        validity = judge_safety(safety, profile.judge_model, profile.seed, progress=progress)
        judged = [o for o in outputs if isinstance(o.suite.spec, GenerationSuite | ScenarioSuite) and any("rubric" in r for r in o.records)]
        if judged and profile.rubric_judge is not None:
            judge_open([o.records for o in judged], profile.rubric_judge, profile.seed, progress=progress)
        metrics: dict[str, float] = {}
        verdicts: list[Verdict] = []
        for o in outputs:
            if isinstance(o.suite.spec, ScenarioSuite) and any(o is j for j in judged):
                rewrite_scenario_items(o.items_path, o.records, o.restricted_path)
            elif (profile.judge_model is not None and isinstance(o.suite.spec, RefusalSuite)) or any(o is j for j in judged):
                rewrite_items(o.items_path, o.records)
            suite_metrics, suite_verdicts = _log_suite(client, run_id, o, validity.get(o.suite.spec.name, {}))
            metrics |= suite_metrics
            verdicts += suite_verdicts
        log_report(client, run_id)
        describe_run(client, run_id, version, profile.name, metrics, verdicts)
        crash_point("run.described")
        log_results(client, run_id, p.spec, metrics, verdicts, {o.suite.spec.name: len(o.records) for o in outputs}, engine.counts)
    except BaseException as e:
        _record_failure(client, run_id, e)
        end_run(client, run_id, "FAILED")
        raise
    end_run(client, run_id, "FINISHED")
    if client.local is None:
        publish_evaluation(server, run_id)
    return Evaluation(
        run_id, version.name, version.version, metrics, verdicts, client.run_uuid, client.reason, client.local_run_id, resumed is not None, dict(engine.counts),
        engine.bookkeeping_seconds,
    )


def _log_scored_by(client: MlflowClient, run_id: str, version: Any, engine_version: str, max_model_len: int | None) -> None:
    """The weights and the engine that answered: logged once the engine has loaded them and their
    fingerprint was checked again (or, when every answer was recorded, as recorded with them)."""
    log_params(client, run_id, {
        names.P_MODEL_NAME: version.name,
        names.P_MODEL_VERSION: str(version.version),
        names.P_FINGERPRINT: version.tags[names.V_FINGERPRINT],
        names.P_ENGINE_VERSION: engine_version,
        names.P_ENGINE_MAX_MODEL_LEN: str(max_model_len) if max_model_len is not None else "none",
    })


SUITE_KINDS = {MultipleChoiceSuite: "multiple_choice", RefusalSuite: "refusal", GenerationSuite: "generation", BenchmarkSuite: "benchmark", ScenarioSuite: "scenario"}


def run_spec(
    model: str, model_version: str, fingerprint_digest: str, profile: Profile, profile_digest: str, engine_name: str, limit: int | None,
    planned: list[PlannedSuite], policies: dict[str, Policy],
) -> RunSpec:
    """Everything that decides the run's numbers, before the model loads."""
    settings = profile.engine_settings()
    sampling = profile.sampling()
    suites = [
        SuiteSettings(
            name=s.spec.name, kind=SUITE_KINDS[type(s.spec)], n_items=len(s.items), data_digest=s.data_digest,
            items_digest=digest_of([repr(item) for item in s.items]), num_fewshot=s.settings.num_fewshot, scorer=s.settings.scorer,
            circular=s.settings.circular, chat_template=s.settings.chat_template, fewshot_as_multiturn=s.settings.fewshot_as_multiturn,
            fit_policy=s.fit.policy if s.fit is not None else None,
            judging=policies[s.spec.name].params() if s.spec.name in policies else {},
        )
        for s in planned
    ]  # fmt: skip
    return RunSpec(
        model_name=model, model_version=model_version, fingerprint=fingerprint_digest, profile=profile.name, profile_digest=profile_digest,
        engine=engine_spec(engine_name, settings), seed=profile.seed, limit=limit, suites=suites,
        sampling=SamplingSpec(max_tokens=sampling.max_tokens, temperature=sampling.temperature, top_p=sampling.top_p, seed=sampling.seed),
        git_revision=git_revision(), packages=package_versions(),
    )  # fmt: skip


def _record_failure(client: FailoverClient, run_id: str, error: BaseException) -> None:
    """Why the run failed, as tag harness.failure, and where its finished items are (noted on the error
    for the CLI): each item was appended to its staging file as it was scored, and stays there."""
    kept = {path.stem: _count_lines(path) for path in sorted((staging_dir(run_id) / names.A_ITEMS_DIR).glob("*.jsonl"))}
    where = f"{sum(kept.values())} finished items kept in {staging_dir(run_id) / names.A_ITEMS_DIR} ({', '.join(f'{k}: {n}' for k, n in kept.items())})" if sum(kept.values()) else "no item was finished"
    error.add_note(f"run {run_id} is FAILED; {where}; the same command continues it, asking the model only what it has not answered (docs/runs.md)")
    reason = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error) if isinstance(error, (EngineFailure, InputError)) else f"{type(error).__name__}: {error}"
    try:
        set_tags(client, run_id, {names.T_FAILURE: f"{reason[:4000]}; {where}"})
    except Exception as tracking_error:  # the tracking store failing too must not hide why the run failed
        error.add_note(f"the failure could not be recorded on the run: {tracking_error}")


def _count_lines(path: Path) -> int:
    # Counted, not parsed: whatever broke the run must not be hidden by a line it cut short.
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def _check_endpoint(identity: EndpointIdentity, when: str) -> InputError | None:
    identity.check(when)
    return identity.refusal(when)


@dataclass(frozen=True)
class SuiteOutput:
    suite: PlannedSuite
    records: list[dict]
    items_path: Path  # staged items/<suite>.jsonl
    wall_seconds: float  # generation and scoring with the target model
    restricted_path: Path | None = None  # a committee's scenario set: the plain records, never logged


def _generate(client: MlflowClient, run_id: str, engine: Engine, profile: Profile, suite: PlannedSuite, policy: Policy | None, progress: bool) -> SuiteOutput:
    """A suite's items through the target model; each record is staged as soon as it exists."""
    spec = suite.spec
    _log_dataset(client, run_id, suite)
    items_path = staging_dir(run_id) / names.A_ITEMS_DIR / f"{spec.name}.jsonl"
    started = time.monotonic()
    if isinstance(spec, ScenarioSuite):
        # A committee's set: the plain records stay in the staging folder, the logged ones carry digests.
        restricted = staging_dir(run_id) / "restricted" / f"{spec.name}.jsonl" if spec.restricted else None
        with ScenarioWriter(items_path, restricted) as writer:
            records = score_scenario(engine, suite, profile.sampling(), writer, progress=progress)
        return SuiteOutput(suite, records, items_path, time.monotonic() - started, restricted)
    with ItemWriter(items_path) as writer:
        if isinstance(spec, MultipleChoiceSuite):
            records = score_multiple_choice(engine, suite, suite.settings.scorer, writer, progress)
        elif isinstance(spec, GenerationSuite):
            records = score_generation(engine, suite.items, profile.sampling(), writer, progress=progress)
        elif isinstance(spec, BenchmarkSuite):
            # The profile's generation length caps the suite's (a demo keeps both short).
            sampling = dataclasses.replace(profile.sampling(), max_tokens=min(spec.max_tokens, profile.generation.max_tokens))
            records = score_benchmark(engine, suite.items, SCORERS[spec.benchmark], sampling, suite.settings.chat_template, writer, progress=progress)
        else:
            assert policy is not None  # every safety suite has one (resolve_all)
            records = score_refusal(engine, suite.items, spec, policy, profile.sampling(), writer, progress=progress)
    return SuiteOutput(suite, records, items_path, time.monotonic() - started)


def _log_suite(client: MlflowClient, run_id: str, output: SuiteOutput, validity: dict[str, Validity]) -> tuple[dict[str, float], list[Verdict]]:
    spec = output.suite.spec
    verdicts: list[Verdict] = []
    if isinstance(spec, MultipleChoiceSuite):
        metrics = mcq_metrics(spec.name, output.records, risk_identification=spec.data.risk_identification)
    elif isinstance(spec, GenerationSuite):
        metrics = generation_metrics((spec.name,), output.records)
    elif isinstance(spec, BenchmarkSuite):
        metrics = benchmark_metrics(spec.name, output.records, SCORERS[spec.benchmark])
    elif isinstance(spec, ScenarioSuite):
        metrics = scenario_metrics(spec.name, output.records)
    else:
        verdicts = refusal_verdicts(spec, output.records)
        metrics = refusal_metrics(verdicts, output.records) | judge_validity_metrics(spec.name, validity)
    metrics[names.metric(spec.name, "wall_seconds")] = output.wall_seconds
    if output.suite.fit is not None:
        metrics |= fit_metrics(spec.name, output.suite.fit)
    log_file(client, run_id, output.items_path, names.A_ITEMS_DIR)
    crash_point("log.artifact")
    log_metrics(client, run_id, metrics)
    crash_point("log.metrics")
    set_tags(client, run_id, {names.verdict_tag(v.suite, v.bank, v.method): v.as_tag() for v in verdicts})
    return metrics, verdicts


def _log_dataset(client: MlflowClient, run_id: str, suite: PlannedSuite) -> None:
    facts = {"data_digest": suite.data_digest, "n_items": len(suite.items), "data_source": suite.data_source, "data_revision": suite.data_revision}
    if isinstance(suite.spec, MultipleChoiceSuite):
        settings = suite.settings
        chat = {"chat_template": settings.chat_template, "fewshot_as_multiturn": settings.chat_template and settings.fewshot_as_multiturn}
        facts |= {k: str(v).lower() for k, v in chat.items()}  # lm-eval's --apply_chat_template, --fewshot_as_multiturn
        # Settings that change the numbers: harness compare never ranks runs that differ in them.
        facts |= {"num_fewshot": settings.num_fewshot, "scorer": settings.scorer, "circular": str(settings.circular).lower()}
    if isinstance(suite.spec, BenchmarkSuite):
        manifest = suite.spec.data.manifest
        facts |= {"benchmark": suite.spec.benchmark, "data_manifest": (manifest.relative_to(REPO_ROOT) if manifest.is_relative_to(REPO_ROOT) else manifest).as_posix()}
    if suite.fit is not None:
        facts |= {"fit_policy": suite.fit.policy, "prompt_limit": suite.fit.prompt_limit}
        _log_fit(client, run_id, suite)
    log_params(client, run_id, {names.suite_param(suite.spec.name, k): v for k, v in facts.items()})
    tags = [("mlflow.data.context", "evaluation")]
    if isinstance(suite.spec, ScenarioSuite):
        tags.append((names.T_SCENARIO_OWNER, suite.spec.owner.describe()))
    log_dataset(client, run_id, suite.spec.name, suite.data_digest, suite.data_source, tags)
    if isinstance(suite.spec, RefusalSuite):
        _log_bank_checks(client, run_id, suite.spec)
        # The drawn safety sample itself: with the seed and data digests it reproduces the assessment exactly.
        sample_path = staging_dir(run_id) / names.A_SAMPLES_DIR / f"{suite.spec.name}.jsonl"
        with ItemWriter(sample_path) as writer:
            for item in suite.items:
                writer.write({"id": item.id, "bank": item.bank, "label": item.label, "prompt": item.prompt, "prompt_digest": item.prompt_digest})
        log_file(client, run_id, sample_path, names.A_SAMPLES_DIR)


def _log_bank_checks(client: MlflowClient, run_id: str, spec: RefusalSuite) -> None:
    """Every bank of the suite against the standard (as `harness bank check` reports it): whether the
    verdicts rest on banks sufficient for filing evidence is part of the evidence."""
    paths = {"generated": spec.data.generated, "should_refuse": spec.data.should_refuse, "should_not_refuse": spec.data.should_not_refuse, "keywords": spec.data.keywords}
    banks = {kind: read_bank(repo_path(path), kind) for kind, path in paths.items() if path is not None}
    opposite = {"should_refuse": "should_not_refuse", "should_not_refuse": "should_refuse"}
    reports = {kind: check_bank(bank, banks.get(opposite.get(kind, ""))) for kind, bank in banks.items()}
    path = staging_dir(run_id) / names.A_BANK_CHECK_DIR / f"{spec.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({kind: r.as_dict() for kind, r in reports.items()}, ensure_ascii=False, indent=1), encoding="utf-8")
    log_file(client, run_id, path, names.A_BANK_CHECK_DIR)
    set_tags(client, run_id, {names.bank_check_tag(spec.name, kind): "sufficient" if r.sufficient else f"not sufficient: {len(r.reasons)} reasons" for kind, r in reports.items()})


def fit_metrics(suite: str, fit: FitReport) -> dict[str, float]:
    """The histogram of few-shot examples used and the counts of items fitting changed (names.FIT)."""
    out = {names.metric(suite, names.FIT, "shots", str(k)): float(n) for k, n in fit.shots_histogram.items()}
    return out | {
        names.metric(suite, names.FIT, "fewer_shots"): float(fit.fewer_shots),
        names.metric(suite, names.FIT, "truncated"): float(fit.truncated),
        names.metric(suite, names.FIT, "excluded"): float(len(fit.excluded)),
    }


def _log_fit(client: MlflowClient, run_id: str, suite: PlannedSuite) -> None:
    """fit/<suite>.json: what fitting did, item by item, including the ids it left out."""
    fit = suite.fit
    assert fit is not None
    path = staging_dir(run_id) / names.A_FIT_DIR / f"{suite.spec.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    changed = {item_id: {"shots": f.shots, "cut_chars": f.cut, "tokens": f.tokens} for item_id, f in fit.fits.items() if f.shots < fit.asked_shots or f.cut}
    document = {"policy": fit.policy, "context": fit.context, "prompt_limit": fit.prompt_limit, "asked_shots": fit.asked_shots,
                "shots_histogram": fit.shots_histogram, "changed": changed, "excluded": fit.excluded}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    log_file(client, run_id, path, names.A_FIT_DIR)
