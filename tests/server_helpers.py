"""A real shared server for a test module: PostgreSQL and `mlflow server` with basic-auth, started in a
fresh state directory on free ports and removed afterwards, plus users of every kind."""

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.evidence.access import add_user, auth_client
from harness.server.control import init_server, remove_state, start_server
from harness.server.settings import StateDir

ENTERPRISE_A = "91440106MA5D0K7A9M"  # zh-tiny-tuned's enterprise in registry/examples/submission.yaml
ENTERPRISE_B = "91440112MA9W3R2EX3"  # zh-tiny-base's, submission-base.yaml
USERS = {  # name -> (kind, enterprise)
    "ent-a": ("enterprise", ENTERPRISE_A),
    "ent-b": ("enterprise", ENTERPRISE_B),
    "evaluator": ("evaluator", None),
    "committee": ("committee", None),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    state: StateDir
    uri: str
    passwords: dict[str, str]  # every user's, the administrator's under "admin"


@contextmanager
def as_user(server: Server, name: str) -> Iterator[None]:
    """MLflow's client reads the credentials from the environment on every request."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = name, server.passwords[name]
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def user_env(server: Server, name: str) -> dict[str, str]:
    return {"MLFLOW_TRACKING_URI": server.uri, "MLFLOW_TRACKING_USERNAME": name, "MLFLOW_TRACKING_PASSWORD": server.passwords[name]}


@contextmanager
def running_server() -> Iterator[Server]:
    # Under /tmp itself: when the tests run as root, PostgreSQL runs as `postgres` and must be able to
    # enter the state directory, which pytest's own temporary directories (mode 0700) do not allow.
    root = Path(tempfile.mkdtemp(prefix="harness-server-", dir="/tmp"))
    root.chmod(0o711)
    state = StateDir(root / "state")
    try:
        init_server(state, None, port=free_port(), pg_port=free_port(), workers=1, admin_password="admin-password-for-tests")
        status = start_server(state)
        server = Server(state, status.tracking_uri, {"admin": "admin-password-for-tests"} | {name: f"{name}-password-0123" for name in USERS})
        with as_user(server, "admin"):
            auth = auth_client(server.uri)
            for name, (kind, uscc) in USERS.items():
                add_user(auth, name, server.passwords[name], kind, uscc)
        yield server
    finally:
        remove_state(state)
        shutil.rmtree(root, ignore_errors=True)
