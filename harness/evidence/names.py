"""Every MLflow name the harness writes, in one place.

Committees save comparisons and notebooks against these names: change one only with a note in
the README's 'Evidence in MLflow' section.
"""

SUBMISSIONS_EXPERIMENT = "submissions"


def evaluation_experiment(profile: str) -> str:
    return f"eval/{profile}"


# Params of an evaluation run.
P_MODEL_NAME = "model.name"
P_MODEL_VERSION = "model.version"
P_FINGERPRINT = "model.fingerprint"
P_ENGINE = "engine"
P_ENGINE_VERSION = "engine.version"
P_SEED = "seed"
P_PROFILE = "profile"
P_PROFILE_DIGEST = "profile.digest"
P_SUITES = "suites"
P_LIMIT = "limit"

# Tags of every run the harness writes.
T_KIND = "harness.kind"  # "evaluation" | "submission"
T_GIT_REVISION = "harness.git_revision"
T_PACKAGES = "harness.packages"

# Tags of a model version (the submission's facts).
V_FINGERPRINT = "fingerprint"
V_CHECKPOINT = "checkpoint_path"
V_ENTERPRISE = "enterprise"
V_USCC = "uscc"
V_DISTRICT = "district"
V_SECTORS = "sectors"
V_VERSION_LABEL = "version_label"
V_BASE_MODEL = "base_model"
V_ARCHITECTURE = "architecture"
V_SUBMISSION_RUN = "submission_run_id"
V_PARAMETERS = "parameters"
V_DTYPES = "dtypes"
V_VLLM_SUPPORTED = "vllm_supported"  # "yes" | "no" | "unknown"
V_CUSTOM_CODE = "custom_code_allowed"  # set only when an administrator allowed custom code

# Artifacts.
A_MANIFEST = "submission/manifest.yaml"
A_FINGERPRINT = "submission/fingerprint.json"
A_INSPECTION = "submission/inspection.json"
A_ITEMS_DIR = "items"  # items/<suite>.jsonl, one line per scored item
A_PROFILE = "profile.yaml"


def verdict_tag(suite: str, bank: str) -> str:
    """JSON: passed, rate, n, threshold, clause, and a note when the sample is below the standard's."""
    return f"verdict.{suite}.{bank}"


def suite_param(suite: str, name: str) -> str:
    """Per-suite params: `data_digest` (SHA-256 of the files read), `n_items`."""
    return f"{suite}.{name}"


def metric(suite: str, *parts: str) -> str:
    """`<suite>/<part>/...`; MLflow's UI groups metrics by the first segment."""
    return "/".join((suite, *parts))
