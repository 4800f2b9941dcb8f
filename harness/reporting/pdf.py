"""PDF from the report's HTML with headless Chromium (Debian package `chromium`): the browser that
shows the HTML prints it, so the PDF is the page a committee sees on screen, fonts embedded; it
brings no Python dependencies, and its `--print-to-pdf` is maintained with the browser."""

import errno
import shutil
import subprocess
import tempfile
from pathlib import Path

from foundation.errors import InputError, Problem

DEBIAN_PACKAGE = "chromium"
# Headless, offline and stateless: no GPU, no network side channels, a fresh profile every time.
FLAGS = (
    "--headless",
    "--no-sandbox",  # runs as root in containers and CI, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise InputError([Problem(
        DEBIAN_PACKAGE, "chromium", "headless Chromium, which prints reports to PDF, is not installed",
        f"bash scripts/install-system.sh (it installs the Debian package {DEBIAN_PACKAGE})",
    )])


def chromium_command(profile_dir: Path, *args: str) -> list[str]:
    """Chromium with the project's flags and a fresh profile directory, then `args`."""
    return [chromium(), *FLAGS, f"--user-data-dir={profile_dir}", *args]


def print_pdf(html: str, out: Path, *, timeout: float = 180) -> Path:
    """Print `html` (self-contained) to `out` on A4, without the browser's header and footer."""
    out = out.resolve()
    if not out.parent.is_dir():  # Chromium would only say it printed nothing; the CLI names the path
        raise FileNotFoundError(errno.ENOENT, "no such directory for the PDF", str(out.parent))
    with tempfile.TemporaryDirectory(prefix="harness-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        out.unlink(missing_ok=True)
        done = subprocess.run(
            chromium_command(Path(tmp) / "profile", "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()),
            capture_output=True, text=True, timeout=timeout,
        )
    if not out.is_file() or out.stat().st_size == 0:
        raise RuntimeError(f"chromium printed no PDF to {out} (exit {done.returncode}): {done.stderr[-2000:]}")
    return out
