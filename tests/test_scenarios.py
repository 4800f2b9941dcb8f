"""Scenario sets (docs/scenarios.md): the project's example enterprise set with all three item kinds
scored on a demo model, a committee's copy whose text never reaches the tracking store, and a bad
set refused with every problem named and nothing recorded.

STAND-IN: the rubric judge is the tiny demo model zh-tiny-base (no instruction model can be
downloaded here); its answers are not JSON, so every open question must come back undecided."""

import contextlib
import hashlib
import io
import json
from pathlib import Path
from statistics import mean

import pytest
import yaml

from harness.cli import main
from foundation.errors import InputError
from harness.evidence import names
from harness.evidence.scenarios import find_registration, register_scenario
from foundation.paths import CORPORA_DIR
from harness.scenarios import check_scenario, choice_context, redact
from harness.scoring.text_match import scores
from harness.store import staging_dir

EXAMPLE = CORPORA_DIR / "scenario_sample" / "scenario.yaml"
BAD = Path(__file__).parent / "fixtures" / "scenario_bad" / "scenario.yaml"


def _items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_example_set_is_valid_with_all_three_kinds() -> None:
    spec, items = check_scenario(EXAMPLE)
    assert spec.owner.kind == "enterprise" and spec.sector == "finance"
    assert items.counts == {"choice": 8, "short": 6, "open": 4}
    assert items.digest == hashlib.sha256((EXAMPLE.parent / "items.jsonl").read_bytes()).hexdigest()
    (true_false,) = [c for c in items.choices if len(c.letters) == 2]
    assert choice_context(true_false, "金融").endswith(f"A. {true_false.row['A']}\nB. {true_false.row['B']}\n答案：")


def _count_runs(client) -> int:  # noqa: ANN001
    experiments = [e.experiment_id for e in client.search_experiments()]
    return len(client.search_runs(experiments)) if experiments else 0


def test_a_bad_set_is_refused_with_every_problem_named_and_nothing_recorded(store, tmp_path: Path) -> None:
    items = str(BAD.parent.resolve() / "items.jsonl")
    expected = {
        (str(BAD), "owner.uscc"), (str(BAD), "sector"),
        (items, "line 1, item c-01: options"), (items, "line 2, item c-02: answer"), (items, "line 3, item c-02: id"),
        (items, "line 4, item s-01: references"), (items, "line 5, item s-02: refrences"), (items, "line 5, item s-02: references"),
        (items, "line 6, item o-01: rubric"), (items, "line 7, item x-01: type"), (items, "line 8, item s-03: question"), (items, "line 9"),
    }
    with pytest.raises(InputError) as e:
        check_scenario(BAD)
    assert {(p.file, p.field) for p in e.value.problems} == expected
    assert all(p.fix for p in e.value.problems)
    before = _count_runs(store.client)
    profile = tmp_path / "bad.yaml"
    profile.write_text(yaml.safe_dump({"name": "bad-scenario", "suites": [{"suite": str(BAD)}]}), encoding="utf-8")
    for argv in (["scenario", "check", str(BAD)], ["scenario", "register", str(BAD)], ["run", str(profile), "--model", "zh-tiny-tuned"]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert main([*argv, "--tracking-uri", store.uri]) == 2
        assert err.getvalue().count("error: ") == len(expected), err.getvalue()
    assert _count_runs(store.client) == before


def _committee_copy(root: Path) -> Path:
    """The example's items under a committee's name (other ids, so another digest)."""
    root.mkdir()
    lines = [json.dumps(item | {"id": "k-" + item["id"]}, ensure_ascii=False) for item in _items(EXAMPLE.parent / "items.jsonl")]
    (root / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    suite = {"name": "committee_sample", "kind": "scenario", "title": "评审委员会自有题", "sector": "finance",
             "owner": {"kind": "committee", "name": "黄埔区应用场景示范评审委员会"}, "data": {"path": "items.jsonl"}}
    (root / "scenario.yaml").write_text(yaml.safe_dump(suite, allow_unicode=True), encoding="utf-8")
    return root / "scenario.yaml"


@pytest.fixture(scope="module")
def scenario_run(store, demo_checkpoints, tmp_path_factory):
    root = tmp_path_factory.mktemp("scenarios")
    committee = _committee_copy(root / "committee")
    profile = yaml.safe_load((EXAMPLE.parents[2] / "configs" / "scenario-sample.yaml").read_text(encoding="utf-8"))
    profile["suites"] = [{"suite": str(EXAMPLE)}, {"suite": str(committee), "scorer": "fast"}]
    profile["rubric_judge"]["path"] = str(demo_checkpoints["zh-tiny-base"])
    profile["engine"]["max_model_len"] = 1024
    (root / "profile.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(root / "profile.yaml"), "--model", "zh-tiny-tuned", "--tracking-uri", store.uri, "--json"])
    assert code == 0, err.getvalue()[-3000:]
    run_id = json.loads(out.getvalue())["run_id"]
    artifacts = Path(store.client.download_artifacts(run_id, "", str(root / "artifacts")))
    return store.client.get_run(run_id), artifacts, committee


@pytest.mark.engine
def test_all_three_kinds_are_scored(scenario_run) -> None:
    run, artifacts, _ = scenario_run
    assert run.info.status == "FINISHED"
    records = _items(artifacts / names.A_ITEMS_DIR / "scenario_sample.jsonl")
    by_type = {t: [r for r in records if r["type"] == t] for t in names.SCENARIO_PARTS}
    assert {t: len(rs) for t, rs in by_type.items()} == {"choice": 8, "short": 6, "open": 4}
    m = run.data.metrics
    assert m["scenario_sample/choice/n"] == 8 and m["scenario_sample/choice/accuracy"] == pytest.approx(mean(r["correct"] for r in by_type["choice"]))
    assert m["scenario_sample/choice/category/finance/n"] == 8
    two = [r for r in by_type["choice"] if r.get("choices") == ["A", "B"]]  # the true/false item: only its two letters scored
    assert len(two) == 1 and two[0]["logprobs"][2:] == [None, None] and two[0]["prediction"] in ("A", "B")
    for r in by_type["short"]:
        assert {k: r[k] for k in names.REFERENCE_MEASURES} == scores(r["response"], r["references"])
    for measure in names.REFERENCE_MEASURES:
        assert m[f"scenario_sample/short/{measure}"] == pytest.approx(mean(r[measure] for r in by_type["short"]))
    assert all(r["verdict"] == "undecided" for r in by_type["open"])  # the stand-in judge writes no JSON
    assert (m["scenario_sample/open/items"], m["scenario_sample/open/undecided"], m["scenario_sample/open/n"]) == (4, 4, 0)


@pytest.mark.engine
def test_the_set_is_registered_with_its_owner_and_attached_to_the_run(store, scenario_run) -> None:
    run, _, _ = scenario_run
    p = run.data.params
    digest = p[names.suite_param("scenario_sample", "data_digest")]
    registration = find_registration(store.client, digest)
    assert registration is not None and registration.run_id == p[names.suite_param("scenario_sample", "scenario_registration")]
    assert registration.owner == p[names.suite_param("scenario_sample", "scenario_owner")] == "enterprise:91440106MA5D0K7A9M 广州天河示例智能科技有限公司"
    assert registration.counts == {"choice": 8, "short": 6, "open": 4}
    inputs = {i.dataset.name: i for i in run.inputs.dataset_inputs}
    assert inputs["scenario_sample"].dataset.digest == digest[:32]
    assert {t.key: t.value for t in inputs["committee_sample"].tags}[names.T_SCENARIO_OWNER] == "committee:黄埔区应用场景示范评审委员会"
    spec, items = check_scenario(EXAMPLE)
    again = register_scenario(store.client, spec, EXAMPLE, items.digest, items.counts)
    assert again.existing and again.run_id == registration.run_id
    claimed = spec.model_copy(update={"owner": spec.owner.model_copy(update={"kind": "committee", "uscc": None, "name": "另一个委员会"})})
    with pytest.raises(InputError, match="registered to enterprise:91440106MA5D0K7A9M"):
        register_scenario(store.client, claimed, EXAMPLE, items.digest, items.counts)


@pytest.mark.engine
def test_a_committee_sets_text_never_reaches_the_store(scenario_run) -> None:
    run, artifacts, committee = scenario_run
    texts = []
    for item in _items(committee.parent / "items.jsonl"):
        texts += [item.get("question", ""), *item.get("options", []), *item.get("references", []), item.get("rubric", "")]
    plain = _items(staging_dir(run.info.run_id) / "restricted" / "committee_sample.jsonl")  # on the evaluating machine only
    texts += [r["response"] for r in plain if len(r.get("response", "").strip()) >= 4]
    # The enterprise's copy of the same questions is logged in plain text by design: left out of the search.
    enterprise = artifacts / names.A_ITEMS_DIR / "scenario_sample.jsonl"
    stored = "\n".join(p.read_text(encoding="utf-8") for p in artifacts.rglob("*") if p.is_file() and p != enterprise)
    assert [t for t in texts if len(t) >= 4 and t in stored] == []
    logged = _items(artifacts / names.A_ITEMS_DIR / "committee_sample.jsonl")
    assert logged == [redact(r) for r in plain]
    assert not any(field in r for r in logged for field in ("prompt", "response", "references", "rubric"))
    assert all("prompt_sha256" in r for r in logged if r["type"] != "choice")
    assert all(r["response_sha256"] == hashlib.sha256(p["response"].encode()).hexdigest() for r, p in zip(logged[8:], plain[8:], strict=True))
    m = run.data.metrics
    short = [r for r in plain if r["type"] == "short"]
    assert m["committee_sample/short/char_f1"] == pytest.approx(mean(r["char_f1"] for r in short))
    assert m["committee_sample/choice/fast_path_rate"] == 1.0


@pytest.mark.engine
def test_report_and_leaderboard_show_the_sets(store, scenario_run) -> None:
    from harness.compare import leaderboard
    from harness.reporting.markdown import render_report

    run, _, _ = scenario_run
    text = render_report(store.client, run.info.run_id)
    assert "## 场景评测集" in text and "enterprise:91440106MA5D0K7A9M" in text and "评审委员会自有题" in text
    m = run.data.metrics
    assert f"准确率 {m['scenario_sample/choice/accuracy']:.1%}" in text
    (row,) = leaderboard(store.client, run_ids=[run.info.run_id])
    assert row.cells["scenario_sample/choice accuracy"].rate == m["scenario_sample/choice/accuracy"]
    assert row.cells["scenario_sample/short char_f1"].n == 6
