"""A private PostgreSQL cluster for the tracking server: Debian's postgresql package, our own data
directory and port, started and stopped with pg_ctl.

PostgreSQL refuses to run as root: when the harness runs as root the cluster belongs to the
`postgres` system user the Debian package creates, which must be able to enter the state directory.
"""

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from foundation.errors import InputError, Problem
from harness.server.settings import PostgresSettings

SYSTEM_USER = "postgres"
FIX_INSTALL = "install PostgreSQL: `bash scripts/install-system.sh` (Debian package postgresql, see requirements/debian.txt)"


def bin_dir() -> Path:
    """The newest installed server's binaries (Debian keeps them out of PATH)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if candidates:
        return candidates[-1].parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise InputError([Problem("PostgreSQL", "pg_ctl", "no PostgreSQL server is installed", FIX_INSTALL)])


@dataclass(frozen=True)
class Cluster:
    pgdata: Path
    settings: PostgresSettings

    @property
    def owner(self) -> str | None:
        """The user the server runs as; None for the current (non-root) user."""
        return SYSTEM_USER if os.geteuid() == 0 else None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        owner = self.owner
        return subprocess.run(
            [str(bin_dir() / args[0]), *args[1:]],
            user=owner, group=owner, extra_groups=[] if owner else None,
            capture_output=True, text=True, check=check, timeout=120, cwd="/",
        )

    def init(self, password: str) -> None:
        owner = self.owner
        if owner:
            try:
                entry = pwd.getpwnam(owner)
            except KeyError as e:
                raise InputError([Problem("PostgreSQL", "user", f"the system user {owner!r} does not exist", FIX_INSTALL)]) from e
            self._check_reachable_by(owner)
        self.pgdata.mkdir(mode=0o700)
        pwfile = self.pgdata.parent / ".postgres-init-password"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        try:
            if owner:
                os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            done = self._run(
                "initdb", "-D", str(self.pgdata), "-U", self.settings.user, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions", check=False,
            )
        finally:
            pwfile.unlink()
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stderr[-2000:]}")
        # Loopback TCP only, on our own port, and no Unix socket: the cluster never meets the
        # machine's own PostgreSQL or another user's.
        with open(self.pgdata / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\n# harness server\nport = {self.settings.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n")

    def _check_reachable_by(self, user: str) -> None:
        parent = self.pgdata.parent
        if subprocess.run(["test", "-x", str(parent)], user=user, check=False).returncode != 0:
            raise InputError([Problem(
                str(parent), "state directory", f"PostgreSQL runs as the system user {user!r}, which cannot enter this directory",
                "choose a state directory every parent of which others may enter (e.g. under /srv or /var/lib)",
            )])

    def running(self) -> bool:
        return self.pgdata.is_dir() and self._run("pg_ctl", "status", "-D", str(self.pgdata), check=False).returncode == 0

    def start(self, log: Path) -> None:
        if self.running():
            return
        log.parent.mkdir(parents=True, exist_ok=True)
        if self.owner:
            entry = pwd.getpwnam(self.owner)
            log.touch()
            os.chown(log, entry.pw_uid, entry.pw_gid)
        done = self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.pgdata), "-l", str(log), check=False)
        if done.returncode != 0:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start (port {self.settings.port}):\n{done.stderr[-1000:]}\n{tail}")

    def stop(self) -> None:
        if self.running():
            self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", str(self.pgdata))

    def create_databases(self, password: str, names: list[str]) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.settings.port, user=self.settings.user, password=password, dbname="postgres", autocommit=True
        ) as conn:
            existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
            for name in names:
                if name not in existing:
                    conn.execute(f'CREATE DATABASE "{name}"')
