"""`harness server init|start|stop|status`: MLflow's tracking server with a PostgreSQL backend store,
served artifacts and MLflow's basic-auth app, all under one state directory (docs/server.md)."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from foundation.errors import InputError, Problem
from harness.server.postgres import Cluster
from harness.server.settings import ServerSettings, StateDir, load_settings

START_TIMEOUT_S = 600  # `mlflow server` takes ~25 s on an idle 2-core machine; measured over 180 s on a loaded one


@dataclass(frozen=True)
class ServerStatus:
    state_dir: str
    tracking_uri: str
    postgres_running: bool
    mlflow_pid: int | None
    healthy: bool
    admin_username: str

    def render(self) -> str:
        state = "up" if self.healthy else ("starting or unhealthy" if self.mlflow_pid else "stopped")
        return (
            f"tracking server {self.tracking_uri}: {state}"
            f"{f' (pid {self.mlflow_pid})' if self.mlflow_pid else ''}; PostgreSQL {'running' if self.postgres_running else 'stopped'}\n"
            f"state directory {self.state_dir}; administrator {self.admin_username!r} (password in {Path(self.state_dir) / 'secrets.json'})"
        )


def _cluster(state: StateDir, settings: ServerSettings) -> Cluster:
    return Cluster(state.pgdata, settings.postgres)


def init_server(
    state: StateDir, settings_file: Path | None, *, port: int | None = None, pg_port: int | None = None, workers: int | None = None, admin_password: str | None = None
) -> ServerStatus:
    """A new state directory: settings, secrets, a PostgreSQL cluster with the two databases, the
    auth app's configuration. Refuses a directory that already holds a server."""
    if state.initialized():
        raise InputError([Problem(str(state.root), "state directory", "a server is already initialised here", "start it with `harness server start`, or choose another --state-dir")])
    settings = load_settings(settings_file) if settings_file else ServerSettings()
    if port is not None:
        settings.port = port
    if pg_port is not None:
        settings.postgres.port = pg_port
    if workers is not None:
        settings.workers = workers
    state.root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        state.root.chmod(0o711)  # PostgreSQL's own user must enter it to reach its cluster; nothing here is listable
    state.settings_file.write_text(_settings_yaml(settings), encoding="utf-8")
    values = state.write_secrets(admin_password)
    for d in (state.artifacts, state.logs):
        d.mkdir(exist_ok=True)
    cluster = _cluster(state, settings)
    try:
        cluster.init(values["postgres_password"])
        cluster.start(state.logs / "postgres.log")
        cluster.create_databases(values["postgres_password"], [settings.postgres.database, settings.postgres.auth_database])
    finally:
        cluster.stop()
    state.auth_ini.write_text(
        "[mlflow]\n"
        f"default_permission = {settings.auth.default_permission}\n"
        f"database_uri = {settings.backend_uri(settings.postgres.auth_database)}\n"
        f"admin_username = {settings.auth.admin_username}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        # Checking a password (PBKDF2) on every request costs about 2 s each on a loaded 2-core machine;
        # a checked password is trusted for 30 s per worker (a password change reaches other workers then).
        "auth_cache_ttl_seconds = 30\n",
        encoding="utf-8",
    )
    return status(state)


def _settings_yaml(settings: ServerSettings) -> str:
    import yaml

    return "# Written by `harness server init`; edit and restart to change.\n" + yaml.safe_dump(settings.model_dump(), sort_keys=False)


def _server_env(state: StateDir, settings: ServerSettings) -> dict[str, str]:
    values = state.secrets()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "MLFLOW_AUTH_"))}
    env |= {
        "PGPASSWORD": values["postgres_password"],
        "MLFLOW_AUTH_CONFIG_PATH": str(state.auth_ini),
        "MLFLOW_FLASK_SERVER_SECRET_KEY": values["flask_secret_key"],
        # Read once, when the auth app first meets an empty user store.
        "MLFLOW_AUTH_ADMIN_PASSWORD": values["admin_password"],
    }
    return env


def start_server(state: StateDir) -> ServerStatus:
    """PostgreSQL, then `mlflow server` in the background; returns once /health answers."""
    state.require_initialized()
    settings = state.settings()
    current = status(state)
    if current.healthy:
        return current
    _cluster(state, settings).start(state.logs / "postgres.log")
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", settings.backend_uri(settings.postgres.database),
        "--serve-artifacts", "--artifacts-destination", str(state.artifacts),
        "--host", settings.host, "--port", str(settings.port), "--workers", str(settings.workers),
        "--app-name", "basic-auth",
    ]
    with open(state.logs / "mlflow-server.log", "ab") as log:
        process = subprocess.Popen(command, env=_server_env(state, settings), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, cwd=state.root)
    state.pid_file.write_text(str(process.pid), encoding="utf-8")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            state.pid_file.unlink(missing_ok=True)
            raise RuntimeError(f"mlflow server exited with {process.returncode}; its log:\n{_tail(state.logs / 'mlflow-server.log')}")
        if _healthy(settings):
            return status(state)
        time.sleep(0.5)
    raise RuntimeError(f"mlflow server did not answer on {settings.tracking_uri()} within {START_TIMEOUT_S} s; its log:\n{_tail(state.logs / 'mlflow-server.log')}")


def stop_server(state: StateDir) -> ServerStatus:
    """The MLflow server's process group (SIGTERM, then SIGKILL after 30 s), then PostgreSQL."""
    state.require_initialized()
    pid = _pid(state)
    if pid is not None:
        _terminate_group(pid)
        state.pid_file.unlink(missing_ok=True)
    _cluster(state, state.settings()).stop()
    return status(state)


def stop_tracking_only(state: StateDir) -> None:
    """Only `mlflow server`, PostgreSQL left running: what a tracking outage looks like to a client."""
    pid = _pid(state)
    if pid is not None:
        _terminate_group(pid)
        state.pid_file.unlink(missing_ok=True)


def _terminate_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _reap(pid)
        if not _alive(pid):
            return
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)
    _reap(pid)


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a parent that has not collected it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _reap(pid: int) -> None:
    # When this process started the server (tests, `harness server start` in one process), collect it.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def status(state: StateDir) -> ServerStatus:
    state.require_initialized()
    settings = state.settings()
    return ServerStatus(
        str(state.root), settings.tracking_uri(), _cluster(state, settings).running(), _pid(state), _healthy(settings), settings.auth.admin_username
    )


def _pid(state: StateDir) -> int | None:
    try:
        pid = int(state.pid_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _reap(pid)
    return pid if _alive(pid) else None


def _healthy(settings: ServerSettings) -> bool:
    try:
        with urllib.request.urlopen(f"{settings.tracking_uri()}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else "(no log)"


def remove_state(state: StateDir) -> None:
    """Stop everything and delete the state directory (tests, and `harness server destroy`)."""
    if state.initialized():
        stop_server(state)
    shutil.rmtree(state.root, ignore_errors=True)
