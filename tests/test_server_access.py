"""The shared server for real: PostgreSQL, `mlflow server` with served artifacts and basic-auth, users of
every kind provisioned by `harness admin`, both demo enterprises' models submitted and evaluated by the
evaluator; then who may read and write what, measured through MLflow's REST API and through the very
calls MLflow's UI makes (recorded in headless Chromium), and the UI pages a committee member sees."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from server_helpers import ENTERPRISE_A, ENTERPRISE_B, USERS, Server, as_user, running_server, user_env

from harness.demo.job import DEMO_MANIFESTS, materialize_manifest
from harness.evidence import names
from harness.evidence.access import auth_client, sync_permissions
from harness.evidence.tracking import connect
from foundation.paths import REGISTRY_EXAMPLES_DIR

pytestmark = pytest.mark.engine
WHO = [*USERS, "anonymous"]
ITEMS = f"{names.A_ITEMS_DIR}/zh_mcq_sample.jsonl"  # an artifact every demo run has
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def harness(server: Server, who: str, *args: str) -> dict:
    """The CLI in its own process, as one of the server's users (an engine and MLflow's Flask-based auth
    client do not share a process well: vLLM scans module globals, Flask's proxies refuse)."""
    env = {**os.environ, **user_env(server, who)}
    done = subprocess.run([sys.executable, "-m", "harness.cli", *args, "--json"], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def round_on_server(demo_checkpoints: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with running_server() as server:
        out = tmp_path_factory.mktemp("manifests")
        facts: dict = {"server": server}
        for side, example in zip(("A", "B"), DEMO_MANIFESTS, strict=True):
            registered = harness(server, "evaluator", "submit", str(materialize_manifest(REGISTRY_EXAMPLES_DIR / example, demo_checkpoints, out)))
            run = harness(server, "evaluator", "run", "demo", "--model", f"{registered['name']}/1", "--limit", "4")
            facts[side] = {"model": registered["name"], "run": run["run_id"]}
        with as_user(server, "admin"):
            admin = connect(server.uri)
            facts["grants"], _ = sync_permissions(admin, auth_client(server.uri))
            for side in ("A", "B"):
                facts[side]["experiment"] = admin.get_run(facts[side]["run"]).info.experiment_id
        yield facts


def _call(server: Server, who: str, method: str, path: str, **kwargs) -> requests.Response:
    auth = None if who == "anonymous" else (who, server.passwords[who])
    return requests.request(method, server.uri + path, auth=auth, timeout=30, **kwargs)


def _probes(facts: dict, side: str) -> dict[str, tuple[str, str, dict]]:
    """(method, path, request kwargs) per action on one enterprise's evidence."""
    f = facts[side]
    return {
        "read run": ("GET", "/api/2.0/mlflow/runs/get", {"params": {"run_id": f["run"]}}),
        "read experiment": ("GET", "/api/2.0/mlflow/experiments/get", {"params": {"experiment_id": f["experiment"]}}),
        "read model version": ("GET", "/api/2.0/mlflow/model-versions/get", {"params": {"name": f["model"], "version": "1"}}),
        "read artifact (REST)": ("GET", f"/api/2.0/mlflow-artifacts/artifacts/{f['experiment']}/{f['run']}/artifacts/{ITEMS}", {}),
        "read artifact (UI)": ("GET", "/get-artifact", {"params": {"path": ITEMS, "run_uuid": f["run"]}}),
        "write run tag": ("POST", "/api/2.0/mlflow/runs/set-tag", {"json": {"run_id": f["run"], "key": "probe", "value": "x"}}),
        "write model version tag": ("POST", "/api/2.0/mlflow/model-versions/set-tag", {"json": {"name": f["model"], "version": "1", "key": "probe", "value": "x"}}),
    }


def _outcome(response: requests.Response) -> str:
    return {200: "allowed", 401: "no login", 403: "denied"}.get(response.status_code, str(response.status_code))


EXPECTED_READ = {"ent-a": {"A"}, "ent-b": {"B"}, "evaluator": {"A", "B"}, "committee": {"A", "B"}, "anonymous": set()}
EXPECTED_WRITE = {"evaluator": {"A", "B"}}


def test_access_matrix_through_the_rest_api(round_on_server: dict, capsys: pytest.CaptureFixture) -> None:
    server: Server = round_on_server["server"]
    rows = []
    for who in WHO:
        for side in ("A", "B"):
            for action, (method, path, kwargs) in _probes(round_on_server, side).items():
                got = _outcome(_call(server, who, method, path, **kwargs))
                allowed = side in (EXPECTED_WRITE if action.startswith("write") else EXPECTED_READ).get(who, set())
                expected = "allowed" if allowed else ("no login" if who == "anonymous" else "denied")
                rows.append((who, f"{action} of enterprise {side}", got, expected))
    for side in ("A", "B"):  # the evaluator's probe tags, removed so the UI pages show the evidence only
        f = round_on_server[side]
        _call(server, "evaluator", "POST", "/api/2.0/mlflow/runs/delete-tag", json={"run_id": f["run"], "key": "probe"})
        _call(server, "evaluator", "DELETE", "/api/2.0/mlflow/model-versions/delete-tag", json={"name": f["model"], "version": "1", "key": "probe"})
    with capsys.disabled():
        print("\naccess matrix (measured against the real server):")
        for who, what, got, expected in rows:
            print(f"  {who:10} {what:45} {got:9} {'' if got == expected else '<-- expected ' + expected}")
    assert [r for r in rows if r[2] != r[3]] == []


def test_each_enterprise_lists_only_its_own_experiments_and_models(round_on_server: dict) -> None:
    server: Server = round_on_server["server"]
    seen = {}
    for who in ("ent-a", "ent-b", "committee"):
        with as_user(server, who):
            client = connect(server.uri)
            experiments = {e.name for e in client.search_experiments()}
            models = {m.name for m in client.search_registered_models()}
            runs = client.search_runs([round_on_server[s]["experiment"] for s in ("A", "B")]) if who == "committee" else []
        seen[who] = (experiments, models, len(runs))
    assert seen["ent-a"][:2] == ({names.evaluation_experiment("demo", ENTERPRISE_A), names.submission_experiment(ENTERPRISE_A)}, {"zh-tiny-tuned"})
    assert seen["ent-b"][:2] == ({names.evaluation_experiment("demo", ENTERPRISE_B), names.submission_experiment(ENTERPRISE_B)}, {"zh-tiny-base"})
    assert {"zh-tiny-tuned", "zh-tiny-base"} <= seen["committee"][1] and names.round_experiment("demo") in seen["committee"][0]
    assert seen["committee"][2] == 2


UI_CALL_PATHS = ("/ajax-api/", "/graphql", "/get-artifact")


def _browse(server: Server, who: str, url: str, shot: Path | None, wait_text: str) -> tuple[str, list[tuple[str, str, str | None]]]:
    """Open a UI page as a user in headless Chromium (Debian's, never a downloaded one); its text and the
    calls the page made to the server: (method, URL, body)."""
    from playwright.sync_api import sync_playwright

    calls: list[tuple[str, str, str | None]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(http_credentials={"username": who, "password": server.passwords[who]}, viewport={"width": 1500, "height": 1100}, locale="zh-CN")
            page = context.new_page()
            page.on("request", lambda r: calls.append((r.method, r.url, r.post_data)) if any(p in r.url for p in UI_CALL_PATHS) else None)
            page.goto(server.uri + "/" + url, wait_until="load", timeout=120_000)  # runs tables poll: never network-idle
            try:
                page.get_by_text(wait_text).first.wait_for(timeout=120_000)
                for more in page.get_by_text("Show more", exact=True).all():  # the run description is folded
                    if more.is_visible():
                        more.click()
                page.wait_for_timeout(1500)
            finally:
                if shot is not None:
                    page.screenshot(path=str(shot), full_page=True)
            return page.inner_text("body"), calls
        finally:
            browser.close()


def _shots_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("HARNESS_UI_SHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_committee_sees_run_and_model_version_pages_and_enterprise_b_is_denied_their_calls(round_on_server: dict, tmp_path: Path) -> None:
    server: Server = round_on_server["server"]
    a = round_on_server["A"]
    shots = _shots_dir(tmp_path)
    run_text, run_calls = _browse(server, "committee", f"#/experiments/{a['experiment']}/runs/{a['run']}?workflowType=machine_learning", shots / "run-page.png", "评测摘要")
    assert "评测摘要 Evaluation summary" in run_text and "zh_mcq_sample 准确率 accuracy" in run_text and "不符合" in run_text
    version_text, version_calls = _browse(server, "committee", "#/models/zh-tiny-tuned/versions/1?workflowType=machine_learning", shots / "model-version-page.png", "评测记录")
    assert "评测记录 Evaluations (1)" in version_text and "zh-tiny-tuned/1 demo" in version_text
    experiment_text, _ = _browse(server, "committee", f"#/experiments/{a['experiment']}?workflowType=machine_learning", shots / "experiment-page.png", "zh-tiny-tuned/1 demo")
    assert "zh-tiny-tuned/1 demo" in experiment_text and "Run Name" in experiment_text  # the runs table
    # The same calls the UI made for the committee member, made as enterprise B: nothing of A comes back.
    leaked, counts = [], {"ent-a": 0, "ent-b": 0}
    for method, url, body in sorted(set(run_calls + version_calls), key=str):
        path = url.removeprefix(server.uri)
        for who in counts:
            response = _call(server, who, method, path, data=body, headers={"Content-Type": "application/json"} if body else {})
            counts[who] += response.status_code == 200
            if who == "ent-b" and response.status_code == 200 and (a["run"] in response.text or "zh-tiny-tuned" in response.text):
                leaked.append((method, path))
    print(f"UI calls replayed: {len(set(run_calls + version_calls))}; answered 200 for ent-a {counts['ent-a']}, for ent-b {counts['ent-b']}")
    assert len(run_calls) >= 5 and leaked == [] and counts["ent-a"] > counts["ent-b"]


def test_the_round_has_a_saved_comparison_view(round_on_server: dict, tmp_path: Path) -> None:
    server: Server = round_on_server["server"]
    with as_user(server, "committee"):
        client = connect(server.uri)
        round_experiment = client.get_experiment_by_name(names.round_experiment("demo"))
    view = round_experiment.tags[names.SHARED_VIEW_TAG_PREFIX + names.ROUND_VIEW_KEY]
    assert "zh_mcq_sample/accuracy" in view
    note = round_experiment.tags[names.X_NOTE]
    url = note[note.index("(#/compare-experiments") + 1 : note.index(")", note.index("(#/compare-experiments"))]
    text, _ = _browse(server, "committee", url, _shots_dir(tmp_path) / "round-view.png", "zh-tiny-base/1 demo")
    assert "zh-tiny-tuned/1 demo" in text and "zh-tiny-base/1 demo" in text
