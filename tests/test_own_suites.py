"""Suites and profiles of one's own, outside the installed project: a profile names a suite file by
path (its banks beside it), `--data` points a safety suite at a folder of banks or at one bank, and
the definitions a run used are stored with it, so report and review work after the files are gone."""

import contextlib
import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from benchmarks.catalog import RefusalSuite
from harness.cli import main
from foundation.errors import InputError
from harness.evidence import names
from harness.evidence.definitions import stored_suites
from foundation.paths import CORPORA_DIR
from harness.plan import plan
from harness.profiles import load_profile

BANKS = ("generated", "should_refuse", "should_not_refuse", "keywords")


def _own_files(root: Path) -> Path:
    """A filer's folder: its profile, its suite file and its banks (copies of the project's samples)."""
    (root / "suites" / "banks").mkdir(parents=True)
    for bank in BANKS:
        shutil.copyfile(CORPORA_DIR / "safety_sample" / f"{bank}.jsonl", root / "suites" / "banks" / f"{bank}.jsonl")
    suite = {"name": "acme_safety", "kind": "refusal", "title": "自有题库", "judge": "rule-refusal",
             "data": {b: f"banks/{b}.jsonl" for b in BANKS}, "sample": {"generated": 12, "should_refuse": 8, "should_not_refuse": 8}}
    (root / "suites" / "acme_safety.yaml").write_text(yaml.safe_dump(suite, allow_unicode=True), encoding="utf-8")
    profile = {"name": "acme-filing", "seed": 11, "engine": {"name": "vllm", "dtype": "float32", "max_model_len": 1024},
               "generation": {"max_tokens": 16}, "suites": [{"suite": "suites/acme_safety.yaml"}]}
    (root / "acme-filing.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return root / "acme-filing.yaml"


def test_suite_paths_and_data_options_resolve(tmp_path: Path) -> None:
    profile, _ = load_profile(str(_own_files(tmp_path)))
    (suite,) = plan(profile)
    assert isinstance(suite.spec, RefusalSuite) and suite.source_file == tmp_path / "suites" / "acme_safety.yaml"
    assert suite.spec.data.should_refuse == (tmp_path / "suites" / "banks" / "should_refuse.jsonl").resolve()  # beside the suite file
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "suites" / "banks", other)
    one = tmp_path / "one_bank.jsonl"
    shutil.copyfile(other / "should_refuse.jsonl", one)
    (suite,) = plan(profile, data={"acme_safety": other, "acme_safety.should_refuse": one})
    paths = {b: getattr(suite.spec.data, b) for b in BANKS}
    assert paths == {"generated": other / "generated.jsonl", "should_refuse": one, "should_not_refuse": other / "should_not_refuse.jsonl", "keywords": other / "keywords.jsonl"}
    (other / "keywords.jsonl").unlink()
    with pytest.raises(InputError) as e:
        plan(profile, data={"acme_safety": other, "acme_safety.refuse": one, "nosuch": one})
    fields = {(p.file, p.field) for p in e.value.problems}
    assert ("--data", "nosuch") in fields
    with pytest.raises(InputError) as e:
        plan(profile, data={"acme_safety": other, "acme_safety.refuse": one})
    fields = {(p.file, p.field) for p in e.value.problems}
    assert {(str(other), "keywords"), ("--data", "acme_safety.refuse")} <= fields


@pytest.fixture(scope="module")
def own_run(store, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("acme")
    profile = _own_files(root)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copyfile(CORPORA_DIR / "safety_sample" / "should_refuse.jsonl", elsewhere / "refuse.jsonl")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(profile), "--model", "zh-tiny-tuned", "--tracking-uri", store.uri, "--json", f"--data=acme_safety.should_refuse={elsewhere / 'refuse.jsonl'}"])
    assert code == 0, err.getvalue()[-3000:]
    run_id = json.loads(out.getvalue())["run_id"]
    written = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    shutil.rmtree(root)  # from here on the run must stand on what it stored
    shutil.rmtree(elsewhere)
    return run_id, written, elsewhere


@pytest.mark.engine
def test_the_definitions_are_stored_with_the_run(store, own_run, tmp_path: Path) -> None:
    run_id, written, elsewhere = own_run
    local = Path(store.client.download_artifacts(run_id, names.A_DEFINITIONS_DIR, str(tmp_path)))
    assert (local / "profile.yaml").read_bytes() == written[Path("acme-filing.yaml")]
    assert (local / "suites" / "acme_safety.yaml").read_bytes() == written[Path("suites/acme_safety.yaml")]
    index = json.loads((local / "suites.json").read_text(encoding="utf-8"))
    assert index["suites"]["acme_safety"]["spec"]["data"]["should_refuse"] == str(elsewhere / "refuse.jsonl")  # --data applied
    spec = stored_suites(store.client, run_id)["acme_safety"]
    assert isinstance(spec, RefusalSuite) and spec.sample_size("generated") == 12
    assert spec.thresholds["should_refuse"].min == index["requirements"]["should_refuse"]["threshold"]["min"]


@pytest.mark.engine
def test_report_and_review_work_without_the_files(store, own_run, tmp_path: Path) -> None:
    run_id, _, _ = own_run
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", run_id, "--tracking-uri", store.uri]) == 0
    assert "acme_safety" in out.getvalue() and "应拒答测试" in out.getvalue()
    sheet = tmp_path / "sheet.csv"
    assert main(["review", "export", run_id, "--out", str(sheet), "--tracking-uri", store.uri]) == 0
    with open(sheet, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["human_verdict"] = "合格" if row["bank"] == "generated" else "是"
        row["reviewer"] = "李四"
    with open(sheet, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["review", "import", run_id, str(sheet), "--tracking-uri", store.uri]) == 0
    run = store.client.get_run(run_id)
    assert run.data.metrics["acme_safety/should_refuse/human/refusal_rate"] == 1.0
    assert json.loads(run.data.tags[names.verdict_tag("acme_safety", "should_refuse", names.HUMAN)])["n"] == 8
