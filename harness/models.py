"""`harness models`: registered models and versions, with their fingerprints and latest verdicts."""

import json

from mlflow import MlflowClient

from harness import text_table
from harness.evidence import names
from harness.evidence.tracking import evaluation_experiment_ids


def _latest_verdicts(client: MlflowClient, experiment_ids: list[str], name: str, version: str) -> str:
    if not experiment_ids:
        return ""
    runs = client.search_runs(
        experiment_ids,
        filter_string=f"attributes.status = 'FINISHED' and params.`{names.P_MODEL_NAME}` = '{name}' and params.`{names.P_MODEL_VERSION}` = '{version}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not runs:
        return ""
    verdicts = {k.removeprefix("verdict."): json.loads(v)["passed"] for k, v in runs[0].data.tags.items() if k.startswith("verdict.")}
    return " ".join(f"{k}:{'PASS' if ok else 'FAIL'}" for k, ok in sorted(verdicts.items()))


def list_models(client: MlflowClient, *, enterprise: str | None = None, sector: str | None = None) -> list[dict]:
    experiments = evaluation_experiment_ids(client)
    rows = []
    for model in client.search_registered_models(max_results=1000):
        for v in sorted(client.search_model_versions(f"name = '{model.name}'"), key=lambda v: int(v.version)):
            tags = v.tags
            if enterprise and enterprise not in (tags.get(names.V_ENTERPRISE), tags.get(names.V_USCC)):
                continue
            if sector and sector not in tags.get(names.V_SECTORS, "").split(","):
                continue
            rows.append({
                "name": v.name,
                "version": str(v.version),
                "version_label": tags.get(names.V_VERSION_LABEL, ""),
                "enterprise": tags.get(names.V_ENTERPRISE, ""),
                "uscc": tags.get(names.V_USCC, ""),
                "district": tags.get(names.V_DISTRICT, ""),
                "sectors": tags.get(names.V_SECTORS, ""),
                "fingerprint": tags.get(names.V_FINGERPRINT, ""),
                "latest_verdicts": _latest_verdicts(client, experiments, v.name, v.version),
            })
    return rows


def render_models(rows: list[dict]) -> str:
    if not rows:
        return "no registered models"
    columns = ["name", "version", "version_label", "enterprise", "district", "sectors", "fingerprint", "latest_verdicts"]
    return text_table.render(columns, [[r[c][:16] if c == "fingerprint" else r[c] for c in columns] for r in rows])
