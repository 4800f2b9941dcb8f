"""Per-item results, appended to JSONL as they are produced; the request cache's place; the lock
that keeps two launches of one run apart.

Each line is flushed at once; the files are logged to the MLflow run as artifacts
(items/<suite>.jsonl) when each suite ends. What makes a killed run resumable is the run's journal
of engine answers (harness/engines/recorded.py): a continued run writes its item files again, whole,
from it.
"""

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from harness.crash import crash_point
from foundation.errors import InputError, Problem
from foundation.paths import harness_home
from harness.runlog import ItemResult, McqRecord, digest_of


def staging_dir(run_id: str) -> Path:
    return harness_home() / "runs" / run_id


def journal_path(run_id: str) -> Path:
    """The run's journal of engine answers: what a continued run does not ask the model again."""
    return staging_dir(run_id) / "requests.jsonl"


def request_cache_path(fingerprint: str) -> Path:
    """The request cache of one set of weights, shared by every run on this machine (`--no-cache`
    leaves it alone)."""
    return harness_home() / "cache" / "requests" / f"{fingerprint}.jsonl"


class ItemWriter:
    """One items file written from its first record: a continued run writes it again, whole."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = open(path, "w", encoding="utf-8")

    def write(self, record: dict) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        crash_point("item")

    def __enter__(self) -> "ItemWriter":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._file.close()


MCQ_PATHS = ("loglikelihood", "fast", "lm-eval")


def read_items(path: Path) -> list[dict]:
    """An items file, each line validated (harness/runlog.py): every line an ItemResult, a
    multiple-choice line a whole McqRecord."""
    records = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                ItemResult.model_validate(record)
                if record.get("path") in MCQ_PATHS:
                    McqRecord.model_validate(record)
            except ValueError as e:
                raise InputError([Problem(str(path), f"line {number}", f"not an item result: {str(e).splitlines()[0]}", "restore the file from the run's items/ artifact")]) from e
            records.append(record)
    return records


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def lock_path(store: str, spec_digest: str) -> Path:
    return harness_home() / "locks" / f"{digest_of([store, spec_digest])[:32]}.lock"


@contextmanager
def run_lock(store: str, spec_digest: str, what: str) -> Iterator[Path]:
    """Held while one run (one run spec against one store) is being made. A second launch is refused
    with the first one's pid; a lock whose process is gone (killed) is taken over."""
    path = lock_path(store, spec_digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "run": what})
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                holder = {}
            pid = holder.get("pid")
            if isinstance(pid, int) and holder.get("host") == socket.gethostname() and not _alive(pid):
                path.unlink(missing_ok=True)  # its process was killed: the run is continued by this one
                continue
            if not holder:
                time.sleep(0.2)  # being written by the process that just created it
                if path.exists() and not path.read_text(encoding="utf-8").strip():
                    path.unlink(missing_ok=True)
                continue
            raise InputError([Problem(
                str(path), "lock", f"{what} is already being run against {store} by process {pid} on {holder.get('host')} since {holder.get('since')}",
                f"wait for process {pid} to finish (or stop it: kill {pid}); running the same command again afterwards continues the run where it stopped",
            )]) from None
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(mine)
        break
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def rewrite_items(path: Path, records: list[dict]) -> None:
    """Replace a staged items file with its records after a later judge added decisions; the old file
    stays whole until the new one is complete (write, then rename)."""
    partial = path.with_suffix(".jsonl.partial")
    with ItemWriter(partial) as writer:
        for record in records:
            writer.write(record)
    os.replace(partial, path)
