"""What putting a checkpoint into the checkpoint store costs, against plain `cp` on the same files.

    .venv/bin/python scripts/perf/store_copy.py [--size-gb 2] [--files 4] [--repeat 3] [--reflink]

Writes `--files` files of random bytes (`--size-gb` in all, like the shards of a checkpoint) in a
temporary directory, then copies them, fastest of `--repeat` runs each, with:
- `cp -r` (coreutils; on ext4 it copies in the kernel with copy_file_range) -- the reference;
- `cp -r` then `sha256sum` -- what a copy and a digest cost with the standard tools;
- the harness's store ingest (registry/checkpoint_store.py): each file opened once, copied into a
  private staging file while its SHA-256 is taken from the bytes written, then installed read-only
  under its digest.
With `--reflink` (root and xfsprogs) it repeats the three on a loop-mounted XFS image (reflink=1),
where the store clones (FICLONE) and then reads the clone once to hash it, against `cp
--reflink=always` and `cp --reflink=never`. The files were just written, so reads come from the page
cache; `sync` runs (untimed) between variants so one variant's writeback does not slow the next.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.checkpoint_store import CheckpointStore, _remove
from registry.files import open_entry

MB = 1024 * 1024
CHECKPOINT_150GB = 150 * 10**9


def write_files(directory: Path, size: int, count: int) -> list[Path]:
    chunk = os.urandom(64 * MB)
    paths = []
    for index in range(count):
        path = directory / f"model-{index + 1:05d}-of-{count:05d}.safetensors"
        with open(path, "wb") as f:
            for offset in range(0, size // count, len(chunk)):
                f.write(chunk[: size // count - offset])
            f.write(index.to_bytes(8, "little"))  # every file its own digest
        paths.append(path)
    return paths


def ingest(source: Path, target: Path) -> str:
    """The store's submission path, without the intake's checks: every file in, read-only."""
    store = CheckpointStore(target)
    with store.ingest() as staged:
        for path in sorted(source.iterdir()):
            with open_entry(source, path) as opened:
                staged.put(opened)
        staged.commit()
    return ", ".join(f"{n} files by {m}" for m, n in sorted(staged.methods.items()))


def timed(label: str, run: Callable[[Path], object], source: Path, scratch: Path, size: int, repeat: int) -> float:
    """MB/s of the fastest of `repeat` runs into a fresh `scratch/out` (removed, untimed, after each)."""
    best, note = float("inf"), ""
    for _ in range(repeat):
        target = scratch / "out"
        subprocess.run(["sync"], check=True)
        start = time.perf_counter()
        result = run(target)
        best = min(best, time.perf_counter() - start)
        note = result if isinstance(result, str) else ""
        if (target / "objects").exists():
            _remove(target)  # the store's read-only folders
        elif target.exists():
            shutil.rmtree(target)
    rate = size / MB / best
    print(f"{label:<48} {rate:8.0f} MB/s   ({best:5.2f} s){'   ' + note if note else ''}", flush=True)
    return rate


def variants(source: Path, reflink: bool) -> dict[str, Callable[[Path], object]]:
    def cp(*flags: str) -> Callable[[Path], object]:
        return lambda target: subprocess.run(["cp", "-r", *flags, str(source), str(target)], check=True)

    def cp_and_hash(target: Path) -> None:
        cp()(target)
        subprocess.run(["sha256sum", *sorted(map(str, target.iterdir()))], check=True, stdout=subprocess.DEVNULL)

    if not reflink:
        return {"reference: cp -r": cp(), "cp -r, then sha256sum": cp_and_hash, "harness store ingest (copy + hash)": lambda t: ingest(source, t)}
    return {
        "reference: cp -r --reflink=never": cp("--reflink=never"),
        "cp -r --reflink=always": cp("--reflink=always"),
        "harness store ingest (reflink + hash)": lambda t: ingest(source, t),
    }


def compare(title: str, where: Path, size: int, count: int, repeat: int, reflink: bool) -> None:
    source, scratch = where / "source", where / "scratch"
    source.mkdir()
    scratch.mkdir()
    write_files(source, size, count)
    print(f"\n{title}")
    rates = {label: timed(label, run, source, scratch, size, repeat) for label, run in variants(source, reflink).items()}
    reference = next(iter(rates.values()))
    for label, rate in rates.items():
        print(f"{label:<48} ratio to reference {rate / reference:5.2f}")
    store_rate = rates[list(rates)[-1]]
    print(f"150 GB checkpoint at {store_rate:.0f} MB/s: {CHECKPOINT_150GB / MB / store_rate / 60:.1f} min into the store at submission")


@contextmanager
def xfs_image(size: int) -> Iterator[Path]:
    """A loop-mounted XFS filesystem with reflink, big enough for the files twice over."""
    with tempfile.TemporaryDirectory(prefix="store-copy-xfs-") as tmp:
        image, mount = Path(tmp) / "xfs.img", Path(tmp) / "mnt"
        mount.mkdir()
        with open(image, "wb") as f:
            f.truncate(3 * size + 512 * MB)
        subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", str(image)], check=True)
        subprocess.run(["mount", "-o", "loop", str(image), str(mount)], check=True)
        try:
            yield mount
        finally:
            subprocess.run(["umount", str(mount)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=2.0, help="total size of the files (GiB)")
    parser.add_argument("--files", type=int, default=4, help="how many files (shards)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; the fastest counts")
    parser.add_argument("--reflink", action="store_true", help="also compare on a loop-mounted XFS image (needs root and mkfs.xfs)")
    args = parser.parse_args()
    size = int(args.size_gb * 1024 * MB)
    print(f"{args.files} files, {size / MB:.0f} MiB in all; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="store-copy-") as tmp:
        fs = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "--target", tmp], capture_output=True, text=True).stdout.strip()
        compare(f"On {tmp} ({fs}): byte copies", Path(tmp), size, args.files, args.repeat, reflink=False)
    if args.reflink:
        with xfs_image(size) as mount:
            compare(f"On a loop-mounted XFS image ({mount}, reflink=1)", mount, size, args.files, args.repeat, reflink=True)


if __name__ == "__main__":
    main()
