"""Keys: the evaluating organisation's own key pair (files), and the enterprises' public keys
(registered in MLflow, one run per registration in the `enterprise-keys` experiment).

Registering an enterprise key is an administrator's act: the key must reach the evaluator by a
channel it trusts (in person, on the filing papers), since whoever registers a key for a USCC can
sign checkpoints in that enterprise's name. A later registration replaces the earlier one; the
earlier runs stay as history.
"""

from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from mlflow import MlflowClient

from foundation.errors import InputError, Problem
from harness.evidence import names
from harness.evidence.tracking import ensure_experiment
from foundation.paths import harness_home
from foundation.user_files import read_bytes
from registry.signing import generate_key_pair, key_id, load_private_key, load_public_key
from registry.uscc import uscc_problem

# What the cryptography package raises for a file that is not a usable key: garbage, another kind of
# key, an encrypted private key without its password (TypeError).
KEY_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm)


def default_key_dir() -> Path:
    return harness_home() / "keys"


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: Path
    key_id: str


def init_keys(directory: Path, *, force: bool = False) -> KeyPair:
    """The evaluating organisation's key pair: evaluator.key (0600) and evaluator.pub."""
    pair = KeyPair(directory / "evaluator.key", directory / "evaluator.pub", "")
    if pair.private.exists() and not force:
        raise InputError([Problem(str(pair.private), "key", "a key pair already exists here", "keep it (bundles signed with it verify only with its public key), or pass --force to replace it")])
    if force:
        pair.private.unlink(missing_ok=True)
    return KeyPair(pair.private, pair.public, generate_key_pair(pair.private, pair.public))


def register_enterprise_key(client: MlflowClient, uscc: str, public_key_path: Path) -> str:
    """Register an enterprise's public key under its USCC; its key id."""
    problems = []
    if problem := uscc_problem(uscc):
        problems.append(Problem("USCC", uscc, problem, "give the enterprise's 18-character unified social credit code"))
    try:
        pem = read_bytes(public_key_path, "PUB", "the enterprise's PEM public key")
        kid = key_id(load_public_key(pem))
    except InputError as e:
        problems += e.problems
    except KEY_ERRORS as e:
        problems.append(Problem(str(public_key_path), "public key", f"not a usable public key ({e})", "give the PEM public key of the enterprise's OMS signing key pair (EC P-256, P-384 or P-521)"))
    if problems:
        raise InputError(problems)
    run = client.create_run(
        ensure_experiment(client, names.ENTERPRISE_KEYS_EXPERIMENT),
        run_name=f"key {uscc}",
        tags={names.T_KIND: "enterprise-key", names.K_USCC: uscc, names.K_KEY_ID: kid, names.K_PUBLIC_KEY: pem.decode()},
    )
    client.set_terminated(run.info.run_id, "FINISHED")
    return kid


def enterprise_key(client: MlflowClient, uscc: str) -> bytes | None:
    """The public key (PEM) registered last for `uscc`, or None."""
    experiment = client.get_experiment_by_name(names.ENTERPRISE_KEYS_EXPERIMENT)
    if experiment is None:
        return None
    runs = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"attributes.status = 'FINISHED' and tags.`{names.K_USCC}` = '{uscc}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0].data.tags[names.K_PUBLIC_KEY].encode() if runs else None


def private_key_path(given: str | None) -> Path:
    """--key, else the evaluator key `harness keys init` made; refused before anything is written."""
    path = Path(given).expanduser() if given else default_key_dir() / "evaluator.key"
    if not path.is_file():
        raise InputError([Problem(str(path), "--key", "no private key here", "make the evaluating organisation's key pair with `harness keys init`, or pass --key PRIVATE.pem")])
    try:
        load_private_key(path)
    except KEY_ERRORS as e:
        raise InputError([Problem(str(path), "--key", f"not a usable private key ({e})", "give the unencrypted PEM private key `harness keys init` made (EC P-256)")]) from e
    return path


def public_key_path(given: str | None) -> Path:
    path = Path(given).expanduser() if given else default_key_dir() / "evaluator.pub"
    if not path.is_file():
        raise InputError([Problem(str(path), "--key", "no public key here", "pass --key with the evaluating organisation's public key (PEM)")])
    try:
        load_public_key(path.read_bytes())
    except KEY_ERRORS as e:
        raise InputError([Problem(str(path), "--key", f"not a usable public key ({e})", "pass --key with the evaluating organisation's public key (PEM, EC P-256)")]) from e
    return path
