"""Provenance from the enterprise: its own OMS signature of the checkpoint, checked at intake.

An enterprise signs its checkpoint directory with the standard tool (`model_signing sign key DIR
--private_key KEY --signature DIR/model.sig`) and an administrator registers its public key under
its USCC (`harness keys register USCC PUB`). At intake the signature is checked with that key before
the checkpoint is inspected or hashed; once the fingerprint exists, every fingerprinted file must be
one the enterprise signed, with the digest it signed. `model.sig` itself is not a weight file: the
fingerprint leaves it out (registry.fingerprint.SIGNATURE_FILE) and the submission run keeps it.

An enterprise with a registered key must sign: an unsigned checkpoint under its USCC is refused, so a
key, once registered, means something.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from foundation.errors import InputError, Problem
from registry.signing import GIT_PATHS, SignatureError, SignedManifest, load_public_key, verify_signature
from registry.fingerprint import SIGNATURE_FILE, Fingerprint
from registry.manifest import ManifestError, load_manifest

FIX_SIGN = f"sign the checkpoint with the enterprise's registered key: model_signing sign key DIR --private_key KEY --signature DIR/{SIGNATURE_FILE}"

# USCC -> the enterprise's registered public key (PEM), or None when it has none.
KeyLookup = Callable[[str], bytes | None]


@dataclass(frozen=True)
class Provenance:
    """What intake found about the enterprise's signature; recorded on the model version."""

    signed: SignedManifest | None
    signature: bytes | None  # model.sig as submitted, kept with the submission

    @property
    def summary(self) -> str:
        return f"signed by the enterprise (key {self.signed.key_id})" if self.signed else "unsigned"


def check_signature(manifest_path: Path, key_for: KeyLookup | None) -> Provenance:
    """The enterprise's signature, checked with its registered key; nothing else is read first.

    A manifest that does not parse is left to the full validation, which reports it with the rest."""
    try:
        manifest, checkpoint = load_manifest(manifest_path)
    except ManifestError:
        return Provenance(None, None)
    uscc = manifest.enterprise.uscc
    signature_path = checkpoint / SIGNATURE_FILE
    registered = key_for(uscc) if key_for else None
    if not signature_path.is_file():
        if registered is not None:
            raise InputError([Problem(str(signature_path), SIGNATURE_FILE, f"enterprise {uscc} has a registered signing key but the checkpoint is not signed", FIX_SIGN)])
        return Provenance(None, None)
    if registered is None:
        raise InputError([Problem(
            str(signature_path), "enterprise.uscc", f"the checkpoint is signed but no public key is registered for {uscc}",
            f"have an administrator register the enterprise's key: harness keys register {uscc} PUBLIC_KEY.pem",
        )])
    signature = signature_path.read_bytes()
    try:
        signed = verify_signature(signature, load_public_key(registered))
    except SignatureError as e:
        what = f"not signed with the key registered for {uscc}: {e}" if e.reason == "key" else f"not an OMS signature the harness can check: {e}"
        raise InputError([Problem(str(signature_path), SIGNATURE_FILE, what, FIX_SIGN)]) from e
    return Provenance(signed, signature)


def provenance_problems(checkpoint: Path, provenance: Provenance, fp: Fingerprint) -> list[Problem]:
    """Every fingerprinted file the enterprise did not sign as it is now, and every signed file missing."""
    signed = provenance.signed
    if signed is None:
        return []
    problems = []
    for name, digest in sorted(fp.files.items()):
        if name not in signed.files:
            if _git_metadata(name) and _git_metadata(name) in signed.ignore_paths:
                continue  # left out by model_signing's default; metadata, not the model
            problems.append(Problem(str(checkpoint / name), SIGNATURE_FILE, "not covered by the enterprise's signature (added after signing?)", FIX_SIGN))
        elif signed.files[name] != digest:
            problems.append(Problem(str(checkpoint / name), SIGNATURE_FILE, "changed since the enterprise signed it (digest differs)", "submit the checkpoint exactly as signed, or sign it again"))
    problems += [
        Problem(str(checkpoint / name), SIGNATURE_FILE, "signed by the enterprise but missing from the checkpoint", "restore the file, or sign the checkpoint again")
        for name in sorted(set(signed.files) - set(fp.files))
    ]
    return problems


def _git_metadata(name: str) -> str | None:
    top = PurePosixPath(name).parts[0]
    return top if top in GIT_PATHS else None
