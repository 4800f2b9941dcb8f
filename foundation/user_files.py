"""Files users hand the harness (banks, review sheets, manifests, profiles, local data copies): the one
way they are opened, so every command fails the same clear way on a bad one.

A path that is missing, a directory, a FIFO or device, a link to nothing, or unreadable is an
InputError naming it, and nothing blocks on a FIFO. Text may be UTF-8 (with or without a BOM),
UTF-16 or UTF-32 with a BOM, or else GB18030, which is what Excel's "CSV" and Notepad's "ANSI" write
on a Chinese Windows (GBK is its subset); anything else, and text with NUL characters (a binary file,
or UTF-16 without a BOM), is refused with how to save it.
"""

import codecs
import csv
import io
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from foundation.errors import InputError, Problem

T = TypeVar("T")

SAVE_AS_UTF8 = "save it as UTF-8 (Excel: 另存为 CSV UTF-8; or `iconv -f GB18030 -t UTF-8 FILE`)"
# Byte-order marks, longest first: UTF-32-LE's begins with UTF-16-LE's.
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
CSV_FIELD_LIMIT = 64 << 20  # csv's default, 128 KiB, is less than one long model response


def _refuse(path: Path, field: str, what: str, fix: str) -> InputError:
    return InputError([Problem(str(path), field, what, fix)])


def read_bytes(path: Path, field: str, expect: str) -> bytes:
    """The file's bytes. `field` is what the error names (e.g. "FILE", "--data"); `expect` says what
    the file should be, e.g. "a JSONL or CSV bank (docs/banks.md)"."""
    give = f"give the path of {expect}"
    try:
        mode = path.stat().st_mode  # follows links: a link to nothing fails here
    except FileNotFoundError:
        if path.is_symlink():
            raise _refuse(path, field, f"a link to {path.readlink()}, which does not exist", give) from None
        raise _refuse(path, field, "missing (no such file)", give) from None
    except OSError as e:
        raise _refuse(path, field, f"cannot be read ({e.strerror})", give) from e
    if stat.S_ISDIR(mode):
        raise _refuse(path, field, "a directory, not a file", give)
    if not stat.S_ISREG(mode):
        raise _refuse(path, field, "not a regular file (a FIFO, socket or device)", give)
    try:
        return path.read_bytes()
    except OSError as e:
        raise _refuse(path, field, f"cannot be read ({e.strerror})", give) from e


def decode(data: bytes, path: Path, field: str) -> str:
    """Text of a user's file; see the module docstring for the encodings taken."""
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), None)
    try:
        text = data.decode(encoding) if encoding else _utf8_or_gb18030(data)
    except UnicodeDecodeError as e:
        what = f"not valid {encoding.upper().removesuffix('-SIG')}, though it starts with its byte-order mark" if encoding else "neither UTF-8 nor GB18030 text"
        raise _refuse(path, field, f"{what} (byte {e.start}: {data[e.start:e.start + 4]!r})", SAVE_AS_UTF8) from e
    if "\x00" in text:
        raise _refuse(path, field, "contains NUL characters: a binary file, or UTF-16 without a byte-order mark", SAVE_AS_UTF8)
    return text


def _utf8_or_gb18030(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise utf8_error from None


def read_text(path: Path, field: str, expect: str) -> str:
    return decode(read_bytes(path, field, expect), path, field)


def lines(text: str) -> list[str]:
    """Lines as open() reads them (\\n, \\r\\n or \\r), without their ends; str.splitlines would also
    split at U+2028 and other separators that are legal inside a JSON string."""
    return [line.rstrip("\r\n") for line in io.StringIO(text, newline=None)]


def csv_table(text: str, path: Path, field: str) -> list[list[str]]:
    """Every row of CSV text; a malformed file is an InputError, not csv.Error."""
    return _csv(lambda f: list(csv.reader(f)), text, path, field)


def csv_records(text: str, path: Path, field: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, row) for each row under the header row (row 1), as csv.DictReader reads them."""
    return _csv(lambda f: list(enumerate(csv.DictReader(f), start=2)), text, path, field)


def _csv(read: Callable[[io.StringIO], T], text: str, path: Path, field: str) -> T:
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    try:
        return read(io.StringIO(text, newline=""))
    except csv.Error as e:
        raise _refuse(path, field, f"not readable as CSV ({e})", "save it as CSV (comma-separated), UTF-8") from e
