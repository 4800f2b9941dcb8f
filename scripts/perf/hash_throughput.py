"""Fingerprint hashing throughput against plain hashlib, extrapolated to a 150 GB checkpoint.

    .venv/bin/python scripts/perf/hash_throughput.py [--size-gb 2] [--repeat 2]

Writes a file of random bytes in a temporary directory (deleted afterwards), then hashes it in
this process with: the stdlib reference (`hashlib.file_digest`), the harness's `sha256_file` at
several block sizes, and the harness's `fingerprint()` with its progress bar. The file was just
written, so it is (mostly) in the page cache: these are hashing costs, and a cold checkpoint on disk
is hashed at the lower of this rate and the disk's read rate.
"""

import argparse
import functools
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from registry.fingerprint import BLOCK, fingerprint, sha256_file

MB = 1024 * 1024
CHECKPOINT_150GB = 150 * 10**9


def write_random_file(path: Path, size: int) -> None:
    chunk = os.urandom(64 * MB)
    with open(path, "wb") as f:
        f.writelines(chunk[: size - offset] for offset in range(0, size, len(chunk)))


def reference(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def best_rate(label: str, run: Callable[[], str], size: int, repeat: int) -> tuple[float, str]:
    """MB/s of the fastest of `repeat` runs (the least disturbed by other work on the machine)."""
    best, digest = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        digest = run()
        best = min(best, time.perf_counter() - start)
    rate = size / MB / best
    print(f"{label:<42} {rate:8.0f} MB/s   ({best:5.2f} s)", flush=True)
    return rate, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=2.0, help="size of the generated file (GiB)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per variant; the fastest counts")
    args = parser.parse_args()
    size = int(args.size_gb * 1024 * MB)
    with tempfile.TemporaryDirectory(prefix="hash-throughput-") as tmp:
        directory = Path(tmp)
        path = directory / "model-00001-of-00001.safetensors"
        write_random_file(path, size)
        print(f"file: {size / MB:.0f} MiB; python {sys.version.split()[0]}; {hashlib.sha256().name} from OpenSSL; {os.cpu_count()} CPUs")
        ref_rate, ref_digest = best_rate("reference: hashlib.file_digest", lambda: reference(path), size, args.repeat)
        rates = {}
        for block in (1 * MB, BLOCK, 32 * MB):
            label = f"harness sha256_file, {block // MB} MiB blocks" + (" (default)" if block == BLOCK else "")
            rates[label], digest = best_rate(label, functools.partial(sha256_file, path, block=block), size, args.repeat)
            assert digest == ref_digest, "the harness's digest must equal hashlib's"
        label = "harness fingerprint() with progress bar"
        rates[label], _ = best_rate(label, lambda: fingerprint(directory, progress=True).digest, size, args.repeat)
        print()
        for label, rate in rates.items():
            print(f"{label:<42} ratio to reference {rate / ref_rate:5.2f}")
        fp_rate = rates[label]
        minutes = CHECKPOINT_150GB / MB / fp_rate / 60
        print(f"\n150 GB checkpoint at {fp_rate:.0f} MB/s: {minutes:.1f} min of hashing per submission and per evaluation (verify)")


if __name__ == "__main__":
    main()
