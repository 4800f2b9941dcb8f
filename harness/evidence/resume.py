"""A run's typed records in MLflow: its RunSpec, its Results, and the unfinished run a repeated
command continues."""

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Run

from harness.evidence import names
from harness.evidence.offline import is_unreachable
from harness.runlog import RequestCounts, Results, RunSpec
from harness.scoring.verdict import Verdict


def unfinished_run(client: MlflowClient, experiment: str, spec_digest: str) -> Run | None:
    """The latest run of `experiment` with this RunSpec digest that did not finish (killed: still
    RUNNING; failed: FAILED), or None. A server that cannot be reached has none to offer."""
    try:
        found = client.get_experiment_by_name(experiment)
        if found is None:
            return None
        runs = client.search_runs(
            [found.experiment_id], filter_string=f"tags.`{names.T_RUN_SPEC_DIGEST}` = '{spec_digest}'", order_by=["attributes.start_time DESC"],
        )
    except Exception as e:
        if is_unreachable(e):
            return None
        raise
    return next((r for r in runs if r.info.status != "FINISHED"), None)


def _log_json(client: MlflowClient, run_id: str, artifact: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / artifact
        path.write_text(text, encoding="utf-8")
        client.log_artifact(run_id, str(path))


def log_run_spec(client: MlflowClient, run_id: str, spec: RunSpec) -> None:
    _log_json(client, run_id, names.A_RUN_SPEC, spec.model_dump_json(indent=1))


def log_results(
    client: MlflowClient, run_id: str, spec: RunSpec, metrics: Mapping[str, float], verdicts: list[Verdict], items: dict[str, int], counts: Mapping[str, int],
) -> Results:
    requests = RequestCounts(**{k: int(counts.get(k, 0)) for k in RequestCounts.model_fields})
    results = Results(
        run_spec_digest=spec.digest, metrics=dict(metrics), verdicts=[json.loads(json.dumps(v.as_tag(), ensure_ascii=False)) for v in verdicts],
        items=items, requests=requests,
    )  # fmt: skip
    _log_json(client, run_id, names.A_RESULTS, results.model_dump_json(indent=1))
    for tag, value in ((names.T_REQUESTS_FROM_CACHE, requests.from_cache), (names.T_REQUESTS_FROM_JOURNAL, requests.from_journal), (names.T_REQUESTS_TO_ENGINE, requests.to_engine)):
        client.set_tag(run_id, tag, str(value))
    return results
