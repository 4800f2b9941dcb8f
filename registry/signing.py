"""OpenSSF Model Signing (OMS) v1.0 signatures with a bare key pair: the one place for signing.

The shape is the one `model_signing sign key` writes and `model_signing verify key` reads: a
Sigstore bundle (media type v0.3, no transparency-log entry: keyless Sigstore needs the network)
whose DSSE envelope signs an in-toto Statement v1; the statement's predicate (type
`https://model_signing/signature/v1.0`) lists every file as a (name, sha256) resource, and its one
subject carries the SHA-256 over those digests in order. Keys are elliptic-curve (P-256 here; P-384
and P-521 accepted), the curves the `model_signing` package supports.

The package itself signs only what it hashes from a directory, and verifies only by hashing a
directory again; the harness signs digests it already holds (a registered fingerprint, a run's
artifacts) and must name what changed, so the format is written and read here with `cryptography`.
The tests check both directions against the real package and its CLI.
"""

import base64
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from registry.fingerprint import sha256_file

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
# What `model_signing sign` leaves out of a model directory by default, besides the signature itself.
GIT_PATHS = (".git", ".gitattributes", ".github", ".gitignore")
_HASHES: dict[int, Callable[[], hashes.HashAlgorithm]] = {256: hashes.SHA256, 384: hashes.SHA384, 521: hashes.SHA512}


class SignatureError(Exception):
    """A signature that cannot be trusted. `reason`: "key" (made with another key or altered after
    signing) or "format" (not an OMS v1.0 key-signed bundle)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class SignedManifest:
    """What a verified signature vouches for."""

    name: str  # the statement's subject name (informative, as in OMS)
    files: dict[str, str]  # POSIX path relative to the signed directory -> sha256 hex
    ignore_paths: tuple[str, ...]  # paths the signer left out (the signature file among them)
    key_id: str  # sha256 of the signer's public key (PEM, SubjectPublicKeyInfo): the bundle's key hint


def generate_key_pair(private_path: Path, public_path: Path) -> str:
    """A new P-256 key pair in PEM files, the private one readable by its owner only; its key id."""
    key = ec.generate_private_key(ec.SECP256R1())
    private_path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 rather than chmod-ed after writing: the key is never readable by others, even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    public_path.write_bytes(public_pem(key.public_key()))
    return key_id(key.public_key())


def public_pem(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """The identifier OMS writes as the bundle's public-key hint."""
    return hashlib.sha256(public_pem(public_key)).hexdigest()


def load_public_key(pem: bytes) -> ec.EllipticCurvePublicKey:
    """An OMS-capable public key from PEM; ValueError naming what is wrong otherwise."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.key_size not in _HASHES:
        raise ValueError("not an elliptic-curve public key on P-256, P-384 or P-521 (the curves OMS signs with)")
    return key


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.key_size not in _HASHES:
        raise ValueError("not an elliptic-curve private key on P-256, P-384 or P-521")
    return key


def pae(payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the signature covers."""
    return b"DSSEv1 %d %s %d %s" % (len(PAYLOAD_TYPE), PAYLOAD_TYPE.encode(), len(payload), payload)


def _ordered(files: Mapping[str, str]) -> list[tuple[str, str]]:
    # model_signing orders resources by path components; the root digest follows this order.
    return sorted(files.items(), key=lambda item: PurePosixPath(item[0]).parts)


def statement(name: str, files: Mapping[str, str], ignore_paths: tuple[str, ...]) -> dict[str, Any]:
    """The in-toto statement of an OMS v1.0 signature over `files` (path -> sha256 hex)."""
    ordered = _ordered(files)
    root = hashlib.sha256(b"".join(bytes.fromhex(digest) for _, digest in ordered)).hexdigest()
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": root}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": False, "ignore_paths": list(ignore_paths)},
            "resources": [{"name": path, "algorithm": "sha256", "digest": digest} for path, digest in ordered],
        },
    }


def sign_manifest(name: str, files: Mapping[str, str], private_key: ec.EllipticCurvePrivateKey, *, ignore_paths: tuple[str, ...]) -> bytes:
    """A Sigstore bundle (JSON bytes) signing `files` in OMS v1.0 form."""
    payload = json.dumps(statement(name, files, ignore_paths), indent=2).encode()
    curve_hash = _HASHES[private_key.curve.key_size]()
    signature = private_key.sign(pae(payload), ec.ECDSA(curve_hash))
    bundle = {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": key_id(private_key.public_key())}, "tlogEntries": []},
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(signature).decode(), "keyid": ""}],
        },
    }
    return json.dumps(bundle, indent=2).encode()


def verify_signature(bundle_bytes: bytes, public_key: ec.EllipticCurvePublicKey) -> SignedManifest:
    """Check the bundle's signature with `public_key` and return what it vouches for."""
    try:
        bundle = json.loads(bundle_bytes)
        envelope = bundle["dsseEnvelope"]
        payload = base64.b64decode(envelope["payload"], validate=True)
        signature = base64.b64decode(envelope["signatures"][0]["sig"], validate=True)
        payload_type = envelope["payloadType"]
        hint = (bundle.get("verificationMaterial", {}).get("publicKey") or {}).get("hint") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
        raise SignatureError("format", f"not a Sigstore bundle with a DSSE envelope ({type(e).__name__}: {e})") from e
    expected = key_id(public_key)
    if hint and hint != expected:
        raise SignatureError("key", f"signed with another key (key id {hint[:16]}…), not the key given (key id {expected[:16]}…)")
    try:
        public_key.verify(signature, pae(payload), ec.ECDSA(_HASHES[public_key.curve.key_size]()))
    except InvalidSignature as e:
        raise SignatureError("key", f"the signature does not verify with the key given (key id {expected[:16]}…): another key, or the bundle was altered") from e
    if payload_type != PAYLOAD_TYPE:
        raise SignatureError("format", f"DSSE payload type {payload_type!r}, expected {PAYLOAD_TYPE!r}")
    return _manifest(json.loads(payload), expected)


def _manifest(statement_: dict[str, Any], signer: str) -> SignedManifest:
    if statement_.get("_type") != STATEMENT_TYPE or statement_.get("predicateType") != PREDICATE_TYPE:
        raise SignatureError("format", f"not an OMS v1.0 statement (type {statement_.get('_type')!r}, predicate {statement_.get('predicateType')!r})")
    predicate = statement_["predicate"]
    serialization_ = predicate["serialization"]
    if serialization_.get("method") != "files" or serialization_.get("hash_type") != "sha256":
        raise SignatureError("format", f"signed with serialization {serialization_.get('method')}/{serialization_.get('hash_type')}; the harness checks files/sha256 (model_signing's default)")
    files = {r["name"]: r["digest"] for r in predicate["resources"]}
    subject = statement_["subject"][0]
    # The subject's digest must be the one over the listed resources, as model_signing checks.
    root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in predicate["resources"])).hexdigest()
    if subject["digest"]["sha256"] != root:
        raise SignatureError("format", "the statement's subject digest does not match its resources")
    return SignedManifest(subject["name"], files, tuple(serialization_.get("ignore_paths", ())), signer)


def hash_directory(directory: Path, ignore_paths: tuple[str, ...]) -> dict[str, str]:
    """sha256 of every regular file below `directory` (POSIX relative paths), leaving out
    `ignore_paths` and everything under them, as model_signing's file serialization does."""
    ignored = tuple(PurePosixPath(p).parts for p in ignore_paths)
    files = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if any(relative.parts[: len(parts)] == parts for parts in ignored) or not path.is_file() or path.is_symlink():
            continue
        files[relative.as_posix()] = sha256_file(path)
    return files
