"""Checkpoint fingerprint: SHA-256 of every file, and one digest over the sorted (path, digest) list.

The digest identifies the weights evaluated; `harness run` recomputes it before every evaluation.
Hashing streams fixed-size blocks into one reused buffer, so a 150 GB checkpoint never sits in
memory and no block is allocated twice (benchmarks/perf/hash_throughput.py measures the cost).
"""

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from harness.errors import InputError, Problem

BLOCK = 8 * 1024 * 1024
# The enterprise's OMS signature of its checkpoint (registry/provenance.py), at the top of the
# directory: it is about the weights, not part of them, so the fingerprint leaves it out.
SIGNATURE_FILE = "model.sig"


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    files: dict[str, str]  # relative POSIX path -> sha256

    def mismatches(self, other: "Fingerprint") -> list[str]:
        """Paths that differ, appeared or disappeared between two fingerprints."""
        names = set(self.files) | set(other.files)
        return sorted(n for n in names if self.files.get(n) != other.files.get(n))


def tree_entries(directory: Path) -> list[Path]:
    """Every entry below `directory` but its real subdirectories, sorted, never descending through
    a symlink: a symlinked directory is listed as an entry so the intake can judge it."""
    entries: list[Path] = []
    for root, dirs, files in os.walk(directory):
        base = Path(root)
        entries.extend(base / d for d in dirs if (base / d).is_symlink())
        entries.extend(base / f for f in files)
    return sorted(entries)


def checkpoint_files(directory: Path) -> list[Path]:
    """The files the fingerprint covers: regular files and symlinks to them (never FIFOs, which would
    block), but the enterprise's signature at the top (SIGNATURE_FILE)."""
    return [p for p in tree_entries(directory) if p.is_file() and p != directory / SIGNATURE_FILE]


def sha256_file(path: Path, on_block: Callable[[int], object] = lambda n: None, block: int = BLOCK) -> str:
    h = hashlib.sha256()
    buffer = memoryview(bytearray(block))
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buffer):
            h.update(buffer[:n])
            on_block(n)
    return h.hexdigest()


def fingerprint(directory: Path, *, progress: bool = False) -> Fingerprint:
    files = checkpoint_files(directory)
    total = sum(p.stat().st_size for p in files)
    with tqdm(total=total, unit="B", unit_scale=True, desc="fingerprint", disable=not progress) as bar:
        digests = {path.relative_to(directory).as_posix(): sha256_file(path, bar.update) for path in files}
    listing = "".join(f"{name}\t{digest}\n" for name, digest in sorted(digests.items()))
    return Fingerprint(digest=hashlib.sha256(listing.encode()).hexdigest(), files=digests)


def verify(directory: Path, expected: Fingerprint, *, progress: bool = False) -> None:
    """Refuse a checkpoint whose files changed since registration, naming each changed file."""
    actual = fingerprint(directory, progress=progress)
    if actual.digest != expected.digest:
        raise InputError(
            [
                Problem(
                    str(directory / name),
                    "fingerprint",
                    "changed, added or removed since the model version was registered",
                    "restore the submitted file, or submit the new checkpoint as a new version",
                )
                for name in actual.mismatches(expected)
            ]
        )
