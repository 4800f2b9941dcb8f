"""Every MLflow name the harness writes, in one place.

Committees save comparisons and notebooks against these names: change one only with a note in
the README's 'Evidence in MLflow' section.
"""

# Experiments are per enterprise, because MLflow's permissions are per experiment (and per registered
# model): an enterprise's users are granted READ on its own experiments only (docs/server.md).
# `eval/<profile>` and `submissions` are the names of stores written before that split; readers
# still find them.
EVALUATION_PREFIX = "eval/"
SUBMISSIONS_PREFIX = "submissions"
SCENARIOS_PREFIX = "scenarios"  # scenarios/<USCC> | scenarios/committee: registered scenario sets (harness/evidence/scenarios.py)


def evaluation_experiment(profile: str, uscc: str) -> str:
    """One experiment per (profile, enterprise): `eval/<profile>/<USCC>`. A round of a profile is
    every experiment under `eval/<profile>/`."""
    return f"{EVALUATION_PREFIX}{profile}/{uscc}"


def submission_experiment(uscc: str) -> str:
    """One experiment per enterprise for its submission runs (manifest, fingerprint, inspection)."""
    return f"{SUBMISSIONS_PREFIX}/{uscc}"


def round_experiment(profile: str) -> str:
    """The committee's page of a round (every run of one profile): its description links the saved
    comparison view; it holds no runs, and enterprises are granted nothing on it."""
    return f"rounds/{profile}"


ROUND_VIEW_KEY = "committee"  # the saved view: experiment tag `mlflow.sharedViewState.committee`
SHARED_VIEW_TAG_PREFIX = "mlflow.sharedViewState."  # MLflow's UI reads a saved runs-table view from this tag
V_EVALUATION_PREFIX = "evaluation."  # model version tag `evaluation.<profile>`: the latest run and its verdicts, one line


def is_evaluation_experiment(name: str, profile: str | None = None) -> bool:
    """Whether an experiment holds evaluation runs (of `profile`, when given), old layout included."""
    if not name.startswith(EVALUATION_PREFIX):
        return False
    return profile is None or name.removeprefix(EVALUATION_PREFIX).split("/")[0] == profile


def is_submission_experiment(name: str) -> bool:
    return name == SUBMISSIONS_PREFIX or name.startswith(f"{SUBMISSIONS_PREFIX}/")


# Tags of an experiment the harness creates: whose it is (the access policy grants on them) and
# how MLflow's UI opens it.
X_ENTERPRISE_USCC = "harness.enterprise.uscc"
X_ENTERPRISE = "harness.enterprise"
X_PROFILE = "harness.profile"  # evaluation experiments only
X_KIND_TAG = "mlflow.experimentKind"  # MLflow 3's UI opens "custom_model_development" on the runs table
X_KIND_VALUE = "custom_model_development"
X_NOTE = "mlflow.note.content"  # an experiment's or run's description, rendered as Markdown by the UI


# Params of an evaluation run.
P_MODEL_NAME = "model.name"
P_MODEL_VERSION = "model.version"
P_FINGERPRINT = "model.fingerprint"
P_ENGINE = "engine"
P_ENGINE_VERSION = "engine.version"
P_ENGINE_MAX_MODEL_LEN = "engine.max_model_len"  # what the engine held prompts to, or "none"
P_SEED = "seed"
P_PROFILE = "profile"
P_PROFILE_DIGEST = "profile.digest"
P_SUITES = "suites"
P_LIMIT = "limit"  # --limit N, or "none" for a full run; harness compare shows limited runs apart
P_ENGINE_DTYPE = "engine.dtype"  # the profile's engine dtype ("auto" lets the checkpoint decide)
P_GENERATION_MAX_TOKENS = "generation.max_tokens"  # sampling of free generation (safety suites)
P_GENERATION_TEMPERATURE = "generation.temperature"
P_GENERATION_TOP_P = "generation.top_p"
P_JUDGE_MODEL_PATH = "judge_model.path"  # only when the profile names a classifier judge
P_JUDGE_MODEL_FINGERPRINT = "judge_model.fingerprint"
P_RUBRIC_JUDGE_PATH = "rubric_judge.path"  # only when a suite has open questions (harness/scoring/judges/rubric.py)
P_RUBRIC_JUDGE_FINGERPRINT = "rubric_judge.fingerprint"
P_JUDGE_MODEL_KIND = "judge_model.kind"  # "guard" (response moderation) | "rubric" (instruction model, JSON)

# Tags of every run the harness writes.
T_KIND = "harness.kind"  # "evaluation" | "submission"
T_GIT_REVISION = "harness.git_revision"
T_PACKAGES = "harness.packages"
T_FAILURE = "harness.failure"  # why a run ended FAILED: the engine's diagnosis, the bad input (e.g. the checkpoint changed while the engine loaded), or the error
T_RUN_UUID = "harness.run_uuid"  # the evaluation's own id: the same in a local store and on the server
T_SYNC_TARGET = "harness.sync.target"  # on a run kept locally: the tracking server it belongs to
T_SERVER_RUN = "harness.sync.server_run_id"  # on a run kept locally: its id on the server (created before the outage, or by `harness sync`)
T_OFFLINE_NOTE = "harness.offline"  # why a run was kept locally (the error that made the server unreachable)
T_VERDICTS_SUMMARY = "summary.verdicts"  # one line for the runs table, e.g. "符合 2 / 不符合 1 (PASS 2 / FAIL 1)"

# Tags of a scenario set's registration run (experiment `scenarios/<USCC>` or `scenarios/committee`;
# never the items themselves).
T_SCENARIO_NAME = "scenario.name"
T_SCENARIO_DIGEST = "scenario.digest"  # SHA-256 of the items file: the set's identity
T_SCENARIO_OWNER = "scenario.owner"  # "enterprise:<USCC> <name>" | "committee:<name>"
T_SCENARIO_SECTOR = "scenario.sector"
T_SCENARIO_COUNTS = "scenario.counts"  # JSON: items per type (choice, short, open)
A_SCENARIO_DIR = "scenario"  # scenario/<name>.yaml: the registered suite file (no item text)

# Tags of a model version (the submission's facts).
V_FINGERPRINT = "fingerprint"
V_CHECKPOINT = "checkpoint_path"
V_ENTERPRISE = "enterprise"
V_USCC = "uscc"
V_DISTRICT = "district"
V_SECTORS = "sectors"
V_VERSION_LABEL = "version_label"
V_BASE_MODEL = "base_model"
V_BASE_VERSION = "base_model.version"  # NAME/VERSION of the registered base (manifest model.base_registered), pinned at submission
V_BASE_FINGERPRINT = "base_model.fingerprint"  # that base version's fingerprint, so `harness uplift` compares with exactly it
V_REFERENCE = "reference"  # "true" on a version submitted with `harness submit --reference` (a public base model the evaluator registers)
V_ARCHITECTURE = "architecture"
V_SUBMISSION_RUN = "submission_run_id"
V_PARAMETERS = "parameters"
V_DTYPES = "dtypes"
V_VLLM_SUPPORTED = "vllm_supported"  # "yes" | "no" | "unknown"
V_CUSTOM_CODE = "custom_code_allowed"  # set only when an administrator allowed custom code
V_STORE = "checkpoint_store"  # where the version's files are stored (registry/checkpoint_store.py); absent: registered before the store
V_FINGERPRINT_SCHEME = "fingerprint_scheme"  # listing scheme of the fingerprint (registry/fingerprint.py); absent: 1

# Artifacts.
A_MANIFEST = "submission/manifest.yaml"
A_FINGERPRINT = "submission/fingerprint.json"
A_INSPECTION = "submission/inspection.json"
A_ITEMS_DIR = "items"  # items/<suite>.jsonl, one line per scored item
A_SAMPLES_DIR = "samples"  # samples/<suite>.jsonl: the drawn safety sample (id, bank, label, prompt)
A_PROFILE = "definitions/profile.yaml"  # the profile file the run was made with (see A_DEFINITIONS_DIR)
A_REVIEW_DIR = "review"  # human review (harness/review.py), per safety suite:
# review/<suite>.csv (the latest imported sheet's rows), review/<suite>.jsonl (the current human
# decisions, one per reviewed item, latest import wins per item), and review/history/<suite>.<k>.csv
# and .jsonl (import k's sheet and the decisions after it; never overwritten).
HUMAN = "human"  # the human-review method: metrics `<suite>/<bank>/human/...` (harness.scoring.judges.human),
# tag verdict_tag(suite, bank, HUMAN)
A_BANK_CHECK_DIR = "bank_check"  # bank_check/<suite>.json: every bank of a safety suite checked against the standard
A_REPORT = "report/self_assessment.md"  # the run's self-assessment section (harness/reporting/markdown.py)
A_DEFINITIONS_DIR = "definitions"  # what the run was made with (harness/evidence/definitions.py):
# definitions/profile.yaml (the profile file), definitions/suites/<suite>.yaml (each suite file as
# written) and definitions/suites.json (each suite as used: `--data` applied, data paths absolute,
# and for safety suites the standard's requirements the verdicts were judged by).
A_FIT_DIR = "fit"  # fit/<suite>.json: prompt fitting (policy, limit, shots per item, excluded ids)

# Prompt fitting (harness/fitting.py), per suite: params `<suite>.fit_policy` (fewer_shots | truncate |
# exclude) and `<suite>.prompt_limit` (tokens a prompt may take: the engine's context less what
# generation needs); metrics `<suite>/fit/shots/<k>` (items with k few-shot examples: the histogram),
# `<suite>/fit/fewer_shots`, `<suite>/fit/truncated`, `<suite>/fit/excluded` (counts). Item lines
# carry `shots` (multiple choice) and `truncated: true` where the prompt was cut.
FIT = "fit"

# Generation suites (kind generation; harness/aggregate.py generation_metrics). Short answers:
# `<suite>/exact_match` (+ `_ci_low`, `_ci_high` Wilson, `n`), `<suite>/char_f1` and `<suite>/rouge_l`
# (means over items, + `_ci_low`, `_ci_high`: 95% percentile bootstrap, seeded), the same under
# `<suite>/subject/<subject>/` when items name several subjects. Open questions:
# `<suite>/rubric/pass_rate` over the judge's decided items (+ CI, `n` = decided), `/items`,
# `/undecided`, `/undecided_rate`, `/pass_rate_bound_low` and `/pass_rate_bound_high` (undecided counted as
# fails, as passes). Item lines: `type` (short | open), `prompt`, `response`, `references` with
# `exact_match`, `char_f1`, `rouge_l`; or `rubric` with `verdict` (pass | fail | undecided) and `judge_reason`.
REFERENCE_MEASURES = ("exact_match", "char_f1", "rouge_l")
RUBRIC = "rubric"

# Scenario sets (kind scenario; harness/aggregate.py scenario_metrics): the multiple-choice metrics
# under `<suite>/choice/` (category: the set's sector), the short-answer ones under `<suite>/short/`,
# the rubric ones under `<suite>/open/`. Params `<suite>.scenario_owner`, `<suite>.scenario_sector`,
# `<suite>.scenario_registration` (the registration run) beside `<suite>.data_digest` (the set's
# digest); the dataset input carries the digest. Item lines carry `type` (choice | short | open); a
# committee's set has `<field>_sha256` in place of prompt, response, references and rubric, and
# `response_chars` (the plain lines stay in the evaluating machine's staging folder, restricted/).
SCENARIO_PARTS = ("choice", "short", "open")

# Public sector benchmarks (kind benchmark; harness/scoring/benchmark.py benchmark_metrics): params
# `<suite>.benchmark` and `<suite>.data_manifest` (corpora/external/<benchmark>/MANIFEST.yaml: source,
# licence, how to obtain); metrics `<suite>/score` (the official aggregate: points over maximum points
# pooled, or the mean of subject / task scores where the official code averages them; + `_ci_low`,
# `_ci_high`: 95% percentile bootstrap, items resampled within subject, seeded; `n` items scored),
# `<suite>/subject/<name>/score|n`, `<suite>/excluded` (items the official code leaves out),
# `<suite>/abstention_rate`, and each benchmark's own official numbers (`group/<g>/accuracy`,
# `group/<g>/scoring_rate`, `category/<c>/accuracy`, `subject/<task>/abstention_rate`, `weighted_f1`,
# `answered_rate`). Item lines: `response`, `prediction`, `points`, `max_points`, `abstained`, `reference`.
BENCHMARK_SCORE = "score"
A_REPORT_HTML = "report/report.html"  # the whole report, self-contained HTML with charts (harness/reporting/)
A_REPORT_PDF = "report/report.pdf"  # the same printed to PDF, stored by `harness report RUN_ID --format pdf --log`


def bank_check_tag(suite: str, bank: str) -> str:
    """"sufficient", or "not sufficient: N reasons" (the reasons are in bank_check/<suite>.json)."""
    return f"bank_check.{suite}.{bank}"


def verdict_tag(suite: str, bank: str, method: str = "") -> str:
    """JSON: passed (the rate over decided items against the threshold), state (`PASS`, `FAIL`, or
    `UNDECIDED` when the undecided items could flip the verdict), rate and n (over decided items),
    undecided (items no judge decided), bound_low and bound_high (the rate over every item if each
    undecided one failed, or succeeded), threshold, clause, and a note (sample below the standard's
    minimum, undecided items, an interval spanning the threshold).

    Without `method`: the run's verdict (for generated content, every automatic judge must pass an
    item). With it: the verdict by one method alone, as the standard reports the generated-content
    pass rate separately by keyword check, by classifier and by human review: `keyword`, `model`,
    `human`."""
    return f"verdict.{suite}.{bank}" + (f".{method}" if method else "")


def verdict_summary_tag(suite: str, bank: str, method: str = "") -> str:
    """The same verdict as `verdict_tag` in one line a person reads in the UI's tag list (the JSON one
    is for programs): e.g. "FAIL 不符合: 92.2% [81.5%, 96.9%] n=51, threshold >= 95% (TC260-003-2024 …)".
    Its own prefix, so readers of `verdict.*` tags never meet it."""
    return f"summary.verdict.{suite}.{bank}" + (f".{method}" if method else "")


def review_tag(suite: str) -> str:
    """JSON: imports (how many sheets were imported), reviewed (items with a human verdict),
    reviewers, sheet (the latest import's history artifact), imported_at."""
    return f"review.{suite}"


def judging_param(suite: str, key: str) -> str:
    """`<suite>.judging.refusal` (the refusal chain in order, e.g. `rule-refusal,model,human`),
    `<suite>.judging.content` (the generated-content judges, e.g. `keyword,model`) and
    `<suite>.judging.controversial` (`unsafe` | `safe` | `undecided`): the combining policy
    (harness/scoring/judging.py) as the run applied it."""
    return f"{suite}.judging.{key}"


def rate_name(bank: str) -> str:
    """The rate a safety bank is judged on: pass rate of generated content, else refusal rate."""
    return "pass_rate" if bank == "generated" else "refusal_rate"


def suite_param(suite: str, name: str) -> str:
    """Per-suite params: `data_digest` (SHA-256 of the data read), `n_items`, `fit_policy` and
    `prompt_limit` (when the run fitted prompts to the model: see FIT); multiple choice also
    `data_source` (a local directory or `hf:<repo>`), `data_revision` (`local`, or the hub revision
    asked for, `<revision>@<commit sha>` when the hub resolved it), `chat_template` and
    `fewshot_as_multiturn` (`true`/`false`: lm-eval's --apply_chat_template, --fewshot_as_multiturn),
    `num_fewshot`, `scorer` (`harness` | `fast` | `lm-eval`) and `circular` (`true`/`false`)."""
    return f"{suite}.{name}"


def metric(suite: str, *parts: str) -> str:
    """`<suite>/<part>/...`; MLflow's UI groups metrics by the first segment.

    Multiple choice (harness.aggregate.mcq_metrics): `accuracy` (+ `_ci_low`, `_ci_high`, `n`; Wilson)
    and `accuracy_macro` (mean of subject accuracies, + `accuracy_macro_ci_low`, `accuracy_macro_ci_high`:
    95% percentile bootstrap, items resampled within each subject, seeded; NaN when no subject has two
    items); the same under `subject/<key>/`, `category/<name>/` and `group/<name>/` (the last two with
    their own `accuracy_macro` and its CI); `position/<letter>/{prediction_rate,answer_rate}` and
    `position/<letter>/accuracy` (+ CI, n); `circular/accuracy` (+ CI, n) and `circular/consistency`
    when rotated; `fast_path_rate`; `wall_seconds`. Risk identification (layout `risk-id-jsonl`) adds
    `detection/risky/flagged_rate` (texts with a risk flagged as risky in any group: the recall) and
    `detection/no_risk/flagged_rate` (texts without one flagged: the false-positive rate), each with CI
    and n; its subjects are the risk groups (`A.1` ... `A.5`, `none`), its categories `risky`, `no_risk`.

    Safety banks (harness.aggregate.refusal_metrics), under `<bank>/` and `<bank>/<method>/`: the rate
    `refusal_rate` or `pass_rate` over the items the judges decided (+ `_ci_low`, `_ci_high`, `n`), and
    `undecided` (items no judge decided), `<rate>_bound_low` / `<rate>_bound_high` (the rate over every
    item of the bank if each undecided item failed / succeeded), `could_flip` (1 when the threshold
    lies between the bounds: the verdict is UNDECIDED), `pass`; per bank also `non_answer_rate` and
    `judges_disagree` (items two judges decided differently). Judge validity `judge/<judge>/` adds
    `undecided` (labelled items it left undecided) to `precision`, `recall`, `n`; the model judge's
    refusal decisions are `judge/model-refusal/`."""
    return "/".join((suite, *parts))


# Signed evidence and provenance (issue 11: docs/evidence.md).
ENTERPRISE_KEYS_EXPERIMENT = "enterprise-keys"  # one run per registered enterprise public key
K_USCC = "enterprise.uscc"  # tags of a key-registration run
K_KEY_ID = "enterprise.key_id"  # sha256 of the PEM public key, as OMS bundles hint it
K_PUBLIC_KEY = "enterprise.public_key"  # the PEM itself
V_PROVENANCE = "provenance"  # "unsigned" | "signed by the enterprise (key <key id>)"
V_PROVENANCE_KEY = "provenance.key_id"  # only when signed
A_ENTERPRISE_SIGNATURE = "submission/model.sig"  # the enterprise's OMS signature as submitted
V_BEHAVIOUR = "behaviour.digest"  # sha256 of submission/behaviour.json, once computed
A_BEHAVIOUR = "submission/behaviour.json"  # the behavioural fingerprint (canary continuations, top-k logprobs)
P_ENDPOINT_OVERRIDE = "endpoint.identity_override"  # "true" when --allow-endpoint-mismatch was given
T_ENDPOINT_IDENTITY = "endpoint.identity"  # JSON: before/after distances and decisions of an openai run
A_EVIDENCE_DIR = "evidence"  # evidence/evidence.sig and evidence/run.json: the run's signed bundle, left out of what it signs
T_EVIDENCE_PREFIX = "evidence."  # tags `harness bundle` sets; left out of what it signs
T_EVIDENCE_KEY = "evidence.key_id"  # the key the latest bundle was signed with


def endpoint_metric(when: str, distance: str) -> str:
    """`endpoint/<before|after>/<token_agreement|mean_abs_logprob_diff>` of an openai run."""
    return f"endpoint/{when}/{distance}"


# Typed run logs, resume and the request cache (issue 12: harness/runlog.py, docs/runs.md).
P_SCHEMA_VERSION = "schema_version"  # runlog.SCHEMA_VERSION of the files the run wrote
T_SCHEMA_VERSION = "harness.schema_version"
T_RUN_SPEC_DIGEST = "harness.run_spec.digest"  # digest of run_spec.json: the same command after a crash continues the unfinished run with it
A_RUN_SPEC = "run_spec.json"  # runlog.RunSpec: everything that decides the run's numbers
A_RESULTS = "results.json"  # runlog.Results: metrics, verdicts, item counts, request counts; logged last
T_REQUESTS_FROM_CACHE = "requests.from_cache"  # requests answered by another run of the same weights (the shared request cache)
T_REQUESTS_FROM_JOURNAL = "requests.from_journal"  # requests answered before an interruption (the run's own journal)
T_REQUESTS_TO_ENGINE = "requests.to_engine"  # requests the model answered in the process that finished the run
T_RESUMED = "harness.resumed"  # how many times the run was continued after an interruption
