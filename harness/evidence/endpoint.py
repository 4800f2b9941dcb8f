"""Endpoint identity in MLflow: the version's behavioural fingerprint (stored with its submission,
computed on first need) and the identity checks of an `--engine openai` run.

When the fingerprint is computed: lazily, the first time something needs it (an openai run, `harness
verify-endpoint`), and by any in-process vLLM run of the version in the checkpoint's own dtype, which
has the engine loaded anyway (a second or less). Not at submission: an engine start costs 5-20 s on a
CPU and most versions are never served elsewhere; the intake stays engine-free. Whenever it is
computed, it is computed from weights the harness has just re-verified against the fingerprint.
"""

import hashlib
import json
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import openai
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
from mlflow.entities.model_registry import ModelVersion

from harness.engines import Engine, EngineSettings, load_engine
from foundation.errors import EngineFailure, InputError, Problem
from harness.evidence import names
from harness.identity import Behaviour, Distance, checkpoint_dtype, distance, observe, record

REFERENCE_MAX_MODEL_LEN = 512  # canaries are a few dozen tokens, plus the greedy steps


def stored_behaviour(client: MlflowClient, version: ModelVersion) -> Behaviour | None:
    digest = version.tags.get(names.V_BEHAVIOUR)
    if not digest:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        assert version.run_id is not None  # every version is created by its submission run
        data = Path(client.download_artifacts(version.run_id, names.A_BEHAVIOUR, tmp)).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise InputError([Problem(names.A_BEHAVIOUR, names.V_BEHAVIOUR, f"the stored behavioural fingerprint of {version.name}/{version.version} is not the one recorded", "investigate who changed the submission run's artifacts")])
    return Behaviour.from_json(data)


def _store(client: MlflowClient, version: ModelVersion, behaviour: Behaviour) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(names.A_BEHAVIOUR).name
        path.write_bytes(behaviour.to_json())
        client.log_artifact(version.run_id, str(path), str(Path(names.A_BEHAVIOUR).parent))
    client.set_model_version_tag(version.name, version.version, names.V_BEHAVIOUR, behaviour.digest)


def reference_behaviour(client: MlflowClient, version: ModelVersion, checkpoint: Path) -> Behaviour:
    """The stored fingerprint, or one computed now with vLLM in process (the caller verified `checkpoint`)."""
    if (stored := stored_behaviour(client, version)) is not None:
        return stored
    dtype = checkpoint_dtype(checkpoint)
    engine = load_engine("vllm", checkpoint, EngineSettings(dtype=dtype, max_model_len=REFERENCE_MAX_MODEL_LEN))
    try:
        behaviour = record(engine, dtype)
    finally:
        engine.close()
    _store(client, version, behaviour)
    return behaviour


def record_if_missing(client: MlflowClient, version: ModelVersion, checkpoint: Path, engine: Engine, dtype: str) -> None:
    """Record the fingerprint with a run's own vLLM engine when it holds the reference's dtype."""
    if engine.name == "vllm" and dtype == checkpoint_dtype(checkpoint) and not version.tags.get(names.V_BEHAVIOUR):
        _store(client, version, record(engine, dtype))


def measure_endpoint(reference: Behaviour, checkpoint: Path, settings: EngineSettings) -> Distance:
    """Ask the endpoint for its top-k at every reference context and compare."""
    engine = load_engine("openai", checkpoint, settings)
    try:
        return distance(reference, observe(engine, reference))
    except (EngineFailure, openai.OpenAIError, ValueError, KeyError, TypeError) as e:  # EngineFailure: the endpoint failed after its retries
        raise InputError([Problem(
            str(settings.extra.get("base_url")), "endpoint", f"cannot read top-k log-probabilities of token ids from the endpoint ({type(e).__name__}: {e})",
            "check the URL and the served model name; the check needs an OpenAI-compatible completions endpoint that returns token ids (vLLM: return_tokens_as_token_ids)",
        )]) from e
    finally:
        engine.close()


@dataclass
class EndpointIdentity:
    """The before/after checks of one openai run. A mismatch is refused unless `allow_mismatch`."""

    client: MlflowClient
    version: ModelVersion
    checkpoint: Path
    settings: EngineSettings
    allow_mismatch: bool
    checks: dict[str, Distance] = field(default_factory=dict)

    def check(self, when: str) -> Distance:
        reference = reference_behaviour(self.client, self.version, self.checkpoint)
        d = self.checks[when] = measure_endpoint(reference, self.checkpoint, self.settings)
        return d

    def refusal(self, when: str) -> InputError | None:
        d = self.checks[when]
        if d.same or self.allow_mismatch:
            return None
        url = self.settings.extra.get("base_url")
        return InputError([Problem(
            str(url), "endpoint", f"{when} scoring, the endpoint does not behave like {self.version.name}/{self.version.version}: {d.describe()}",
            f"serve the registered checkpoint there, or check it with `harness verify-endpoint {url} --model {self.version.name}/{self.version.version}`; "
            "--allow-endpoint-mismatch scores it anyway and records the mismatch on the run",
        )])

    def log(self, run_id: str, when: str) -> None:
        """Metrics `endpoint/<when>/...`, and the tag with every check so far."""
        document = {w: {"token_agreement": d.token_agreement, "mean_abs_logprob_diff": d.mean_abs_logprob_diff, "shared_tokens": d.shared_tokens,
                        "same": d.same} for w, d in self.checks.items()}  # fmt: skip
        stamp = int(time.time() * 1000)
        # A distance of inf (no shared top-k token at all) stays in the tag: MLflow metrics are finite.
        values = document[when]
        metrics = [Metric(names.endpoint_metric(when, k), values[k], stamp, 0) for k in ("token_agreement", "mean_abs_logprob_diff") if math.isfinite(values[k])]
        params = [Param(names.P_ENDPOINT_OVERRIDE, str(self.allow_mismatch).lower())] if when == "before" else []
        self.client.log_batch(run_id, metrics=metrics, params=params)
        self.client.set_tag(run_id, names.T_ENDPOINT_IDENTITY, json.dumps(document))
