"""Sectors as data: the taxonomy (with the earlier codes still accepted), each sector's suites and
profile, the C-Eval / CMMLU slices, the project-written sample per sector, and every sector's sample
suite plus every public sector benchmark (on its layout fixture) run end to end on both demo models
with the real vLLM engine, one engine load per model."""

import contextlib
import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmarks.catalog import load_suite
from benchmarks.mcq.sources import read_subject_map
from benchmarks.mcq.synthetic import write_layout
from benchmarks.taxonomy import canonical_sector, sectors
from harness.cli import main
from foundation.errors import InputError
from harness.evidence import names
from harness.models import list_models
from foundation.paths import CONFIGS_DIR, CORPORA_DIR, REPO_ROOT
from harness.plan import plan
from harness.profiles import Profile, SuiteRun, load_profile
from registry.manifest import parse_manifest

SAMPLE_DIR = CORPORA_DIR / "sector_sample"
FIXTURES = Path(__file__).parent / "fixtures" / "sector"
BENCHMARKS = ["fineval", "financeiq", "cflue", "cmb", "cmexam", "lawbench", "lexeval", "gaokao"]
# The issue's list of the programmes' sectors, as codes.
PROGRAMME_SECTORS = {
    "finance", "healthcare", "biomedicine", "legal", "education", "manufacturing", "automotive", "transport", "energy",
    "robotics", "government", "commerce", "games", "fashion", "marketing",
}


def test_taxonomy_covers_the_programmes_and_keeps_earlier_codes(store) -> None:
    codes = set(sectors())
    assert PROGRAMME_SECTORS <= codes and {"agriculture", "public_safety"} <= codes  # the seeds' 智慧农业, 智能安防
    assert {c: canonical_sector(c) for c in ("medical", "intelligent_equipment", "city_management", "finance")} == {
        "medical": "healthcare", "intelligent_equipment": "manufacturing", "city_management": "government", "finance": "finance"}
    assert canonical_sector("spaceflight") is None
    path = store.manifests["zh-tiny-tuned"]  # the shipped example, checkpoint path made concrete
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    manifest["model"]["sectors"] = ["medical", "healthcare", "city_management"]
    parsed, _ = parse_manifest(manifest, path)
    assert parsed.model.sectors == ["healthcare", "government"]  # aliases read as the sector's code, once


@pytest.mark.parametrize("code", sorted(set(sectors()) - {"general"}))
def test_each_sector_declares_suites_a_sample_and_a_profile(code: str) -> None:
    sector = sectors()[code]
    specs = [load_suite(name) for name in sector.suites]  # every declared suite exists and validates
    assert f"sector_sample_{code}" in sector.suites and f"sector_short_{code}" in sector.suites
    assert any(s.name.startswith(("cmmlu_", "ceval_")) or s.kind == "benchmark" for s in specs)
    profile, _ = load_profile(f"sector-{code}")
    assert [s.suite for s in profile.suites] == ["ceval", "cmmlu", *sector.suites, "safety_sample"]
    assert (CONFIGS_DIR / f"sector-{code}.yaml").read_text(encoding="utf-8").count(f"sector_sample_{code}") == 1


def test_public_benchmarks_belong_to_their_sectors_and_record_their_source() -> None:
    declared = {name: code for code, s in sectors().items() for name in s.suites}
    assert {b: declared[b] for b in BENCHMARKS} == {
        "fineval": "finance", "financeiq": "finance", "cflue": "finance", "cmb": "biomedicine", "cmexam": "healthcare",
        "lawbench": "legal", "lexeval": "legal", "gaokao": "education"}
    for name in BENCHMARKS:
        spec = load_suite(name)
        manifest = yaml.safe_load((REPO_ROOT / spec.data.manifest).read_text(encoding="utf-8"))
        assert {"source", "licence", "obtain", "layout", "official_prompt", "official_metric", "digest"} <= set(manifest), name


def test_slices_read_only_their_subjects(tmp_path: Path) -> None:
    root = tmp_path / "cmmlu"
    write_layout("cmmlu-csv", root, REPO_ROOT / "benchmarks" / "mcq" / "cmmlu_subjects.yaml", per_subject=2)
    (planned,) = plan(Profile(name="t", suites=[SuiteRun(suite="cmmlu_finance", num_fewshot=5)]), data={"cmmlu_finance": root})
    assert set(planned.subjects) == {"economics", "professional_accounting", "college_actuarial_science"}
    assert len(planned.items) == 6
    with pytest.raises(InputError, match="data.only"):
        read_subject_map(REPO_ROOT / "benchmarks" / "mcq" / "cmmlu_subjects.yaml", ["no_such_subject"])


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_sector_sample_is_well_formed() -> None:
    subjects = yaml.safe_load((SAMPLE_DIR / "subjects.yaml").read_text(encoding="utf-8"))
    assert set(subjects) == set(sectors()) - {"general"}
    questions = []
    for code in subjects:
        assert subjects[code]["sector"] == code
        for split, size in (("dev", 5), ("test", 20)):
            path = SAMPLE_DIR / split / f"{code}.csv"
            raw = path.read_bytes()
            assert not raw.startswith(b"\xef\xbb\xbf")
            rows = _rows(path)
            assert rows[0] == ["", "Question", "A", "B", "C", "D", "Answer"] and len(rows) == size + 1
            for index, (number, question, *options, answer) in enumerate(rows[1:]):
                assert number == str(index) and question.strip() and len(set(options)) == 4 and answer in "ABCD"
                questions.append(question)
            if split == "test":
                assert Counter(r[-1] for r in rows[1:]) == {"A": 5, "B": 5, "C": 5, "D": 5}
    assert len(questions) == len(set(questions)) == 425  # no question twice, within or across sectors


@pytest.fixture(scope="module")
def sector_runs(store, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Both demo models through one profile: every sector's sample suite and every public sector
    benchmark on its layout fixture. Returns model -> {run, items}."""
    base = yaml.safe_load((CONFIGS_DIR / "sector-samples.yaml").read_text(encoding="utf-8"))
    base["generation"]["max_tokens"] = 16  # the tiny models never stop on their own: keep generation short
    base["suites"] += [{"suite": name} for name in BENCHMARKS]
    profile = tmp_path_factory.mktemp("sector-profile") / "sector-e2e.yaml"
    profile.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    runs = {}
    for model in ("zh-tiny-tuned", "zh-tiny-base"):
        out, err = io.StringIO(), io.StringIO()
        argv = ["run", str(profile), "--model", model, "--tracking-uri", store.uri, "--json", *(f"--data={b}={FIXTURES / b}" for b in BENCHMARKS)]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        assert code == 0, err.getvalue()[-3000:]
        run = store.client.get_run(json.loads(out.getvalue())["run_id"])
        items = {}
        for suite in run.data.params[names.P_SUITES].split(","):
            local = store.client.download_artifacts(run.info.run_id, f"{names.A_ITEMS_DIR}/{suite}.jsonl")
            items[suite] = [json.loads(line) for line in Path(local).read_text(encoding="utf-8").splitlines()]
        runs[model] = {"run": run, "items": items}
    return runs


@pytest.mark.engine
@pytest.mark.parametrize("model", ["zh-tiny-tuned", "zh-tiny-base"])
def test_every_sector_sample_runs_on_the_demo_models(sector_runs, model: str) -> None:
    run, items = sector_runs[model]["run"], sector_runs[model]["items"]
    assert run.info.status == "FINISHED"
    for code in set(sectors()) - {"general"}:
        suite = f"sector_sample_{code}"
        records = items[suite]
        assert len(records) == 20 and {r["subject"] for r in records} == {code}
        assert run.data.metrics[f"{suite}/accuracy"] == pytest.approx(sum(r["correct"] for r in records) / 20)
        assert run.data.metrics[f"{suite}/n"] == 20
        short = items[f"sector_short_{code}"]
        assert len(short) == 6 and all(r["response"] is not None for r in short)
        assert f"sector_short_{code}/exact_match" in run.data.metrics


@pytest.mark.engine
@pytest.mark.parametrize("benchmark", BENCHMARKS)
def test_every_public_benchmark_runs_with_its_official_scorer(sector_runs, benchmark: str) -> None:
    from harness.scoring.benchmark import benchmark_metrics
    from harness.scoring.official import SCORERS

    run, records = sector_runs["zh-tiny-tuned"]["run"], sector_runs["zh-tiny-tuned"]["items"][benchmark]
    params, metrics = run.data.params, run.data.metrics
    assert params[names.suite_param(benchmark, "benchmark")] == benchmark
    assert params[names.suite_param(benchmark, "data_source")] == str(FIXTURES / benchmark)
    assert len(params[names.suite_param(benchmark, "data_digest")]) == 64
    assert params[names.suite_param(benchmark, "n_items")] == str(len(records))
    likelihood = hasattr(SCORERS[benchmark], "CHOICES")
    assert all(bool(r["response"]) != likelihood for r in records)  # generated text, or choice likelihoods only
    # Every logged number is recomputed from the run's own item records.
    for key, value in benchmark_metrics(benchmark, records, SCORERS[benchmark]).items():
        assert metrics[key] == pytest.approx(value, nan_ok=True), key
    if f"{benchmark}/score" in metrics:
        assert metrics[f"{benchmark}/score_ci_low"] <= metrics[f"{benchmark}/score"] <= metrics[f"{benchmark}/score_ci_high"]


@pytest.mark.engine
def test_compare_shows_benchmark_scores(sector_runs, store) -> None:
    from harness.compare import leaderboard

    rows = {r.model: r for r in leaderboard(store.client, run_ids=[v["run"].info.run_id for v in sector_runs.values()])}
    cell = rows["zh-tiny-tuned"].cells["gaokao score"]
    metrics = sector_runs["zh-tiny-tuned"]["run"].data.metrics
    assert (cell.rate, cell.low, cell.high, cell.n) == (metrics["gaokao/score"], metrics["gaokao/score_ci_low"], metrics["gaokao/score_ci_high"], 16)
    assert "sector_sample_finance accuracy" in rows["zh-tiny-base"].cells


@pytest.mark.engine
def test_models_by_sector_match_earlier_codes(sector_runs, store) -> None:
    by_alias = {r["name"] for r in list_models(store.client, sector="medical")}
    assert "zh-tiny-tuned" in by_alias and by_alias == {r["name"] for r in list_models(store.client, sector="healthcare")}
