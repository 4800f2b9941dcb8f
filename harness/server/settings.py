"""Deployment settings of the shared tracking server (`configs/server.yaml`) and its state directory.

`harness server init` copies the settings into the state directory, beside the secrets it generates,
so `start`, `stop` and `status` need only the directory.
"""

import json
import os
import secrets
from pathlib import Path

import yaml
from pydantic import ValidationError

from foundation.schema import Strict
from foundation.errors import InputError, Problem
from foundation.paths import harness_home


class PostgresSettings(Strict):
    port: int = 5433
    user: str = "mlflow"
    database: str = "mlflow"  # runs, experiments, the Model Registry
    auth_database: str = "mlflow_auth"  # the basic-auth app's users, roles and permissions


class AuthSettings(Strict):
    admin_username: str = "admin"
    # What a signed-in user may do where nothing grants more: nothing, so that an enterprise sees only
    # what `harness admin` granted it.
    default_permission: str = "NO_PERMISSIONS"


class ServerSettings(Strict):
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    postgres: PostgresSettings = PostgresSettings()
    auth: AuthSettings = AuthSettings()

    def tracking_uri(self) -> str:
        return f"http://{self.host}:{self.port}"

    def backend_uri(self, database: str) -> str:
        # No password in the URI (it would show in `ps`): the server gets it as PGPASSWORD.
        return f"postgresql+psycopg://{self.postgres.user}@127.0.0.1:{self.postgres.port}/{database}"


def default_state_dir() -> Path:
    return Path(os.environ.get("HARNESS_SERVER_DIR", harness_home() / "server")).resolve()


def load_settings(path: Path) -> ServerSettings:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return ServerSettings.model_validate(data)
    except OSError as e:
        raise InputError([Problem(str(path), "file", f"cannot be read ({e.strerror})", "give the path of a server settings file such as configs/server.yaml")]) from e
    except yaml.YAMLError as e:
        raise InputError([Problem(str(path), "file", "not valid YAML", "fix the YAML syntax")]) from e
    except ValidationError as e:
        raise InputError(
            [Problem(str(path), ".".join(map(str, err["loc"])), err["msg"], "see configs/server.yaml for the fields and their meaning") for err in e.errors()]
        ) from e


class StateDir:
    """Where one server keeps everything: PostgreSQL's cluster, artifacts, the auth config, logs, secrets."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.settings_file = self.root / "server.yaml"
        self.secrets_file = self.root / "secrets.json"  # mode 0600
        self.pgdata = self.root / "postgres"
        self.artifacts = self.root / "artifacts"
        self.auth_ini = self.root / "basic_auth.ini"
        self.logs = self.root / "logs"
        self.pid_file = self.root / "mlflow-server.pid"

    def initialized(self) -> bool:
        return self.settings_file.is_file() and self.secrets_file.is_file()

    def require_initialized(self) -> None:
        if not self.initialized():
            raise InputError([Problem(str(self.root), "state directory", "no server was initialised here", "run `harness server init --state-dir DIR` first")])

    def settings(self) -> ServerSettings:
        return load_settings(self.settings_file)

    def secrets(self) -> dict[str, str]:
        return json.loads(self.secrets_file.read_text(encoding="utf-8"))

    def write_secrets(self, admin_password: str | None) -> dict[str, str]:
        values = {
            "postgres_password": secrets.token_urlsafe(24),
            "flask_secret_key": secrets.token_hex(32),
            "admin_password": admin_password or secrets.token_urlsafe(18),
        }
        fd = os.open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(values, f, indent=1)
        return values
