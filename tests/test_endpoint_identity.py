"""Endpoint identity against one real `vllm serve` of zh-tiny-tuned (float32) on 127.0.0.1, shared by
the module: `harness verify-endpoint` takes it for zh-tiny-tuned/1 and not for zh-tiny-base/1; an
`--engine openai` run against the right version scores and records both checks; against the wrong
one it is refused before any run exists, and scored with the mismatch on record when overridden.
The same weights in bfloat16 (transformers in process) are measured against the same reference."""  # noqa: RUF002

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from mlflow.entities import ViewType

from harness.cli import VERIFICATION_FAILED, main
from harness.engines import EngineSettings, load_engine
from harness.engines.local_server import vllm_serve
from harness.evidence import names
from harness.evidence.tracking import evaluation_experiment_ids
from harness.evidence.endpoint import EndpointIdentity, reference_behaviour, stored_behaviour
from harness.identity import MAX_LOGPROB_DIFF, Behaviour, distance, observe
from foundation.paths import CONFIGS_DIR

pytestmark = pytest.mark.engine
SERVED = "tiny"


@pytest.fixture(scope="module")
def references(store, demo_checkpoints) -> dict[str, Behaviour]:
    """Both versions' fingerprints, computed (or found) before the server starts: one engine at a time."""
    out = {}
    for name in ("zh-tiny-tuned", "zh-tiny-base"):
        version = store.client.get_model_version(name, "1")
        out[name] = reference_behaviour(store.client, version, demo_checkpoints[name])
    return out


@pytest.fixture(scope="module")
def endpoint(references, demo_checkpoints) -> Iterator[str]:
    with vllm_serve(demo_checkpoints["zh-tiny-tuned"], served_model_name=SERVED, dtype="float32") as url:
        yield url


def verify_endpoint(store, url: str, model: str, capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["verify-endpoint", url, "--model", model, "--json", "--tracking-uri", store.uri])
    return code, json.loads(capsys.readouterr().out)


def test_fingerprint_is_stored_with_the_version(store, references) -> None:
    version = store.client.get_model_version("zh-tiny-tuned", "1")
    stored = stored_behaviour(store.client, version)
    assert stored is not None and stored.digest == version.tags[names.V_BEHAVIOUR] == references["zh-tiny-tuned"].digest
    assert stored.recipe["dtype"] == "float32" and len(stored.traces) == 16
    # Different weights, different behaviour: the canaries tell the two demo models apart.
    assert [t.greedy for t in stored.traces] != [t.greedy for t in references["zh-tiny-base"].traces]


def test_verify_endpoint_tells_the_served_checkpoint_apart(store, endpoint, capsys) -> None:
    code, same = verify_endpoint(store, endpoint, "zh-tiny-tuned/1", capsys)
    assert code == 0 and same["same"] and same["served_model_name"] == SERVED, same
    assert same["token_agreement"] == 1.0 and same["mean_abs_logprob_diff"] < same["max_logprob_diff"]
    code, other = verify_endpoint(store, endpoint, "zh-tiny-base/1", capsys)
    assert code == VERIFICATION_FAILED and not other["same"], other
    assert other["token_agreement"] < other["min_agreement"] or other["mean_abs_logprob_diff"] > other["max_logprob_diff"]
    assert main(["verify-endpoint", endpoint, "--model", "zh-tiny-base/1", "--tracking-uri", store.uri]) == VERIFICATION_FAILED
    table = capsys.readouterr().out
    assert table.startswith("canary") and "\nzh-01 " in table and "NOT the registered model" in table, table


@pytest.fixture(scope="module")
def openai_profile(endpoint, tmp_path_factory: pytest.TempPathFactory) -> Path:
    profile = yaml.safe_load((CONFIGS_DIR / "demo.yaml").read_text(encoding="utf-8"))
    profile["name"] = "demo-endpoint"
    profile["engine"] = {"name": "openai", "extra": {"base_url": endpoint, "served_model_name": SERVED}}
    path = tmp_path_factory.mktemp("profiles") / "demo-endpoint.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return path


def _runs(store) -> list:
    experiments = evaluation_experiment_ids(store.client, "demo-endpoint")
    return store.client.search_runs(experiments, run_view_type=ViewType.ALL) if experiments else []


def test_openai_run_checks_the_endpoint_before_and_after(store, openai_profile, capsys) -> None:
    assert main(["run", str(openai_profile), "--model", "zh-tiny-tuned/1", "--limit", "2", "--json", "--tracking-uri", store.uri]) == 0
    run = store.client.get_run(json.loads(capsys.readouterr().out)["run_id"])
    identity = json.loads(run.data.tags[names.T_ENDPOINT_IDENTITY])
    assert identity["before"]["same"] and identity["after"]["same"], identity
    assert run.data.metrics[names.endpoint_metric("after", "token_agreement")] == 1.0
    assert run.data.params[names.P_ENDPOINT_OVERRIDE] == "false"


def test_openai_run_on_another_model_is_refused_unless_overridden(store, openai_profile, capsys) -> None:
    before = len(_runs(store))
    assert main(["run", str(openai_profile), "--model", "zh-tiny-base/1", "--limit", "2", "--tracking-uri", store.uri]) == 2
    errors = capsys.readouterr().err
    assert "before scoring, the endpoint does not behave like zh-tiny-base/1" in errors and "--allow-endpoint-mismatch" in errors, errors
    assert len(_runs(store)) == before  # refused before any run existed

    args = ["run", str(openai_profile), "--model", "zh-tiny-base/1", "--limit", "2", "--allow-endpoint-mismatch", "--json", "--tracking-uri", store.uri]
    assert main(args) == 0
    run = store.client.get_run(json.loads(capsys.readouterr().out)["run_id"])
    identity = json.loads(run.data.tags[names.T_ENDPOINT_IDENTITY])
    assert not identity["before"]["same"] and not identity["after"]["same"]
    assert run.data.params[names.P_ENDPOINT_OVERRIDE] == "true" and run.info.status == "FINISHED"


def test_same_weights_in_bfloat16_are_measured(references, demo_checkpoints) -> None:
    """The dtype row of the identity table, in process: bfloat16 rounds every weight; the distance
    shows it, and stays within the tolerance (measured 0.029 against a bound of 0.05)."""
    engine = load_engine("hf", demo_checkpoints["zh-tiny-tuned"], EngineSettings(dtype="bfloat16"))
    try:
        d = distance(references["zh-tiny-tuned"], observe(engine, references["zh-tiny-tuned"]))
    finally:
        engine.close()
    assert 0.0 < d.mean_abs_logprob_diff < MAX_LOGPROB_DIFF and d.token_agreement < 1.0
    assert d.same, d.describe()


def test_a_mismatch_after_scoring_names_the_moment(store, endpoint, demo_checkpoints) -> None:
    """What `harness run` raises (and marks the run FAILED with) when the endpoint changes during scoring."""
    version = store.client.get_model_version("zh-tiny-base", "1")
    settings = EngineSettings(extra={"base_url": endpoint, "served_model_name": SERVED})
    identity = EndpointIdentity(store.client, version, demo_checkpoints["zh-tiny-base"], settings, allow_mismatch=False)
    identity.check("after")
    refused = identity.refusal("after")
    assert refused is not None and "after scoring, the endpoint does not behave like zh-tiny-base/1" in str(refused)
    overridden = EndpointIdentity(store.client, version, demo_checkpoints["zh-tiny-base"], settings, allow_mismatch=True)
    overridden.check("after")
    assert overridden.refusal("after") is None
