"""`harness verify-endpoint URL --model NAME/VERSION`: is this OpenAI-compatible endpoint serving the
registered checkpoint? A programme office can ask at any time, without running an evaluation."""

from dataclasses import dataclass

import openai
from mlflow import MlflowClient

from harness.checkpoints import checked_checkpoint
from harness.engines import EngineSettings
from harness.engines.openai_engine import endpoint_url
from foundation.errors import InputError, Problem
from harness.evidence.endpoint import measure_endpoint, reference_behaviour
from harness.identity import MAX_LOGPROB_DIFF, MIN_AGREEMENT, TOP_K, Distance
from harness.text_table import render


@dataclass(frozen=True)
class EndpointVerdict:
    url: str
    served_model_name: str
    model: str  # NAME/VERSION
    distance: Distance

    def as_dict(self) -> dict:
        d = self.distance
        return {
            "url": self.url, "served_model_name": self.served_model_name, "model": self.model, "same": d.same,
            "token_agreement": d.token_agreement, "mean_abs_logprob_diff": d.mean_abs_logprob_diff, "shared_tokens": d.shared_tokens,
            "positions": d.positions, "min_agreement": MIN_AGREEMENT, "max_logprob_diff": MAX_LOGPROB_DIFF, "per_canary": d.per_canary,
        }  # fmt: skip

    def render(self) -> str:
        d = self.distance
        rows = [[c["id"], f"{c['token_agreement']:.3f}", f"{c['mean_abs_logprob_diff']:.5f}"] for c in d.per_canary]
        rows.append(["all", f"{d.token_agreement:.3f}", f"{d.mean_abs_logprob_diff:.5f}"])
        table = render(["canary", "token agreement", f"mean |Δ logprob| (top-{TOP_K})"], rows)
        return f"{table}\n\n{self.url} ({self.served_model_name}) vs {self.model}: {d.describe()}"


def verify_endpoint(client: MlflowClient, url: str, model_spec: str, served_model_name: str | None, *, progress: bool = False) -> EndpointVerdict:
    endpoint_url(url, "URL")
    version, verified = checked_checkpoint(client, model_spec, progress)
    checkpoint = verified.directory
    served = served_model_name or _only_served_model(url)
    reference = reference_behaviour(client, version, checkpoint)
    d = measure_endpoint(reference, checkpoint, EngineSettings(extra={"base_url": url, "served_model_name": served}))
    return EndpointVerdict(url, served, f"{version.name}/{version.version}", d)


def _only_served_model(url: str) -> str:
    try:
        with openai.OpenAI(base_url=url, api_key="EMPTY", timeout=30) as api:
            served = [m.id for m in api.models.list()]
    except openai.OpenAIError as e:
        raise InputError([Problem(url, "URL", f"the endpoint does not answer /models ({type(e).__name__}: {e})", "give the OpenAI base URL, e.g. http://HOST:8000/v1")]) from e
    if len(served) != 1:
        raise InputError([Problem(url, "--served-model-name", f"the endpoint serves {len(served)} models ({', '.join(served)})", "name the one to check with --served-model-name")])
    return served[0]
