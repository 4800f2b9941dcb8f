"""Who reads and writes what on the shared server: MLflow's basic-auth users and roles, provisioned
by `harness admin` (docs/server.md).

- committee members READ every experiment and registered model;
- evaluators EDIT every experiment and registered model (they run evaluations and register submissions);
- an enterprise's users READ their own enterprise's experiments (`submissions/<USCC>`,
  `eval/<profile>/<USCC>`) and registered models (tag `uscc`), nothing else: the server's default
  permission is none. MLflow grants per experiment and per registered model, so the enterprise's grants
  are refreshed by `harness admin sync` whenever a submission or a new profile adds one.
Runs, model versions, logged models and artifacts follow the experiment or registered model they
belong to.
"""

from dataclasses import asdict, dataclass
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException
from mlflow.server.auth.client import AuthServiceClient
from mlflow.server.auth.entities import Role

from foundation.errors import InputError, Problem
from harness.evidence import names

WORKSPACE = "default"  # the server runs without MLflow workspaces
KINDS = ("enterprise", "evaluator", "committee")
ROLE_COMMITTEE = "harness-committee"
ROLE_EVALUATOR = "harness-evaluator"
CONTAINERS = ("experiment", "registered_model")
GLOBAL_GRANTS = {ROLE_COMMITTEE: "READ", ROLE_EVALUATOR: "EDIT"}


def enterprise_role(uscc: str) -> str:
    return f"harness-enterprise-{uscc}"


@dataclass(frozen=True)
class Grant:
    role: str
    resource_type: str
    resource: str  # an experiment id, a registered model's name, or "*"
    permission: str
    label: str  # the experiment's name or the model's name, for people

    def __str__(self) -> str:
        return f"{self.role}: {self.permission} on {self.resource_type} {self.label}"


def auth_client(tracking_uri: str) -> AuthServiceClient:
    if not tracking_uri.startswith(("http://", "https://")):
        raise InputError([Problem("--tracking-uri", tracking_uri, "users and permissions live on a tracking server", "give the server's URI, e.g. http://127.0.0.1:5000")])
    return AuthServiceClient(tracking_uri)


def _roles(auth: AuthServiceClient) -> dict[str, Role]:
    return {r.name: r for r in auth.list_roles(WORKSPACE)}


def _ensure_role(auth: AuthServiceClient, roles: dict[str, Role], name: str, description: str) -> Role:
    if name not in roles:
        roles[name] = auth.create_role(WORKSPACE, name, description)
    return roles[name]


def _grant(auth: AuthServiceClient, role: Role, grant: Grant) -> bool:
    """Add or correct one grant; whether anything changed."""
    for existing in auth.list_role_permissions(role.id):
        if (existing.resource_type, existing.resource_pattern) == (grant.resource_type, grant.resource):
            if existing.permission == grant.permission:
                return False
            auth.update_role_permission(existing.id, grant.permission)
            return True
    auth.add_role_permission(role.id, grant.resource_type, grant.resource, grant.permission)
    return True


def add_user(auth: AuthServiceClient, username: str, password: str, kind: str, uscc: str | None = None) -> str:
    """Create a user of one kind and give it its role; returns the role's name."""
    if kind not in KINDS:
        raise InputError([Problem("--kind", kind, "unknown kind of user", f"use one of {', '.join(KINDS)}")])
    if (kind == "enterprise") != bool(uscc):
        raise InputError([Problem("--enterprise", uscc or "", "an enterprise's user needs its USCC, the others none", "give --enterprise USCC with --kind enterprise only")])
    try:
        auth.create_user(username, password)
    except MlflowException as e:
        fix = "a user name not taken yet, and a password of 12 characters or more"
        raise InputError([Problem("USERNAME", username, f"the server refused the user ({e.message.splitlines()[0]})", fix)]) from e
    role_name = enterprise_role(uscc) if uscc else (ROLE_COMMITTEE if kind == "committee" else ROLE_EVALUATOR)
    role = _ensure_role(auth, _roles(auth), role_name, f"harness {kind}" + (f" {uscc}" if uscc else ""))
    for container in CONTAINERS if role_name in GLOBAL_GRANTS else ():
        # Committee and evaluators hold their grants on every resource (`*`) from the start.
        _grant(auth, role, Grant(role_name, container, "*", GLOBAL_GRANTS[role_name], "*"))
    auth.assign_role(username, role.id)
    return role_name


def policy(client: MlflowClient) -> list[Grant]:
    """Every grant the access rules call for, from what the server holds now."""
    grants = [Grant(role, t, "*", permission, "*") for role, permission in GLOBAL_GRANTS.items() for t in CONTAINERS]
    for experiment in client.search_experiments(view_type=ViewType.ALL):
        uscc = experiment.tags.get(names.X_ENTERPRISE_USCC)
        if uscc:
            grants.append(Grant(enterprise_role(uscc), "experiment", experiment.experiment_id, "READ", experiment.name))
    for model in client.search_registered_models(max_results=1000):
        uscc = model.tags.get(names.V_USCC)
        if uscc:
            grants.append(Grant(enterprise_role(uscc), "registered_model", model.name, "READ", model.name))
    return grants


def sync_permissions(client: MlflowClient, auth: AuthServiceClient) -> tuple[list[Grant], list[Grant]]:
    """Apply the policy (idempotent): (every grant, the ones added or corrected now). An administrator
    runs it; enterprise roles are created as needed, so a user added later has its grants at once."""
    roles = _roles(auth)
    grants = policy(client)
    changed = [g for g in grants if _grant(auth, _ensure_role(auth, roles, g.role, f"harness {g.role}"), g)]
    return grants, changed


def as_json(grants: list[Grant]) -> list[dict[str, Any]]:
    return [asdict(g) for g in grants]
