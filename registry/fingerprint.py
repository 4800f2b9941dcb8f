"""Checkpoint fingerprint: SHA-256 of every file, and one digest over the sorted (path, digest) list.

The digest identifies the weights evaluated; `harness run` recomputes it before every evaluation.
Hashing streams in 8 MiB blocks so a 150 GB checkpoint never sits in memory.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from harness.errors import InputError, Problem

BLOCK = 8 * 1024 * 1024


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    files: dict[str, str]  # relative POSIX path -> sha256

    def mismatches(self, other: "Fingerprint") -> list[str]:
        """Paths that differ, appeared or disappeared between two fingerprints."""
        names = set(self.files) | set(other.files)
        return sorted(n for n in names if self.files.get(n) != other.files.get(n))


def checkpoint_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def fingerprint(directory: Path, *, progress: bool = False) -> Fingerprint:
    files = checkpoint_files(directory)
    total = sum(p.stat().st_size for p in files)
    digests: dict[str, str] = {}
    with tqdm(total=total, unit="B", unit_scale=True, desc="fingerprint", disable=not progress) as bar:
        for path in files:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                while block := f.read(BLOCK):
                    h.update(block)
                    bar.update(len(block))
            digests[path.relative_to(directory).as_posix()] = h.hexdigest()
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
