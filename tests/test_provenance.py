"""Provenance from the enterprise: a checkpoint signed with the real `model_signing` CLI is accepted
under the key registered for its USCC; one changed byte, an added file, another enterprise's key or
a missing signature is refused, each with its own message; the registry's fingerprint exported as an
OMS signature verifies with `model_signing verify` on the weights and fails on a changed byte."""

import subprocess
import sys
from pathlib import Path

import pytest
from intake_cases import build

from harness.cli import main
from harness.evidence import names
from harness.evidence.tracking import connect
from registry.signing import generate_key_pair
from registry.fingerprint import SIGNATURE_FILE, fingerprint

MODEL_SIGNING = str(Path(sys.executable).parent / "model_signing")
USCC = "91440106MA5D0K7A9M"  # the example manifest's


def model_signing(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MODEL_SIGNING, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """The enterprise's key pair and another enterprise's."""
    root = tmp_path_factory.mktemp("keys")
    pairs = {who: (root / f"{who}.key", root / f"{who}.pub") for who in ("enterprise", "other")}
    for private, public in pairs.values():
        generate_key_pair(private, public)
    return pairs


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory, keys) -> str:
    """A store of its own: a registered key changes what intake accepts for that USCC."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'provenance.db'}"
    assert main(["keys", "register", USCC, str(keys["enterprise"][1]), "--tracking-uri", uri]) == 0
    return uri


def signed_submission(root: Path, checkpoint: Path, private_key: Path) -> Path:
    manifest = build(None, root, checkpoint)
    signed = model_signing("sign", "key", str(root / "checkpoint"), "--private_key", str(private_key), "--signature", str(root / "checkpoint" / SIGNATURE_FILE))
    assert signed.returncode == 0, signed.stderr
    return manifest


def test_signed_checkpoint_is_accepted_and_recorded(uri, keys, demo_checkpoints, tmp_path: Path, capsys) -> None:
    manifest = signed_submission(tmp_path, demo_checkpoints["zh-tiny-tuned"], keys["enterprise"][0])
    assert main(["submit", str(manifest), "--tracking-uri", uri]) == 0
    assert "provenance signed by the enterprise" in capsys.readouterr().out
    client = connect(uri)
    version = client.get_model_version("zh-tiny-tuned", "1")
    assert version.tags[names.V_PROVENANCE].startswith("signed by the enterprise")
    # The signature is about the weights, not one of them: the fingerprint is the unsigned checkpoint's.
    assert version.tags[names.V_FINGERPRINT] == fingerprint(demo_checkpoints["zh-tiny-tuned"]).digest
    kept = Path(client.download_artifacts(version.run_id, names.A_ENTERPRISE_SIGNATURE, str(tmp_path)))
    assert kept.read_bytes() == (tmp_path / "checkpoint" / SIGNATURE_FILE).read_bytes()


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # tensor data, not the header: the intake's own checks still pass
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("tamper", "field", "phrase"),
    [
        ("byte", "model.safetensors", "changed since the enterprise signed it"),
        ("added", "notes.txt", "not covered by the enterprise's signature"),
        ("removed", "generation_config.json", "signed by the enterprise but missing from the checkpoint"),
        ("other-key", SIGNATURE_FILE, "not signed with the key registered for " + USCC),
        ("unsigned", SIGNATURE_FILE, "has a registered signing key but the checkpoint is not signed"),
    ],
)
def test_tampered_or_foreign_signature_is_refused(tamper: str, field: str, phrase: str, uri, keys, demo_checkpoints, tmp_path: Path, capsys) -> None:
    signer = keys["other" if tamper == "other-key" else "enterprise"][0]
    manifest = signed_submission(tmp_path, demo_checkpoints["zh-tiny-tuned"], signer)
    checkpoint = tmp_path / "checkpoint"
    if tamper == "byte":
        _flip_last_byte(checkpoint / "model.safetensors")
    elif tamper == "added":
        (checkpoint / "notes.txt").write_text("added after signing")
    elif tamper == "removed":
        (checkpoint / "generation_config.json").unlink()
    elif tamper == "unsigned":
        (checkpoint / SIGNATURE_FILE).unlink()
    versions = len(connect(uri).search_model_versions())
    assert main(["submit", str(manifest), "--tracking-uri", uri]) == 2
    errors = capsys.readouterr().err
    assert f"{checkpoint / field}: " in errors and phrase in errors, errors
    assert len(connect(uri).search_model_versions()) == versions


def test_registered_fingerprint_exported_as_oms_verifies_with_model_signing(store, demo_checkpoints, tmp_path: Path, capsys) -> None:
    key_dir = tmp_path / "keys"
    assert main(["keys", "init", "--dir", str(key_dir)]) == 0
    assert (key_dir / "evaluator.key").stat().st_mode & 0o777 == 0o600
    signature = tmp_path / "tuned.sig"
    assert main(["models", "export-oms", "zh-tiny-tuned/1", "--key", str(key_dir / "evaluator.key"), "--out", str(signature), "--tracking-uri", store.uri]) == 0
    checkpoint = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(demo_checkpoints["zh-tiny-tuned"]), str(checkpoint)], check=True)
    verified = model_signing("verify", "key", str(checkpoint), "--signature", str(signature), "--public_key", str(key_dir / "evaluator.pub"))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    _flip_last_byte(checkpoint / "model.safetensors")
    refused = model_signing("verify", "key", str(checkpoint), "--signature", str(signature), "--public_key", str(key_dir / "evaluator.pub"))
    assert refused.returncode != 0 and "model.safetensors" in refused.stdout + refused.stderr


def test_keys_are_checked_before_anything_is_written(tmp_path: Path, capsys) -> None:
    uri = f"sqlite:///{tmp_path / 'k.db'}"
    (tmp_path / "not-a-key.pem").write_text("hello")
    assert main(["keys", "register", "91440106MA5D0K7A9N", str(tmp_path / "not-a-key.pem"), "--tracking-uri", uri]) == 2
    errors = capsys.readouterr().err
    assert "USCC: 91440106MA5D0K7A9N: check character" in errors and "not-a-key.pem: public key: not a usable public key" in errors
    assert main(["keys", "init", "--dir", str(tmp_path / "k")]) == 0
    assert main(["keys", "init", "--dir", str(tmp_path / "k")]) == 2
    assert "a key pair already exists here" in capsys.readouterr().err
