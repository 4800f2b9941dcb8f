"""Signed evidence bundles: `harness bundle RUN_ID` and `harness verify TARGET`.

A bundle is a directory anyone can check with the standard OMS tool (`model_signing verify key DIR
--signature DIR/evidence.sig --public_key ORG.pub`):

    artifacts/...   every artifact of the run, as it was when signed (but `evidence/`, the bundle's own)
    run.json        the run's params, metrics, tags and status, and the model it scored: registered
                    fingerprint (every file's SHA-256), behavioural fingerprint digest, provenance
    evidence.sig    a Sigstore bundle whose DSSE envelope signs an in-toto statement (OMS v1.0)
                    listing every file above with its SHA-256, made with the evaluating organisation's key

`harness bundle` also stores evidence.sig and run.json in the run (under `evidence/`), so the run id
alone is enough to verify. `harness verify` checks the signature with the public key given, the
bundle's own files (when given a directory), and the run as MLflow holds it now, naming every
artifact changed, missing or added and every param, metric or tag changed since signing.
"""

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import Run
from mlflow.exceptions import MlflowException

from foundation.errors import InputError, Problem
from harness.evidence import names
from registry.signing import SignatureError, hash_directory, key_id, load_private_key, load_public_key, sign_manifest, verify_signature
from harness.evidence.registration import registered_fingerprint

SIGNATURE = "evidence.sig"
RECORD = "run.json"
ARTIFACTS = "artifacts"


@dataclass(frozen=True)
class Finding:
    # wrong-key | bad-signature | bundle-file-changed|missing|added | bundle-of-another-run | artifact-changed|missing|added
    # | param-, metric-, tag-, model-changed|added|removed | status-changed
    kind: str
    message: str


def run_record(client: MlflowClient, run_id: str) -> dict[str, Any]:
    """Everything about the run that the artifacts do not hold, in a form that compares exactly."""
    run = client.get_run(run_id)
    params = run.data.params
    model: dict[str, object] = {}
    if names.P_MODEL_NAME in params and names.P_MODEL_VERSION in params:
        version = client.get_model_version(params[names.P_MODEL_NAME], params[names.P_MODEL_VERSION])
        model = {
            "name": version.name,
            "version": str(version.version),
            "fingerprint": version.tags.get(names.V_FINGERPRINT),
            "files": registered_fingerprint(client, version).files,
            "behaviour": version.tags.get(names.V_BEHAVIOUR),
            "provenance": version.tags.get(names.V_PROVENANCE),
        }
        model = {k: v for k, v in model.items() if v is not None}
    return {
        "run_id": run_id,
        "experiment": client.get_experiment(run.info.experiment_id).name,
        "status": run.info.status,
        "start_time": run.info.start_time,
        "end_time": run.info.end_time,
        "params": dict(sorted(params.items())),
        # repr keeps every bit and makes NaN equal to itself.
        "metrics": {k: repr(float(v)) for k, v in sorted(run.data.metrics.items())},
        "tags": {k: v for k, v in sorted(run.data.tags.items()) if not k.startswith(names.T_EVIDENCE_PREFIX)},
        "model": model,
    }


def _record_bytes(record: dict[str, Any]) -> bytes:
    return json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False).encode()


def _download_artifacts(client: MlflowClient, run_id: str, destination: Path) -> None:
    """The run's artifacts under `destination`, but the bundle's own (`evidence/`)."""
    destination.mkdir(parents=True, exist_ok=True)
    for entry in client.list_artifacts(run_id):
        if entry.path != names.A_EVIDENCE_DIR:
            client.download_artifacts(run_id, entry.path, str(destination))


def write_bundle(client: MlflowClient, run_id: str, private_key_path: Path, out_dir: Path) -> dict[str, Any]:
    run = _existing_run(client, run_id)
    if run.info.status != "FINISHED":
        raise InputError([Problem("RUN_ID", run_id, f"the run is {run.info.status}, not FINISHED", "bundle a finished run; a failed or running one is not evidence")])
    if out_dir.exists() and any(out_dir.iterdir()):
        raise InputError([Problem(str(out_dir), "--out", "exists and is not empty", "choose a new directory (a bundle is written whole)")])
    private_key = load_private_key(private_key_path)
    _download_artifacts(client, run_id, out_dir / ARTIFACTS)
    (out_dir / RECORD).write_bytes(_record_bytes(run_record(client, run_id)))
    files = hash_directory(out_dir, (SIGNATURE,))
    (out_dir / SIGNATURE).write_bytes(sign_manifest(f"mlflow-run:{run_id}", files, private_key, ignore_paths=(SIGNATURE,)))
    for name in (SIGNATURE, RECORD):
        client.log_artifact(run_id, str(out_dir / name), names.A_EVIDENCE_DIR)
    signer = key_id(private_key.public_key())
    client.set_tag(run_id, names.T_EVIDENCE_KEY, signer)
    return {"run_id": run_id, "bundle": str(out_dir), "files": len(files), "key_id": signer}


def _existing_run(client: MlflowClient, run_id: str) -> Run:
    try:
        return client.get_run(run_id)
    except MlflowException as e:
        raise InputError([Problem("RUN_ID", run_id, "no such run in this tracking store", "take the run id from `harness run` or `harness compare --format csv`")]) from e


def verify(client: MlflowClient | None, target: str, public_key_path: Path) -> tuple[str, list[Finding]]:
    """The run id and every way the evidence differs from what was signed (none: it verifies).

    `target` is a bundle directory (or its evidence.sig) or a run id whose bundle is stored in the
    run. Without a client (offline), only a bundle directory's own files are checked."""
    public_key = load_public_key(public_key_path.read_bytes())
    bundle_dir = _bundle_dir(target)
    with tempfile.TemporaryDirectory() as tmp:
        if bundle_dir is None:
            if client is None:
                raise InputError([Problem("TARGET", target, "not a bundle directory, and a run id needs the tracking store", "give the bundle directory, or drop --offline")])
            _existing_run(client, target)
            bundle_dir = Path(tmp) / "stored"
            try:
                client.download_artifacts(target, names.A_EVIDENCE_DIR, str(bundle_dir))
            except (MlflowException, OSError) as e:
                raise InputError([Problem("TARGET", target, "the run has no stored bundle", f"write one with `harness bundle {target}`")]) from e
            bundle_dir, local = bundle_dir / names.A_EVIDENCE_DIR, False
        else:
            local = True
        try:
            signed = verify_signature((bundle_dir / SIGNATURE).read_bytes(), public_key)
        except SignatureError as e:
            return "", [Finding("wrong-key" if e.reason == "key" else "bad-signature", f"{bundle_dir / SIGNATURE}: {e}")]
        findings: list[Finding] = []
        if local:
            findings += _compare(signed.files, hash_directory(bundle_dir, signed.ignore_paths), "bundle-file", f"bundle file ({bundle_dir})")
        record_bytes = (bundle_dir / RECORD).read_bytes()
        if hashlib.sha256(record_bytes).hexdigest() != signed.files.get(RECORD):
            findings.append(Finding("bundle-file-changed", f"{bundle_dir / RECORD}: not the run record that was signed"))
            return "", findings
        record = json.loads(record_bytes)
        if not local and record["run_id"] != target:
            findings.append(Finding("bundle-of-another-run", f"the bundle stored in run {target} was signed for run {record['run_id']}"))
        if client is not None:
            findings += _against_store(client, record, signed.files, Path(tmp) / "live")
        return record["run_id"], findings


def _bundle_dir(target: str) -> Path | None:
    path = Path(target).expanduser()
    if path.is_file() and path.name == SIGNATURE:
        return path.parent
    if path.is_dir():
        if not (path / SIGNATURE).is_file():
            raise InputError([Problem(str(path), SIGNATURE, "no evidence.sig in this directory", "give a directory written by `harness bundle`")])
        return path
    return None


def _against_store(client: MlflowClient, record: dict[str, Any], signed_files: dict[str, str], scratch: Path) -> list[Finding]:
    run_id = record["run_id"]
    _existing_run(client, run_id)
    _download_artifacts(client, run_id, scratch)
    live = {f"{ARTIFACTS}/{name}": digest for name, digest in hash_directory(scratch, ()).items()}
    signed_artifacts = {name: digest for name, digest in signed_files.items() if name.startswith(f"{ARTIFACTS}/")}
    findings = _compare(signed_artifacts, live, "artifact", f"run {run_id}")
    now = run_record(client, run_id)
    for section in ("params", "metrics", "tags", "model"):
        findings += _diff_section(section, record[section], now[section])
    if record["status"] != now["status"]:
        findings.append(Finding("status-changed", f"run status was {record['status']} when signed, is {now['status']} now"))
    return findings


_SINGULAR = {"params": "param", "metrics": "metric", "tags": "tag", "model": "model"}


def _compare(signed: dict[str, str], actual: dict[str, str], kind: str, where: str) -> list[Finding]:
    findings = []
    for name in sorted(signed.keys() | actual.keys()):
        shown = name.removeprefix(f"{ARTIFACTS}/") if kind == "artifact" else name
        if name not in actual:
            findings.append(Finding(f"{kind}-missing", f"{kind} {shown}: signed in the bundle but missing from the {where}"))
        elif name not in signed:
            findings.append(Finding(f"{kind}-added", f"{kind} {shown}: in the {where} but not in the signed bundle (added after signing)"))
        elif signed[name] != actual[name]:
            findings.append(Finding(f"{kind}-changed", f"{kind} {shown}: changed since the bundle was signed (sha256 {signed[name][:12]}… signed, {actual[name][:12]}… now)"))
    return findings


def _diff_section(section: str, signed: dict[str, Any], now: dict[str, Any]) -> list[Finding]:
    what = _SINGULAR[section]
    findings = []
    for key in sorted(signed.keys() | now.keys()):
        if key not in now:
            findings.append(Finding(f"{what}-removed", f"{what} {key}: {signed[key]!r} when signed, gone from MLflow now"))
        elif key not in signed:
            if section == "model":
                continue  # a fact learnt about the version later (its behavioural fingerprint, on first need) unsigns nothing
            findings.append(Finding(f"{what}-added", f"{what} {key}: {now[key]!r} in MLflow now, not in the signed bundle (added after signing)"))
        elif signed[key] != now[key]:
            findings.append(Finding(f"{what}-changed", f"{what} {key}: {_short(signed[key])} when signed, {_short(now[key])} in MLflow now"))
    return findings


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
