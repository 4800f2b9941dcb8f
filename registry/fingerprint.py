"""Checkpoint fingerprint: the SHA-256 of every file, and one digest over the listing of them.

Scheme 2 (current) digests a canonical JSON listing, `{"scheme":"harness-fingerprint/2","files":
[[path,digest],...]}` (sorted by path, ASCII with escapes, no spaces), so no file name can make two
different checkpoints list alike. Scheme 1, `path<TAB>digest<NEWLINE>` lines, is what versions
registered before it carry (their `fingerprint.json` has no "scheme"): they are still verified, by
their per-file digests and their own listing, but a name holding a tab or a newline makes that
listing ambiguous, which is why it was replaced.

The digest identifies the weights evaluated; `harness run` recomputes it before every evaluation.
Files are opened beneath the directory without following links and judged on the descriptor
(registry/files.py); hashing streams fixed-size blocks into one reused buffer, so a 150 GB
checkpoint never sits in memory (scripts/perf/hash_throughput.py measures the cost).
"""

import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from foundation.errors import InputError, Problem
from registry.files import open_entry, tree_entries

BLOCK = 8 * 1024 * 1024
# The enterprise's OMS signature of its checkpoint (registry/provenance.py), at the top of the
# directory: it is about the weights, not part of them, so the fingerprint leaves it out.
SIGNATURE_FILE = "model.sig"
SCHEME = 2
SCHEME_2_NAME = "harness-fingerprint/2"


def listing_digest(files: dict[str, str], scheme: int) -> str:
    """The digest over (path, digest) pairs under a listing scheme (see the module docstring)."""
    pairs = sorted(files.items())
    if scheme == 1:
        listing = "".join(f"{name}\t{digest}\n" for name, digest in pairs).encode("utf-8", "surrogateescape")
    elif scheme == 2:
        listing = json.dumps({"scheme": SCHEME_2_NAME, "files": pairs}, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    else:
        raise ValueError(f"unknown fingerprint scheme {scheme}")
    return hashlib.sha256(listing).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    files: dict[str, str]  # relative POSIX path -> sha256
    scheme: int = SCHEME

    @classmethod
    def of(cls, files: dict[str, str], scheme: int = SCHEME) -> "Fingerprint":
        return cls(listing_digest(files, scheme), dict(sorted(files.items())), scheme)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> "Fingerprint":
        """As stored in `submission/fingerprint.json`; no "scheme" means scheme 1."""
        return cls(document["digest"], document["files"], int(document.get("scheme", 1)))

    def as_json(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "digest": self.digest, "files": self.files}

    def mismatches(self, other: "Fingerprint") -> list[str]:
        """Paths that differ, appeared or disappeared between two fingerprints."""
        names = set(self.files) | set(other.files)
        return sorted(n for n in names if self.files.get(n) != other.files.get(n))


def sha256_fd(fd: int, on_block: Callable[[int], object] = lambda n: None, block: int = BLOCK) -> str:
    """The SHA-256 of an open file from its start, read through the descriptor."""
    h = hashlib.sha256()
    buffer = memoryview(bytearray(block))
    os.lseek(fd, 0, os.SEEK_SET)
    reader = io.FileIO(fd, closefd=False)
    while n := reader.readinto(buffer):
        h.update(buffer[:n])
        on_block(n)
    return h.hexdigest()


def sha256_file(path: Path, on_block: Callable[[int], object] = lambda n: None, block: int = BLOCK) -> str:
    path = Path(path).absolute()
    with open_entry(path.parent, path) as opened:
        return sha256_fd(opened.fd, on_block, block)


def scan(directory: Path, *, progress: bool = False, links_outside: bool = False) -> tuple[Fingerprint, dict[str, tuple[int, ...]]]:
    """The fingerprint, and the identity (device, inode, size, times) of every file as hashed."""
    directory = directory.resolve()
    entries = [p for p in tree_entries(directory) if p != directory / SIGNATURE_FILE]
    digests: dict[str, str] = {}
    identities: dict[str, tuple[int, ...]] = {}
    with tqdm(total=sum(_size(p) for p in entries), unit="B", unit_scale=True, desc="fingerprint", disable=not progress) as bar:
        for entry in entries:
            with open_entry(directory, entry, links_outside=links_outside) as opened:
                digests[opened.name] = sha256_fd(opened.fd, bar.update)
                identities[opened.name] = opened.identity
    return Fingerprint.of(digests), identities


def _size(entry: Path) -> int:
    try:
        return entry.stat().st_size
    except OSError:  # a broken link: opening it reports the problem
        return 0


def fingerprint(directory: Path, *, progress: bool = False, links_outside: bool = False) -> Fingerprint:
    return scan(directory, progress=progress, links_outside=links_outside)[0]


def verify(directory: Path, expected: Fingerprint, *, progress: bool = False) -> dict[str, tuple[int, ...]]:
    """Refuse a checkpoint whose files changed since registration, naming each changed file;
    return every file's identity as hashed, for a later check that nothing was replaced."""
    actual, identities = scan(directory, progress=progress)
    changed = actual.mismatches(expected)
    if changed or listing_digest(actual.files, expected.scheme) != expected.digest:
        raise InputError(
            [
                Problem(
                    str(directory / name),
                    "fingerprint",
                    "changed, added or removed since the model version was registered",
                    "restore the submitted file, or submit the new checkpoint as a new version",
                )
                for name in changed or ["."]
            ]
        )
    return identities
