"""Fingerprint hardening: an unambiguous listing with its scheme recorded, unreadable folders are
errors, files opened without following links and judged on the open descriptor."""

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import registry.fingerprint as fingerprint_module
from foundation.errors import InputError
from registry.fingerprint import SCHEME, Fingerprint, fingerprint, listing_digest, sha256_file, verify


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_names_with_tab_and_newline_cannot_make_two_checkpoints_list_alike(tmp_path: Path) -> None:
    """Scheme 1's `name<TAB>digest<NEWLINE>` listing lets a file name spell out another file's line;
    scheme 2's JSON listing does not."""
    x, y = b"weights x", b"weights y"
    one = tmp_path / "one"
    digest_x = sha256_file(write(one / "x", x))
    write(one / f"a\t{digest_x}\nb", y)  # one file whose name contains a whole listing line
    two = tmp_path / "two"
    write(two / "a", x)
    write(two / "b", y)
    fp_one, fp_two = fingerprint(one), fingerprint(two)
    assert listing_digest({f"a\t{digest_x}\nb": sha256_file(one / f"a\t{digest_x}\nb")}, 1) == listing_digest(fp_two.files, 1)
    assert fp_one.digest != fp_two.digest and fp_one.scheme == fp_two.scheme == SCHEME == 2
    assert Fingerprint.from_json(fp_one.as_json()) == fp_one  # names survive fingerprint.json


def test_a_scheme_1_fingerprint_is_recognised_and_verified(tmp_path: Path) -> None:
    write(tmp_path / "model.safetensors", b"w")
    current = fingerprint(tmp_path)
    legacy = Fingerprint.from_json({"digest": listing_digest(current.files, 1), "files": current.files})  # as registered before scheme 2
    assert legacy.scheme == 1
    verify(tmp_path, legacy)
    write(tmp_path / "model.safetensors", b"x")
    with pytest.raises(InputError, match="model.safetensors: fingerprint: changed"):
        verify(tmp_path, legacy)


def fingerprint_as_nobody(directory: Path) -> str:
    """The fingerprint's error, computed in a forked child that dropped root (root reads every folder)."""
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            fingerprint(directory)
        except InputError as e:
            os.write(write_end, str(e).encode())
            code = 3
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3, "the listing did not stop at the unreadable folder"
    return message


def test_an_unreadable_folder_is_an_error_not_a_skipped_folder() -> None:
    with tempfile.TemporaryDirectory(prefix="fp-unreadable-") as tmp:
        checkpoint = Path(tmp) / "checkpoint"
        write(checkpoint / "config.json", b"{}")
        write(checkpoint / "shards" / "model.safetensors", b"w")
        for path in (Path(tmp), checkpoint, checkpoint / "config.json"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        (checkpoint / "shards").chmod(0o000)
        try:
            message = fingerprint_as_nobody(checkpoint)
        finally:
            (checkpoint / "shards").chmod(0o755)
    assert f"{checkpoint / 'shards'}: -: folder cannot be read (Permission denied)" in message


@pytest.fixture
def swap_after_listing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:
    """The real listing, then the change a writer makes before the files are opened (the seam
    between the two steps of fingerprint.scan)."""
    changes: list = []
    listing = fingerprint_module.tree_entries

    def listed_then_changed(directory: Path) -> list[Path]:
        entries = listing(directory)
        for change in changes:
            change()
        return entries

    monkeypatch.setattr(fingerprint_module, "tree_entries", listed_then_changed)
    yield changes


def test_a_fifo_put_in_place_after_the_listing_does_not_hang(tmp_path: Path, swap_after_listing: list) -> None:
    write(tmp_path / "model.safetensors", b"w")

    def to_fifo() -> None:
        (tmp_path / "model.safetensors").unlink()
        os.mkfifo(tmp_path / "model.safetensors")

    swap_after_listing.append(to_fifo)
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("hashing hung on a FIFO"))
    signal.alarm(30)
    try:
        with pytest.raises(InputError, match="model.safetensors: -: not a regular file when opened"):
            fingerprint(tmp_path)
    finally:
        signal.alarm(0)


def test_a_file_swapped_for_a_symlink_after_the_listing_is_not_followed(tmp_path: Path, swap_after_listing: list) -> None:
    secret = write(tmp_path / "outside" / "secret", b"not the submitter's to read")
    checkpoint = tmp_path / "checkpoint"
    write(checkpoint / "model.safetensors", b"w")
    write(checkpoint / "sub" / "tokenizer.json", b"{}")

    def file_to_link() -> None:
        (checkpoint / "model.safetensors").unlink()
        (checkpoint / "model.safetensors").symlink_to(secret)

    def folder_to_link() -> None:  # a folder swapped for a link is not walked through either
        (checkpoint / "sub" / "tokenizer.json").unlink()
        (checkpoint / "sub").rmdir()
        write(secret.parent / "tokenizer.json", b"{}")
        (checkpoint / "sub").symlink_to(secret.parent)

    swap_after_listing.append(file_to_link)
    with pytest.raises(InputError, match=f"model.safetensors: -: symlink to {secret} leaves the directory"):
        fingerprint(checkpoint)
    (checkpoint / "model.safetensors").unlink()
    write(checkpoint / "model.safetensors", b"w")
    swap_after_listing[:] = [folder_to_link]
    with pytest.raises(InputError, match="sub/tokenizer.json: -: symlink to .* leaves the directory"):
        fingerprint(checkpoint)


def test_symlinks_inside_are_read_as_their_target_and_links_out_only_when_allowed(tmp_path: Path) -> None:
    checkpoint = tmp_path / "checkpoint"
    write(checkpoint / "tokenizer.json", b"{}")
    (checkpoint / "extra").mkdir()
    (checkpoint / "extra" / "tokenizer.json").symlink_to(checkpoint / "tokenizer.json")
    files = fingerprint(checkpoint).files
    assert files["extra/tokenizer.json"] == files["tokenizer.json"]
    blob = write(tmp_path / "blobs" / "abc", b"a Hugging Face cache blob")
    (checkpoint / "model.safetensors").symlink_to(blob)
    with pytest.raises(InputError, match="leaves the directory"):
        fingerprint(checkpoint)
    assert fingerprint(checkpoint, links_outside=True).files["model.safetensors"] == sha256_file(blob)
