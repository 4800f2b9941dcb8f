"""`harness models`: registered models and versions, with their fingerprints and latest verdicts."""

import json
from pathlib import Path, PurePosixPath

from mlflow import MlflowClient

from benchmarks.taxonomy import canonical_sector
from harness import text_table
from harness.evidence import names
from harness.evidence.tracking import evaluation_experiment_ids
from registry.signing import GIT_PATHS, load_private_key, sign_manifest
from registry.fingerprint import SIGNATURE_FILE
from harness.evidence.registration import registered_fingerprint, resolve_version


def _latest_verdicts(client: MlflowClient, experiment_ids: list[str], name: str, version: str) -> str:
    if not experiment_ids:
        return ""
    runs = client.search_runs(
        experiment_ids,
        # Full runs only: a --limit run's verdicts rest on a sample and never stand for the model's.
        filter_string=(
            f"attributes.status = 'FINISHED' and params.`{names.P_MODEL_NAME}` = '{name}' and params.`{names.P_MODEL_VERSION}` = '{version}'"
            f" and params.`{names.P_LIMIT}` = 'none'"
        ),
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
            # Versions registered under an earlier code (an alias) match the sector's current code too.
            if sector and canonical_sector(sector) not in {canonical_sector(c) for c in tags.get(names.V_SECTORS, "").split(",")}:
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


def export_oms(client: MlflowClient, spec: str, private_key_path: Path) -> tuple[str, bytes]:
    """The registered fingerprint of NAME[/VERSION] as an OMS signature made with the evaluator's key:
    anyone can check a copy of the weights against it with `model_signing verify key`. Git metadata is
    left out as `model_signing` leaves it out by default, and so is the enterprise's own model.sig."""
    version = resolve_version(client, spec)
    fp = registered_fingerprint(client, version)
    files = {name: digest for name, digest in fp.files.items() if PurePosixPath(name).parts[0] not in GIT_PATHS}
    label = f"{version.name}/{version.version}"
    return label, sign_manifest(label, files, load_private_key(private_key_path), ignore_paths=(*GIT_PATHS, SIGNATURE_FILE))
