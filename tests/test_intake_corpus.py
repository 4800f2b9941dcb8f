"""The bad-submission corpus (tests/intake_cases.py): every case is refused with its expected problem
and leaves the registry as it was; an intact submission passes; a failure part-way through
registration leaves nothing that could pass for a good version."""

import json
import tempfile
from pathlib import Path

import pytest
from intake_cases import CASES, Case, build
from mlflow import MlflowClient
from mlflow.entities import ViewType

from harness.cli import main
from foundation.errors import InputError
from harness.evidence import names
from harness.evidence.tracking import connect
from harness.evidence.registration import submit


def registry_state(client: MlflowClient) -> tuple[int, int, list[str]]:
    """Registered models, model versions, and the status of every submission run."""
    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL) if names.is_submission_experiment(e.name)]
    runs = client.search_runs(experiments, run_view_type=ViewType.ALL) if experiments else []
    return len(client.search_registered_models()), len(client.search_model_versions()), sorted(r.info.status for r in runs)


def test_the_corpus_is_large_and_each_case_distinct() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({(c.file, c.field, c.phrase) for c in CASES}) == len(CASES)


def test_the_intact_submission_is_accepted(store, demo_checkpoints, tmp_path: Path) -> None:
    """The cases fail for what they break: unbroken, the same builder makes an acceptable submission."""
    registered = submit(build(None, tmp_path, demo_checkpoints["zh-tiny-tuned"]), store.client)
    assert (registered.name, registered.version, registered.existing) == ("zh-tiny-tuned", "1", True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_submission_is_refused_and_nothing_registered(case: Case, store, demo_checkpoints, tmp_path: Path) -> None:
    manifest = build(case, tmp_path, demo_checkpoints["zh-tiny-tuned"])
    before = registry_state(store.client)
    with pytest.raises(InputError) as refused:
        submit(manifest, store.client, limits=case.limits)
    problems = refused.value.problems
    expected = [p for p in problems if Path(p.file) == tmp_path / case.file and p.field == case.field and case.phrase in p.message]
    assert expected, f"expected {case.file}: {case.field}: …{case.phrase}…, got:\n{refused.value}"
    assert all(p.file and p.field and p.fix for p in problems)
    assert registry_state(store.client) == before


def test_every_problem_is_reported_at_once(store, demo_checkpoints, tmp_path: Path) -> None:
    manifest = build(None, tmp_path, demo_checkpoints["zh-tiny-tuned"])
    text = manifest.read_text(encoding="utf-8").replace("Tianhe", "Futian").replace("91440106MA5D0K7A9M", "91440106MA5D0K7A9N")
    manifest.write_text(text, encoding="utf-8")
    (tmp_path / "checkpoint" / "pytorch_model.bin").write_bytes(b"\x80\x04.")
    with pytest.raises(InputError) as refused:
        submit(manifest, store.client)
    assert {p.field for p in refused.value.problems} == {"enterprise.uscc", "enterprise.district", "-"}


def test_the_cli_prints_each_problem_with_its_fix_and_exits_2(store, demo_checkpoints, tmp_path: Path, capsys) -> None:
    manifest = build(None, tmp_path, demo_checkpoints["zh-tiny-tuned"])
    assert main(["submit", str(manifest), "--tracking-uri", store.uri, "--max-files", "3", "--max-bytes", "1000"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"error: {tmp_path / 'checkpoint'}: --max-") and "(fix: " in line for line in lines)


def test_an_administrator_may_allow_custom_code_and_it_is_recorded(store, demo_checkpoints, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "config-auto-map")
    manifest = build(case, tmp_path, demo_checkpoints["zh-tiny-tuned"])
    text = manifest.read_text(encoding="utf-8").replace("name: zh-tiny-tuned", "name: zh-tiny-custom-code")
    manifest.write_text(text, encoding="utf-8")
    registered = submit(manifest, store.client, allow_custom_code=True)
    version = store.client.get_model_version(registered.name, registered.version)
    assert version.tags[names.V_CUSTOM_CODE] == "config.json:auto_map"


def test_a_failure_part_way_leaves_a_failed_run_and_no_model(demo_checkpoints, tmp_path: Path, monkeypatch) -> None:
    """Registration fails after its run was created (the artifact store is unwritable): nothing usable remains."""
    home = tmp_path / "home"
    monkeypatch.setenv("HARNESS_HOME", str(home))
    client = connect(f"sqlite:///{tmp_path / 'store.db'}")
    (home / "artifacts").write_text("a file where the artifact directory should be", encoding="utf-8")
    manifest = build(None, tmp_path / "submission", demo_checkpoints["zh-tiny-tuned"])
    with pytest.raises(OSError):
        submit(manifest, client)
    assert registry_state(client) == (0, 0, ["FAILED"])

    (home / "artifacts").unlink()
    registered = submit(manifest, client)
    assert (registered.version, registered.existing) == ("1", False)
    assert registry_state(client) == (1, 1, ["FAILED", "FINISHED"])
    version = client.get_model_version(registered.name, registered.version)
    assert version.tags[names.V_PARAMETERS] == "951680" and version.tags[names.V_DTYPES] == "F32"
    assert version.tags[names.V_VLLM_SUPPORTED] == "yes" and version.tags[names.V_DISTRICT] == "Tianhe"
    with tempfile.TemporaryDirectory() as tmp:
        inspection = json.loads(Path(client.download_artifacts(version.run_id, names.A_INSPECTION, tmp)).read_text())
    assert inspection["architecture"] == "Qwen2ForCausalLM" and inspection["parameters"] == 951680
