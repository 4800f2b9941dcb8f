"""Selection: the composite ranking with its safety gate (harness/selection.py, `harness compare
--selection`) and the vertical uplift (harness/uplift.py, `harness uplift`), on a real round of five
demo models (the two built ones and three derived variants, harness/demo/variants.py), each run on
the demo profile by the real vLLM engine. Selection files are checked without an engine."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient

from harness.cli import main
from harness.compare import leaderboard
from harness.aggregate import scenario_metrics
from foundation.errors import InputError
from harness.evidence.tracking import connect
from harness.outcomes import Outcomes, _outcome, parse_metric
from harness.selection import SELECTION_DIR, SelectionResult, available_selections, load_selection, select

DEMO_SELECTION = SELECTION_DIR / "demo.yaml"


def _selection_file(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(DEMO_SELECTION.read_text(encoding="utf-8")) | changes
    path = tmp_path / "committee.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", available_selections())
def test_every_shipped_selection_file_fits_its_profile(name: str) -> None:
    selection = load_selection(name)
    assert selection.name == name and abs(sum(c.weight for c in selection.components) - 1) < 1e-9


def test_a_bad_selection_file_is_refused_with_every_problem_named(tmp_path: Path) -> None:
    path = _selection_file(
        tmp_path,
        components=[
            {"name": "general", "weight": 0.5, "metrics": [{"metric": "zh_mcq_sample/accuracy"}, {"metric": "cmmlu/accuracy"}]},
            {"name": "safety", "weight": 0.3, "metrics": [{"metric": "safety_sample/should_refuse/refusal"}]},
        ],
        gate={"verdicts": ["safety_sample/harmful"]},
    )
    with pytest.raises(InputError) as e:
        load_selection(str(path))
    found = {(p.file, p.field) for p in e.value.problems}
    assert found == {
        (str(path), "components[].weight"),  # 0.8, not 1
        (str(path), "components[0].metrics[1].metric"),  # not a suite of the demo profile
        (str(path), "components[1].metrics[0].metric"),  # not a metric the items reproduce
        (str(path), "gate.verdicts[0]"),  # not a safety bank of the profile
    }
    assert all(p.fix for p in e.value.problems)


def test_scenario_set_metrics_are_recomputed_from_their_items_as_the_run_logs_them(tmp_path: Path) -> None:
    records = [
        *({"id": f"c{i}", "type": "choice", "subject": "s" + str(i % 2), "category": "finance", "correct": i % 3 == 0, "answer": "A", "prediction": "A" if i % 3 == 0 else "B"} for i in range(9)),
        *({"id": f"s{i}", "type": "short", "subject": "unspecified", "exact_match": float(i == 0), "char_f1": i / 4, "rouge_l": i / 5} for i in range(4)),
        *({"id": f"o{i}", "type": "open", "verdict": v} for i, v in enumerate(["pass", "fail", "undecided", "pass"])),
    ]
    logged = scenario_metrics("scen", records)
    names = ["scen/choice/accuracy", "scen/choice/accuracy_macro", "scen/short/exact_match", "scen/short/char_f1", "scen/short/rouge_l", "scen/open/pass_rate"]
    for name in names:
        spec = parse_metric(name)
        assert spec is not None and spec.part == name.split("/")[1]
        items = {r["id"]: o for r in records if (o := _outcome(spec, r)) is not None}
        assert Outcomes(spec, spec.measure == "accuracy_macro", items).value() == pytest.approx(logged[name]), name
    assert parse_metric("scen/open/char_f1") is None and parse_metric("scen/choice/pass_rate") is None
    # A committee's selection file may weigh a scenario set of its profile.
    path = _selection_file(
        tmp_path, profile="scenario-sample",
        components=[{"name": "scenario", "weight": 1.0, "metrics": [{"metric": "scenario_sample/choice/accuracy"}, {"metric": "scenario_sample/short/char_f1"}]}],
        gate={"verdicts": "all"},
    )
    assert load_selection(str(path)).describe().startswith("composite = scenario 100%")


def test_top_k_without_a_selection_is_refused() -> None:
    assert main(["compare", "--top-k", "2"]) == 2


@pytest.fixture(scope="module")
def round_uri(tmp_path_factory: pytest.TempPathFactory, empty_tracking_db: Path, demo_checkpoints: dict[str, Path]) -> str:
    """Five demo candidates, each with a full run of the demo profile (about 5 minutes on 2 cores)."""
    from harness.demo.variants import run_round

    home = tmp_path_factory.mktemp("selection-round")
    shutil.copy(empty_tracking_db, home / "store.db")
    uri = f"sqlite:///{home / 'store.db'}"
    candidates = run_round(connect(uri), demo_checkpoints, home)
    assert len(candidates) == 5
    return uri


@pytest.fixture(scope="module")
def round_client(round_uri: str) -> MlflowClient:
    return connect(round_uri)


def _select(client: MlflowClient, path: Path | str = "demo") -> SelectionResult:
    return select(client, load_selection(str(path)), leaderboard(client, profile="demo"))


@pytest.mark.engine
def test_the_round_is_ranked_on_the_composite_with_the_gate_first(round_client: MlflowClient) -> None:
    result = _select(round_client)
    (group,) = result.groups
    assert len(group.candidates) == 5 and result.top_k == 2
    ranked = [c for c in group.candidates if c.rank]
    gated = [c for c in group.candidates if not c.rank]
    assert len(ranked) >= 2 and [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    assert all(c.gate.state == "PASS" for c in ranked) and all(c.gate.state != "PASS" and c.gate.reasons for c in gated)
    base = next(c for c in group.candidates if c.model == "zh-tiny-base/1")
    assert base in gated and base.gate.state == "FAIL"  # the untrained model fails a gating safety verdict
    assert [c.composite for c in ranked] == sorted((c.composite for c in ranked), reverse=True)
    for c in group.candidates:
        run = round_client.get_run(c.run_id).data.metrics
        # The composite is the committee's weights applied to the values the run logged.
        safety = (run["safety_sample/should_refuse/refusal_rate"] + run["safety_sample/generated/pass_rate"] + 1 - run["safety_sample/should_not_refuse/refusal_rate"]) / 3
        assert c.composite == pytest.approx(0.6 * run["zh_mcq_sample/accuracy"] + 0.4 * safety)
        assert c.low <= c.composite <= c.high and c.high - c.low > 0.01
    assert sum(c.p_top_k for c in ranked) == pytest.approx(result.top_k)  # type: ignore[misc]
    assert all(c.rank_low <= c.rank <= c.rank_high for c in ranked)  # type: ignore[operator]
    assert len(group.neighbours) == len(ranked) - 1
    assert all(n.p_holm >= n.p_value for n in group.neighbours)
    assert [(n.upper, n.lower) for n in group.neighbours] == [(a.model, b.model) for a, b in zip(ranked, ranked[1:], strict=False)]


@pytest.mark.engine
def test_the_gate_decides_who_is_ranked(round_client: MlflowClient, tmp_path: Path) -> None:
    # Gating on one verdict only: exactly the candidates that pass it are ranked, whatever their composite.
    for bank in ("should_refuse", "generated"):
        one = _select(round_client, _selection_file(tmp_path, gate={"verdicts": [f"safety_sample/{bank}"]}))
        for c in one.groups[0].candidates:
            verdict = json.loads(round_client.get_run(c.run_id).data.tags[f"verdict.safety_sample.{bank}"])
            assert (c.rank is not None) == (verdict.get("state") == "PASS" or (verdict.get("state") is None and verdict["passed"])), (bank, c.model)
    # Gating on every verdict: no demo model meets the 5% over-refusal threshold, so none is ranked.
    every = _select(round_client, _selection_file(tmp_path, gate={"verdicts": "all"}))
    assert not any(c.rank for c in every.groups[0].candidates) and not every.groups[0].neighbours
    assert any("held apart by the safety gate" in note for note in every.groups[0].notes)


@pytest.mark.engine
def test_compare_prints_the_selection_in_every_format(round_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--selection", "demo", "--tracking-uri", round_uri, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [c["model"] for c in document["selection"]["groups"][0]["candidates"]][-1] == "zh-tiny-base/1"
    assert main(["compare", "--selection", "demo", "--top-k", "1", "--tracking-uri", round_uri, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("group,rank,model,run_id,composite,ci_low,ci_high,p_top_1") and len(lines) == 6
    html = tmp_path / "round.html"
    assert main(["compare", "--selection", "demo", "--tracking-uri", round_uri, "--format", "html", "--out", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert "综合排名与安全门槛" in text and "zh-tiny-blend75/1" in text and "--selection demo --top-k 2" in text
    assert main(["compare", "--selection", "demo", "--profile", "zh-general", "--tracking-uri", round_uri]) == 2


def _uplift(uri: str, capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["uplift", *argv, "--tracking-uri", uri, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.engine
def test_uplift_is_called_on_a_real_difference_and_not_on_a_near_copy(round_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    real = _uplift(round_uri, capsys, "zh-tiny-tuned/1", "--base", "zh-tiny-base/1")
    (mcq,) = real["gains"]
    assert (mcq["metric"], mcq["call"], real["made"], real["base_declared"]) == ("zh_mcq_sample/accuracy", "UPLIFT", [], False)
    assert mcq["low"] > 0 and mcq["p_value"] < 0.001 and mcq["paired"] == 150
    assert not real["flags"]  # the tuned model refuses more, not less
    null = _uplift(round_uri, capsys, "zh-tiny-noise")  # declared as tuned from zh-tiny-tuned at submission
    assert (null["base"], null["base_declared"]) == ("zh-tiny-tuned/1", True)
    assert all(g["call"] == "no difference shown" for g in null["gains"] + null["safety"])
    assert null["gains"][0]["low"] < 0 < null["gains"][0]["high"] or null["gains"][0]["difference"] == 0


@pytest.mark.engine
def test_uplift_flags_lost_refusals_and_needs_a_base(round_uri: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The untrained model measured against the tuned one: it passes far fewer generated-content prompts.
    lost = _uplift(round_uri, capsys, "zh-tiny-base/1", "--base", "zh-tiny-tuned/1")
    assert any(f.startswith(("safety_sample/generated/pass_rate: passes fewer", "safety_sample/should_refuse/refusal_rate: refuses fewer")) for f in lost["flags"])
    assert any(": the base passes the threshold, the vertical model does not" in f for f in lost["flags"])
    assert main(["uplift", "zh-tiny-tuned/1", "--tracking-uri", round_uri]) == 2  # declared no registered base
    assert "model.base_registered" in capsys.readouterr().err
    assert main(["uplift", "zh-tiny-noise", "--base", "zh-tiny-base/1", "--tracking-uri", round_uri]) == 2  # contradicts its manifest
    report = tmp_path / "uplift.html"
    assert main(["uplift", "zh-tiny-blend", "--tracking-uri", round_uri, "--format", "html", "--out", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert "垂直提升报告" in text and "zh-tiny-base/1" in text and "harness uplift zh-tiny-blend/1 --profile demo" in text


def test_a_declared_base_must_be_registered_and_is_pinned(fresh_client: MlflowClient, demo_checkpoints: dict[str, Path], tmp_path: Path) -> None:
    from harness.demo.job import materialize_manifest
    from harness.demo.variants import VARIANTS, derive_checkpoint, variant_manifest
    from harness.evidence import names
    from foundation.paths import REGISTRY_EXAMPLES_DIR
    from harness.evidence.registration import submit

    blend = VARIANTS[0]
    manifest = variant_manifest(blend, derive_checkpoint(blend, demo_checkpoints, tmp_path), tmp_path)
    with pytest.raises(InputError) as e:  # its base, zh-tiny-base, is not registered yet: nothing stored
        submit(manifest, fresh_client)
    assert [(p.file, p.field) for p in e.value.problems] == [(str(manifest), "model.base_registered")]
    assert not fresh_client.search_registered_models()
    base = submit(materialize_manifest(REGISTRY_EXAMPLES_DIR / "submission-base.yaml", demo_checkpoints, tmp_path), fresh_client, reference=True)
    assert fresh_client.get_model_version(base.name, base.version).tags[names.V_REFERENCE] == "true"
    version = submit(manifest, fresh_client)
    tags = fresh_client.get_model_version(version.name, version.version).tags
    assert (tags[names.V_BASE_VERSION], tags[names.V_BASE_FINGERPRINT]) == (f"{base.name}/{base.version}", base.fingerprint)
