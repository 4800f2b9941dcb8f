"""Reading a directory someone else can write to: the listing, and each file opened once.

An unreadable folder is an error, never a folder silently left out. A file is opened beneath the
directory without following a link at any step (each folder by descriptor, O_NOFOLLOW), non-blocking
(so a FIFO put in place after the listing opens at once instead of hanging), and judged on the open
descriptor (fstat: a regular file, its size): whatever is read afterwards comes from that file,
whatever the path names by then.
"""

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from foundation.errors import InputError, Problem

FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
DIR_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC
FIX_STILL = "submit from a directory nobody changes while the harness reads it"


def tree_entries(directory: Path) -> list[Path]:
    """Every entry below `directory` but its real subdirectories, sorted, never descending through
    a symlink: a symlinked directory is listed as an entry so the intake can judge it. A folder that
    cannot be read stops the listing with its name (os.walk would skip it silently)."""
    entries: list[Path] = []
    errors: list[OSError] = []
    for root, dirs, files in os.walk(directory, onerror=errors.append):
        base = Path(root)
        entries.extend(base / d for d in dirs if (base / d).is_symlink())
        entries.extend(base / f for f in files)
    if errors:
        raise InputError([
            Problem(str(e.filename or directory), "-", f"folder cannot be read ({e.strerror})", "make every folder of the checkpoint readable (chmod -R a+rX), or remove it")
            for e in errors
        ])
    return sorted(entries)


@dataclass
class OpenedFile:
    """A regular file open for reading; `prefix` keeps the bytes read through `read_prefix`, so a
    copy can be checked against what was inspected."""

    path: Path  # as the user names it, for messages
    name: str  # POSIX path relative to the directory
    fd: int
    size: int
    identity: tuple[int, ...]  # (device, inode, size, mtime_ns, ctime_ns) of the open file
    prefix: bytes = field(default=b"", repr=False)

    def read_prefix(self, length: int) -> bytes:
        """The first `length` bytes (fewer at the end of the file), read from the descriptor."""
        chunks, offset = [], 0
        while offset < length:
            chunk = os.pread(self.fd, min(length - offset, 1 << 24), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        data = b"".join(chunks)
        if len(data) > len(self.prefix):
            self.prefix = data
        return data

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> "OpenedFile":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def identity(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def open_beneath(directory: Path, relative: str) -> int:
    """A descriptor of `directory/relative`, walking one folder at a time by descriptor and never
    following a symlink (what openat2's RESOLVE_NO_SYMLINKS does, in portable calls)."""
    *folders, leaf = relative.split("/")
    fd = os.open(directory, DIR_FLAGS)
    try:
        for folder in folders:
            inner = os.open(folder, DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(leaf, FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)


def open_entry(directory: Path, entry: Path, *, links_outside: bool = False) -> OpenedFile:
    """Open a listed entry of `directory` (resolved) as a regular file, checked on the descriptor.

    The entry is opened without following links; where a link stands on the way, its target is
    read instead if it lies inside the directory (itself opened beneath it without links), and a
    link leaving the directory is refused unless `links_outside` (the evaluator's own judge model in
    a Hugging Face cache), and then only its last step is not followed."""
    name = entry.relative_to(directory).as_posix()
    try:
        try:
            fd = open_beneath(directory, name)
        except OSError as e:
            if e.errno not in (errno.ELOOP, errno.ENOTDIR):  # how O_NOFOLLOW meets a link: as the file, as a folder
                raise
            fd = _open_link_target(directory, entry, links_outside)
    except OSError as e:
        raise InputError([Problem(str(entry), "-", f"cannot be opened ({e.strerror})", FIX_STILL)]) from e
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise InputError([Problem(str(entry), "-", "not a regular file when opened (a folder, FIFO, socket or device)", "remove it from the checkpoint")])
    return OpenedFile(entry, name, fd, st.st_size, identity(st))


def _open_link_target(directory: Path, entry: Path, links_outside: bool) -> int:
    target = Path(os.path.realpath(entry))
    if target.is_relative_to(directory):
        return open_beneath(directory, target.relative_to(directory).as_posix())
    if links_outside:
        return os.open(target, FILE_FLAGS)
    raise InputError([Problem(str(entry), "-", f"symlink to {target} leaves the directory", "replace the link by a copy of the file (cp -L)")])
