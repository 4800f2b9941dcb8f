"""The checkpoint store: the harness's own copy of every registered checkpoint, the only one engines load.

Objects are named by the SHA-256 of their content (`objects/sha256/ab/abcd…`), read-only (files
0444, folders 0555) and written by the harness alone. At submission each file is copied from the
descriptor the intake inspected (registry/checkpoint.py): a reflink (FICLONE: the store shares the
file's blocks copy-on-write) where the filesystem allows, a byte copy otherwise, never a hard link,
through which the submitter could still write. The digest is taken from the bytes stored, and the
bytes the intake inspected are checked against the copy, so what is inspected is what is hashed is
what is stored. A registered version is materialised as `versions/<fingerprint>/`: hard links to
the objects (both inside the store), the directory engines load and `harness run` re-verifies.

Where (`configured_store`, harness/evidence/checkpoint_objects.py): `HARNESS_CHECKPOINT_STORE` names a local directory (default
`harness_home()/checkpoints`), or the URI of an MLflow artifact repository shared by several machines
(`mlflow-artifacts://host:port/path` of an `mlflow server --serve-artifacts`, `s3://bucket/path`,
...). With a repository each machine keeps a local cache (`HARNESS_CHECKPOINT_CACHE`, default
`harness_home()/checkpoint-cache`) laid out like a local store, and every object it fetches is
hashed before it is used.
"""

import errno
import fcntl
import hashlib
import io
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol

from tqdm import tqdm

from foundation.errors import InputError, Problem
from registry.files import FIX_STILL, OpenedFile, open_entry
from registry.fingerprint import BLOCK, Fingerprint, sha256_fd

FICLONE = 0x40049409  # _IOW(0x94, 9, int), linux/fs.h
# Errors meaning "this filesystem (pair) cannot share blocks": fall back to a byte copy.
NO_REFLINK = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EPERM}
READ_ONLY_FILE, READ_ONLY_DIR, PRIVATE_DIR = 0o444, 0o555, 0o700
PROGRESS_MIN_BYTES = 64 * 1024 * 1024  # smaller files are copied before a bar would show anything


class RemoteObjects(Protocol):
    """Objects kept beyond this machine, by digest."""

    location: str

    def has(self, digest: str) -> bool: ...

    def upload(self, digest: str, local: Path) -> None: ...

    def download(self, digest: str, directory: Path) -> Path: ...


@dataclass(frozen=True)
class Copied:
    digest: str
    size: int
    method: str  # "reflink" | "copy"
    inspected_intact: bool  # the copy starts with the bytes the intake read from the source


def copy_hashed(source: OpenedFile, destination: int, on_block: Callable[[int], object] = lambda n: None) -> Copied:
    """Copy an open file into an empty one (reflink where possible, else bytes) and hash what was
    stored; refuse a file that changed while copied (size, or the bytes the intake inspected)."""
    try:
        fcntl.ioctl(destination, FICLONE, source.fd)
    except OSError as e:
        if e.errno not in NO_REFLINK:
            raise
        copied = _byte_copy(source, destination, on_block)
    else:
        # The clone is the store's alone: hash it, and check it against what the intake read.
        intact = os.pread(destination, len(source.prefix), 0) == source.prefix
        copied = Copied(sha256_fd(destination, on_block), os.fstat(destination).st_size, "reflink", intact)
    if copied.size != source.size or not copied.inspected_intact:
        raise InputError([Problem(str(source.path), "-", "changed while it was being copied into the checkpoint store", FIX_STILL)])
    return copied


def _byte_copy(source: OpenedFile, destination: int, on_block: Callable[[int], object]) -> Copied:
    h = hashlib.sha256()
    buffer = memoryview(bytearray(BLOCK))
    reader = io.FileIO(source.fd, closefd=False)
    reader.seek(0)
    position, intact = 0, True
    while n := reader.readinto(buffer):
        chunk = buffer[:n]
        if position < len(source.prefix):
            inspected = source.prefix[position : position + n]
            intact = intact and chunk[: len(inspected)] == inspected
        h.update(chunk)
        written = 0
        while written < n:
            written += os.write(destination, chunk[written:])
        position += n
        on_block(n)
    return Copied(h.hexdigest(), position, "copy", intact and position >= len(source.prefix))


@contextmanager
def _writable(folder: Path) -> Iterator[None]:
    """Open a read-only store folder for one change by the harness, then close it again."""
    os.chmod(folder, 0o755)
    try:
        yield
    finally:
        os.chmod(folder, READ_ONLY_DIR)


def _ensure_folder(path: Path) -> None:
    """A read-only store folder, with its read-only parents, created as needed."""
    if path.is_dir():
        return
    _ensure_folder(path.parent)
    with _writable(path.parent):
        path.mkdir(mode=READ_ONLY_DIR, exist_ok=True)
    os.chmod(path, READ_ONLY_DIR)


class CheckpointStore:
    def __init__(self, root: Path, remote: RemoteObjects | None = None) -> None:
        self.root = root.resolve()
        self.remote = remote
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, READ_ONLY_DIR)

    @property
    def location(self) -> str:
        return self.remote.location if self.remote else str(self.root)

    def object_path(self, digest: str) -> Path:
        return self.root / "objects" / "sha256" / digest[:2] / digest

    def version_dir(self, fp: Fingerprint) -> Path:
        return self.root / "versions" / fp.digest

    def ingest(self, *, progress: bool = False) -> "Ingest":
        return Ingest(self, progress)

    def install(self, digest: str, staged: Path) -> None:
        """Move a staged file (whose digest was taken from its bytes) in as an object, read-only."""
        target = self.object_path(digest)
        if target.exists():
            staged.unlink()
        else:
            os.chmod(staged, READ_ONLY_FILE)
            _ensure_folder(target.parent)
            with _writable(target.parent):
                os.replace(staged, target)
        if self.remote is not None and not self.remote.has(digest):
            self.remote.upload(digest, target)

    def materialise(self, fp: Fingerprint, *, stored_in: str = "") -> Path:
        """`versions/<fingerprint>/` with every file of the version, fetching (and checking) what
        this machine lacks; engines load from here."""
        directory = self.version_dir(fp)
        if directory.is_dir():
            return directory
        missing = sorted({d for d in fp.files.values() if not self.object_path(d).exists()})
        if missing and self.remote is None:
            raise InputError([
                Problem(self.location, f"objects/sha256/{d[:2]}/{d}", "not in the checkpoint store", f"set HARNESS_CHECKPOINT_STORE to the store the version was submitted to ({stored_in or 'see its checkpoint_store tag'})")
                for d in missing
            ])
        for digest in missing:
            self._fetch(digest)
        _ensure_folder(directory.parent)
        building = self.root / "staging" / f"version-{uuid.uuid4().hex}"
        _ensure_folder(building.parent)
        with _writable(building.parent):
            building.mkdir(mode=PRIVATE_DIR)
        for name, digest in fp.files.items():
            (building / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(self.object_path(digest), building / name)
        for folder in sorted((p for p in building.rglob("*") if p.is_dir()), reverse=True) + [building]:
            os.chmod(folder, READ_ONLY_DIR)
        with _writable(building.parent), _writable(directory.parent):
            try:
                os.rename(building, directory)
            except OSError:  # built meanwhile by another run: keep that one
                _remove(building)
        return directory

    def _fetch(self, digest: str) -> None:
        """An object from the remote store into the cache, only if its bytes hash to its name."""
        assert self.remote is not None
        staging = self.root / "staging"
        _ensure_folder(staging)
        with _writable(staging):
            folder = staging / f"fetch-{uuid.uuid4().hex}"
            folder.mkdir(mode=PRIVATE_DIR)
        try:
            local = self.remote.download(digest, folder)
            with open_entry(local.parent, local) as opened:
                actual = sha256_fd(opened.fd)
            if actual != digest:
                raise InputError([Problem(f"{self.remote.location}/sha256/{digest[:2]}/{digest}", "content", f"the object store returned bytes whose SHA-256 is {actual}", "restore the object from a machine whose store holds it intact, or submit the checkpoint again")])
            self.install(digest, local)
        finally:
            _remove(folder)


@dataclass
class Ingest:
    """A submission's files on their way into the store: staged privately, installed on commit,
    removed if the submission is refused. It is the intake's FileSink."""

    store: CheckpointStore
    progress: bool
    files: dict[str, str] = field(default_factory=dict)  # name -> digest
    methods: dict[str, int] = field(default_factory=dict)  # "reflink" | "copy" -> files
    _staged: dict[str, Path] = field(default_factory=dict)  # digest -> staged file
    folder: Path = field(init=False)  # private to this ingest, removed when it ends

    def __post_init__(self) -> None:
        staging = self.store.root / "staging"
        _ensure_folder(staging)
        self.folder = staging / f"ingest-{uuid.uuid4().hex}"
        with _writable(staging):
            self.folder.mkdir(mode=PRIVATE_DIR)

    def put(self, opened: OpenedFile) -> None:
        staged = self.folder / uuid.uuid4().hex
        fd = os.open(staged, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)  # read back to hash a clone
        try:
            shown = self.progress and opened.size >= PROGRESS_MIN_BYTES
            with tqdm(total=opened.size, unit="B", unit_scale=True, desc=f"store {opened.name}", leave=False, disable=not shown) as bar:
                copied = copy_hashed(opened, fd, bar.update)
        finally:
            os.close(fd)
        self.files[opened.name] = copied.digest
        self.methods[copied.method] = self.methods.get(copied.method, 0) + 1
        if copied.digest in self._staged:
            staged.unlink()
        else:
            self._staged[copied.digest] = staged

    def commit(self) -> Fingerprint:
        """Install every staged object (uploading it where the store is remote); the fingerprint."""
        for digest, staged in self._staged.items():
            self.store.install(digest, staged)
        self._staged.clear()
        return Fingerprint.of(self.files)

    def __enter__(self) -> "Ingest":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        _remove(self.folder)


def _remove(folder: Path) -> None:
    """Remove a private or read-only folder of the store's staging area."""
    if not folder.exists():
        return
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            os.chmod(path, PRIVATE_DIR)
    with _writable(folder.parent):
        shutil.rmtree(folder)
