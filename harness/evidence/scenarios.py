"""Scenario sets in the tracking store: registered once per items digest with their owner, and
attached to every evaluation run that uses them.

Registration (`harness scenario register`, or the first `harness run` of a profile using the set)
is a run in the owner's experiment (`scenarios/<USCC>`, tagged with the enterprise like its other
experiments, so the access policy lets it read its own registrations; `scenarios/committee`, which
no enterprise is granted) holding the set's identity, never its items: tags
`scenario.name`, `scenario.digest` (SHA-256 of the items file), `scenario.owner` (`enterprise:<USCC>
<name>` or `committee:<name>`), `scenario.sector`, `scenario.counts` (items per type), and the suite
file as artifact `scenario/<name>.yaml` (no item text). The same items registered again return the
registration there is; the same items claimed by another owner are refused.
"""

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Param

from benchmarks.catalog import ScenarioSuite
from foundation.errors import InputError, Problem
from harness.evidence import names
from harness.evidence.tracking import enterprise_experiment_tags, ensure_experiment, git_revision


@dataclass(frozen=True)
class Registration:
    run_id: str
    name: str
    digest: str
    owner: str
    sector: str
    counts: dict[str, int]
    existing: bool


def scenario_experiment(spec: ScenarioSuite) -> tuple[str, dict[str, str]]:
    """The owner's registration experiment and its tags."""
    if spec.owner.kind == "committee" or spec.owner.uscc is None:
        return f"{names.SCENARIOS_PREFIX}/committee", {}
    tags = enterprise_experiment_tags(spec.owner.uscc, spec.owner.name)
    tags[names.X_NOTE] = f"**{spec.owner.name}** (统一社会信用代码 USCC `{spec.owner.uscc}`): 场景集登记 Scenario-set registrations."
    return f"{names.SCENARIOS_PREFIX}/{spec.owner.uscc}", tags


def find_registration(client: MlflowClient, digest: str) -> Registration | None:
    """The registration of these items in any owner's experiment the caller may read."""
    experiments = [e.experiment_id for e in client.search_experiments(filter_string=f"name LIKE '{names.SCENARIOS_PREFIX}/%'")]
    if not experiments:
        return None
    runs = client.search_runs(
        experiments, filter_string=f"tags.`{names.T_SCENARIO_DIGEST}` = '{digest}' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time ASC"], max_results=1,
    )
    if not runs:
        return None
    tags = runs[0].data.tags
    return Registration(runs[0].info.run_id, tags[names.T_SCENARIO_NAME], digest, tags[names.T_SCENARIO_OWNER], tags[names.T_SCENARIO_SECTOR],
                        json.loads(tags[names.T_SCENARIO_COUNTS]), existing=True)


def register_scenario(client: MlflowClient, spec: ScenarioSuite, suite_file: Path, digest: str, counts: dict[str, int]) -> Registration:
    """The set's registration, made now unless its items are registered already (same owner)."""
    owner = spec.owner.describe()
    found = find_registration(client, digest)
    if found is not None:
        if found.owner != owner:
            raise InputError([Problem(str(suite_file), "owner", f"these items (digest {digest[:16]}…) are registered to {found.owner}", "a scenario set has one owner: register it under that owner, or change the items")])
        return found
    tags = {
        names.T_KIND: "scenario", names.T_GIT_REVISION: git_revision(), names.T_SCENARIO_NAME: spec.name, names.T_SCENARIO_DIGEST: digest,
        names.T_SCENARIO_OWNER: owner, names.T_SCENARIO_SECTOR: spec.sector, names.T_SCENARIO_COUNTS: json.dumps(counts),
    }
    run = client.create_run(ensure_experiment(client, *scenario_experiment(spec)), run_name=f"{spec.name} {digest[:12]}", tags=tags)
    try:
        client.log_batch(run.info.run_id, params=[Param("title", spec.title), Param("owner.kind", spec.owner.kind), Param("items", str(sum(counts.values())))])
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / f"{spec.name}.yaml"
            copy.write_bytes(suite_file.read_bytes())
            client.log_artifact(run.info.run_id, str(copy), names.A_SCENARIO_DIR)
    except BaseException:
        client.set_terminated(run.info.run_id, "FAILED")
        raise
    client.set_terminated(run.info.run_id, "FINISHED")
    return Registration(run.info.run_id, spec.name, digest, owner, spec.sector, counts, existing=False)


def scenario_params(suite: str, registration: Registration) -> list[Param]:
    """What an evaluation run records about each scenario set it used."""
    return [
        Param(names.suite_param(suite, "scenario_owner"), registration.owner),
        Param(names.suite_param(suite, "scenario_sector"), registration.sector),
        Param(names.suite_param(suite, "scenario_registration"), registration.run_id),
    ]
