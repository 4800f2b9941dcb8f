"""The definitions a run was made with, stored with the run: the profile file, each suite file as
written, and each suite as used (`--data` applied, data paths absolute) with the standard's
requirements its verdicts were judged by. Review, report and a later resume read these, never the
repository's current files, which may have changed or may not hold a suite of one's own at all.

Artifacts (names.A_DEFINITIONS_DIR): `profile.yaml`, `suites/<suite>.yaml`, `suites.json`
(`{"requirements": {...}, "suites": {"<suite>": {"file": PATH, "file_sha256": HEX, "spec": {...}}}}`).
"""

import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from pydantic import TypeAdapter

from benchmarks.catalog import RefusalSuite, SuiteSpec
from harness.evidence import names
from harness.plan import PlannedSuite
from benchmarks.safety.requirements import Requirements, requirements
from harness.store import staging_dir

_SPEC: TypeAdapter[SuiteSpec] = TypeAdapter(SuiteSpec)
INDEX = "suites.json"


def log_definitions(client: MlflowClient, run_id: str, profile_file: Path, planned: Sequence[PlannedSuite]) -> None:
    root = staging_dir(run_id) / names.A_DEFINITIONS_DIR
    (root / "suites").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(profile_file, root / "profile.yaml")
    index: dict[str, dict[str, Any]] = {}
    for suite in planned:
        entry: dict[str, Any] = {"file": None, "file_sha256": None, "spec": suite.spec.model_dump(mode="json")}
        if suite.source_file is not None:
            text = suite.source_file.read_bytes()
            (root / "suites" / f"{suite.spec.name}.yaml").write_bytes(text)
            entry |= {"file": str(suite.source_file), "file_sha256": hashlib.sha256(text).hexdigest()}
        index[suite.spec.name] = entry
    document = {"requirements": requirements().model_dump(mode="json"), "suites": index}
    (root / INDEX).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    client.log_artifacts(run_id, str(root), names.A_DEFINITIONS_DIR)


def _stored_index(client: MlflowClient, run_id: str) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = client.download_artifacts(run_id, f"{names.A_DEFINITIONS_DIR}/{INDEX}", tmp)
        except (MlflowException, OSError):  # runs made before definitions were stored
            return None
        index: dict[str, Any] = json.loads(Path(local).read_text(encoding="utf-8"))
        return index


def stored_requirements(client: MlflowClient, run_id: str) -> Requirements | None:
    index = _stored_index(client, run_id)
    return Requirements.model_validate(index["requirements"]) if index else None


def stored_suites(client: MlflowClient, run_id: str) -> dict[str, SuiteSpec] | None:
    """Suite name -> the suite as the run used it (safety suites pinned to the run's requirements);
    None for a run made before definitions were stored."""
    index = _stored_index(client, run_id)
    if index is None:
        return None
    stored = Requirements.model_validate(index["requirements"])
    suites = {}
    for name, entry in index["suites"].items():
        spec = _SPEC.validate_python(entry["spec"])
        suites[name] = spec.pinned(stored) if isinstance(spec, RefusalSuite) else spec
    return suites
