"""C-Eval and CMMLU as data: subject maps against lm-eval's tasks, loaders for the real release
layouts (on project-written fixtures), digests, --data, CircularEval and the aggregates. No engine."""

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from benchmarks.mcq.prompt import CHOICES, description, rotate
from benchmarks.mcq.sources import load_hub, read_subject_map
from benchmarks.mcq.synthetic import write_layout
from harness.aggregate import mcq_metrics
from foundation.errors import InputError
from foundation.paths import REPO_ROOT
from harness.plan import plan
from harness.profiles import Profile, SuiteRun, load_profile
from harness.scoring.circular import circular_accuracy, position_bias

LM_EVAL_TASKS = Path(yaml.__file__).parents[1] / "lm_eval" / "tasks"
CEVAL_SUBJECTS = REPO_ROOT / "benchmarks" / "mcq" / "ceval_subjects.yaml"
CMMLU_SUBJECTS = REPO_ROOT / "benchmarks" / "mcq" / "cmmlu_subjects.yaml"


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("mcq-copies")
    write_layout("ceval-csv", root / "ceval", CEVAL_SUBJECTS, per_subject=2)
    write_layout("cmmlu-csv", root / "cmmlu", CMMLU_SUBJECTS, per_subject=2)
    return {"ceval": root / "ceval", "cmmlu": root / "cmmlu"}


@pytest.mark.parametrize(("subjects_file", "family", "prefix", "style"), [
    (CEVAL_SUBJECTS, "ceval/_ceval-valid.yaml", "ceval/ceval-valid_", "ceval"),
    (CMMLU_SUBJECTS, "cmmlu/_cmmlu.yaml", "cmmlu/cmmlu_", "cmmlu"),
])
def test_subject_maps_cover_lm_evals_tasks_with_its_descriptions(subjects_file: Path, family: str, prefix: str, style: str) -> None:
    tasks = yaml.safe_load((LM_EVAL_TASKS / family).read_text(encoding="utf-8"))["task"]
    subjects = read_subject_map(subjects_file)
    assert sorted(subjects) == sorted(t.split("_", 1)[1] for t in tasks)
    for key, meta in subjects.items():
        task = yaml.safe_load((LM_EVAL_TASKS / f"{prefix}{key}.yaml").read_text(encoding="utf-8"))
        assert description(meta.name_zh, style) == task["description"], key  # type: ignore[arg-type]
        assert meta.category in ("STEM", "Social Science", "Humanities", "Other")


def test_category_sizes_are_the_papers() -> None:
    ceval = read_subject_map(CEVAL_SUBJECTS).values()
    sizes = {c: sum(m.category == c for m in ceval) for c in ("STEM", "Social Science", "Humanities", "Other")}
    assert sizes == {"STEM": 20, "Social Science": 10, "Humanities": 11, "Other": 11}
    assert sum("C-Eval Hard" in m.groups for m in ceval) == 8
    cmmlu = read_subject_map(CMMLU_SUBJECTS).values()
    assert sum("China specific" in m.groups for m in cmmlu) == 15


def test_zh_general_plans_both_layouts_from_local_copies(copies: dict[str, Path]) -> None:
    profile, _ = load_profile("zh-general")
    ceval, cmmlu = plan(profile, data=copies)
    assert (len(ceval.items), len(cmmlu.items)) == (52 * 2, 67 * 2)
    assert ceval.data_revision == cmmlu.data_revision == "local" and ceval.data_source == str(copies["ceval"])
    assert ceval.items[0].context.startswith("以下是中国关于") and ceval.items[0].context.count("答案：") == 6
    assert cmmlu.items[0].context.startswith("以下是关于") and cmmlu.items[0].context.endswith("答案：")
    hard = {i.subject for i in ceval.items if "C-Eval Hard" in i.groups}
    assert "advanced_mathematics" in hard and len(hard) == 8


def test_the_digest_changes_with_any_byte_of_the_data(copies: dict[str, Path], tmp_path: Path) -> None:
    profile = Profile(name="t", suites=[SuiteRun(suite="cmmlu", num_fewshot=1)])
    cmmlu = {"cmmlu": copies["cmmlu"]}
    before = plan(profile, data=cmmlu)[0].data_digest
    assert plan(profile, data=cmmlu)[0].data_digest == before
    edited = tmp_path / "cmmlu"
    for path in copies["cmmlu"].rglob("*.csv"):
        target = edited / path.relative_to(copies["cmmlu"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    (edited / "test" / "virology.csv").write_bytes((edited / "test" / "virology.csv").read_bytes().replace("？".encode(), b"?", 1))
    assert plan(profile, data={"cmmlu": edited})[0].data_digest != before


def _rewrite(path: Path, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(edit(rows))


def test_bad_local_copies_are_refused_with_the_file_named(copies: dict[str, Path], tmp_path: Path) -> None:
    profile = Profile(name="t", suites=[SuiteRun(suite="ceval")])
    with pytest.raises(InputError, match="not a suite of this profile"):
        plan(profile, data={"cmmlu": copies["cmmlu"]})
    with pytest.raises(InputError, match="not a directory"):
        plan(profile, data={"ceval": tmp_path / "nowhere"})
    broken = tmp_path / "ceval"
    write_layout("ceval-csv", broken, CEVAL_SUBJECTS, per_subject=1)
    (broken / "val" / "law_val.csv").unlink()
    with pytest.raises(InputError, match="law_val.csv.*missing"):
        plan(profile, data={"ceval": broken})
    write_layout("ceval-csv", broken, CEVAL_SUBJECTS, per_subject=1)
    _rewrite(broken / "val" / "logic_val.csv", lambda rows: [[c.upper() for c in rows[0]], *rows[1:]])
    with pytest.raises(InputError, match="logic_val.csv: header"):
        plan(profile, data={"ceval": broken})
    write_layout("ceval-csv", broken, CEVAL_SUBJECTS, per_subject=1)
    (broken / "val" / "law_val.csv").write_bytes((broken / "test" / "law_test.csv").read_bytes())
    with pytest.raises(InputError, match="law_val.csv: header.*found .*.D.]"):  # the test split: no answers
        plan(profile, data={"ceval": broken})


def test_a_hub_that_cannot_be_reached_points_at_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", "/nonexistent-harness-cache")
    with pytest.raises(InputError, match="offline mode is on.*--data cmmlu=PATH"):
        load_hub("haonan-li/cmmlu", "main", CMMLU_SUBJECTS, "test", "dev", "cmmlu")


def test_rotations_move_the_options_and_the_answer() -> None:
    row = {"Question": "q", "A": "a", "B": "b", "C": "c", "D": "d", "Answer": "B"}
    assert rotate(row, 1) == {"Question": "q", "A": "d", "B": "a", "C": "b", "D": "c", "Answer": "C"}
    assert rotate(row, 4) == row


def test_circular_planning_keeps_a_questions_rotations_together(copies: dict[str, Path]) -> None:
    items = plan(Profile(name="t", suites=[SuiteRun(suite="cmmlu", circular=True, limit=10)]), data={"cmmlu": copies["cmmlu"]})[0].items
    assert len(items) == 40
    assert [i.rotation for i in items[:4]] == [0, 1, 2, 3] and items[1].id == items[0].id + "@1"
    with pytest.raises(InputError, match="lm-eval scores only the original"):
        plan(Profile(name="t", suites=[SuiteRun(suite="cmmlu", circular=True, scorer="lm-eval")]), data={"cmmlu": copies["cmmlu"]})


def _rec(item_id: str, subject: str, answer: str, prediction: str, rotation: int = 0, category: str = "STEM", groups: tuple[str, ...] = ()) -> dict:
    return {"id": item_id, "subject": subject, "category": category, "groups": list(groups), "rotation": rotation,
            "answer": answer, "prediction": prediction, "correct": answer == prediction}


def test_circular_accuracy_needs_every_rotation_right() -> None:
    # q1: always the same text (B, then C after one shift...) and right; q2: always says "A".
    q1 = [_rec(f"s/1{'@' + str(r) if r else ''}", "s", CHOICES[(1 + r) % 4], CHOICES[(1 + r) % 4], r) for r in range(4)]
    q2 = [_rec(f"s/2{'@' + str(r) if r else ''}", "s", CHOICES[r], "A", r) for r in range(4)]
    accuracy, consistency = circular_accuracy(q1 + q2)
    assert (accuracy.k, accuracy.n, consistency) == (1, 2, 0.5)
    bias = position_bias(q2)
    assert bias["A"]["prediction_rate"] == 1.0 and bias["A"]["answer_rate"] == 0.25
    metrics = mcq_metrics("x", q1 + q2)
    assert metrics["x/accuracy"] == 1.0 and metrics["x/n"] == 2  # originals only, as lm-eval counts
    assert metrics["x/circular/accuracy"] == 0.5 and metrics["x/circular/n"] == 2


def test_macro_and_micro_differ_as_defined() -> None:
    records = [_rec("a/0", "a", "A", "A", groups=("Hard",)), _rec("b/0", "b", "A", "B", category="Other"), _rec("b/1", "b", "A", "B", category="Other"), _rec("b/2", "b", "A", "A", category="Other")]
    m = mcq_metrics("x", records)
    assert m["x/accuracy"] == pytest.approx(0.5) and m["x/accuracy_macro"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["x/category/Other/accuracy"] == pytest.approx(1 / 3) and m["x/category/Other/n"] == 3
    assert m["x/group/Hard/accuracy"] == 1.0 and m["x/group/Hard/accuracy_macro"] == 1.0
    assert m["x/category/STEM/accuracy_ci_low"] < 1.0 == m["x/category/STEM/accuracy_ci_high"]
    assert m["x/position/A/answer_rate"] == 1.0 and m["x/position/B/prediction_rate"] == 0.5
