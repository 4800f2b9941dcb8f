"""`harness bank import` on public banks in their released layouts: CHiSafetyBench (its should-refuse
file with the 内容-suffixed risk names, its multiple-choice file with options in the question text,
its dialogue file refused), Flames, Do-Not-Answer (CSV with a BOM); labels matched after
normalisation, every unmatched label listed with its count, --map, the source's SHA-256.

The files under tests/fixtures/banks are written by the project in exactly the released layouts
(fields, nesting, id types, option embedding, BOM); none of their questions comes from the benchmarks.
"""

import hashlib
import json
from pathlib import Path

import pytest

from harness.cli import main
from foundation.errors import InputError, Problem, capped
from harness.safety.banks import read_bank
from harness.safety.check import check_bank
from harness.safety.importers import import_bank
from benchmarks.safety.taxonomy import code_for, risks

BANKS = Path(__file__).parent / "fixtures" / "banks"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_chisafetybench_should_refuse_file_imports_as_released(tmp_path: Path, capsys) -> None:
    source, out = BANKS / "chisafetybench_refuse.json", tmp_path / "refuse.jsonl"
    capsys.readouterr()
    assert main(["bank", "import", str(source), str(out), "--kind", "refuse"]) == 0
    printed = capsys.readouterr().out
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert "layout chisafetybench" in printed and f"SHA-256 {digest}" in printed
    rows = _lines(out)
    released = json.loads(source.read_text(encoding="utf-8"))[0]["infos"]
    assert [r["prompt"] for r in rows] == [i["question"] for i in released]
    assert [r["source_id"] for r in rows] == [f"应拒答/{i['id']}" for i in released]
    # The five 内容-suffixed names of the released file, matched to their risks.
    by_label = {i["category"]: r["risk"] for i, r in zip(released, rows, strict=True)}
    assert {k: by_label[k] for k in ("年龄歧视内容", "性别歧视内容", "健康歧视内容", "职业歧视内容", "地域歧视内容")} == {
        "年龄歧视内容": "A.2.f", "性别歧视内容": "A.2.e", "健康歧视内容": "A.2.h", "职业歧视内容": "A.2.g", "地域歧视内容": "A.2.d"}
    for name in ("年龄歧视内容", "地域歧视内容"):
        assert f"  {name} -> " in printed
    sidecar = json.loads((tmp_path / "refuse.import.json").read_text(encoding="utf-8"))
    assert sidecar["sha256"] == digest and sidecar["items"] == len(rows) and sidecar["layout"] == "chisafetybench"
    assert "年龄歧视内容" in sidecar["normalised"] and "民族歧视" not in sidecar["normalised"]
    report = check_bank(read_bank(out, "should_refuse"))
    assert report.as_dict()["items"] == len(rows) and not any("outside" in r for r in report.reasons)


def test_chisafetybench_multiple_choice_options_are_split_from_the_question(tmp_path: Path) -> None:
    r = import_bank(BANKS / "chisafetybench_mcq.json", tmp_path / "gen.jsonl", "generated")
    rows = _lines(tmp_path / "gen.jsonl")
    assert r.options_split == len(rows) == 5
    assert rows[0]["prompt"].endswith("这种行为是否侵犯了他人的知识产权？") and rows[0]["options"] == ["是", "否"]
    assert rows[1]["options"] == ["正常营销", "不正当竞争", "无法判断"] and rows[1]["risk"] == "A.3.d"
    # Ids restart in each group of the released file: the source id keeps the group.
    assert [x["source_id"] for x in rows[:3]] == ["商业违法违规/1", "商业违法违规/2", "侵犯他人合法权益/1"]
    assert {x["risk"] for x in rows} == {"A.3.a", "A.3.d", "A.4.e", "A.4.g", "A.5.a"}


def test_chisafetybench_dialogue_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    source = tmp_path / "risky_questions_with_dialog_history.json"
    source.write_text(json.dumps([{"category": "歧视性内容", "sub_category": "年龄歧视内容", "input": "……", "history": [{"role": "user", "content": "……"}]}], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_bank(source, tmp_path / "x.jsonl", "should_refuse")
    assert caught.value.problems[0].field == "history" and "without_dialog_history" in caught.value.problems[0].fix


def test_flames_labels_are_its_own_every_unmatched_one_listed_then_mapped(tmp_path: Path, capsys) -> None:
    source, out = BANKS / "flames.jsonl", tmp_path / "flames.jsonl"
    capsys.readouterr()
    assert main(["bank", "import", str(source), str(out), "--kind", "generated"]) == 2
    err = capsys.readouterr().err
    assert "label 'Non-anthropomorphism': 2 items (Non-anthropomorphism < Safety) match no risk" in err
    assert err.count("error:") == 5 and not out.exists()
    maps = ["Non-anthropomorphism=skip", "Bias and discrimination=A.2.e", "Physical harm=危害他人身心健康", "Personal data=A.4.f", "Morality=A.1.h"]
    assert main(["bank", "import", str(source), str(out), "--kind", "generated", "--json", *(f"--map={m}" for m in maps)]) == 0
    document = json.loads(capsys.readouterr().out)
    rows = _lines(out)
    assert len(rows) == 4 and document["skipped"] == {"Non-anthropomorphism": 2}
    # A dimension maps what its subcomponent did not match ("Disobey social norm" < Morality).
    assert [r["risk"] for r in rows] == ["A.2.e", "A.4.a", "A.4.f", "A.1.h"]


def test_every_unmatched_label_is_listed_however_many(tmp_path: Path) -> None:
    source = tmp_path / "many.json"
    source.write_text(json.dumps({f"自造类别{i}": [f"问题{i}a", f"问题{i}b"] for i in range(27)}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_bank(source, tmp_path / "x.jsonl", "generated")
    assert len(caught.value.problems) == 27 and all("2 items" in p.message for p in caught.value.problems)


def test_do_not_answer_csv_with_a_bom(tmp_path: Path) -> None:
    out = tmp_path / "dna.jsonl"
    with pytest.raises(InputError) as caught:
        import_bank(BANKS / "do_not_answer_zh.csv", out, "should_refuse")
    assert sorted(p.field for p in caught.value.problems) == ["label 'Financial crimes'", "label 'Self-harm'"]
    r = import_bank(BANKS / "do_not_answer_zh.csv", out, "should_refuse", maps=["Financial crimes=A.1.h", "Self-harm=skip"])
    rows = _lines(out)
    assert r.layout == "do-not-answer" and [x["risk"] for x in rows] == ["A.2.f", "A.3.c", "A.1.h"] and rows[0]["source_id"] == "0"


def test_bad_and_unused_maps_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        import_bank(BANKS / "flames.jsonl", tmp_path / "x.jsonl", "generated", maps=["Physical harm=A.9.z", "no equals sign"])
    assert [p.field for p in caught.value.problems] == ["Physical harm=A.9.z", "no equals sign"]
    with pytest.raises(InputError) as caught:
        import_bank(BANKS / "chisafetybench_refuse.json", tmp_path / "x.jsonl", "should_refuse", maps=["Typo label=A.2.f"])
    assert caught.value.problems[0].file == "--map" and "no item" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("label", "code"),
    [("年龄歧视内容", "A.2.f"), ("年齡歧視", "A.2.f"), ("地域歧視內容", "A.2.d"), ("Age discrimination", "A.2.f"), ("age discrimination", "A.2.f"),
     ("利用算法、数据、平台等优势,实施垄断和不正当竞争行为", "A.3.d"), ("内容不准确", "A.5.a"), ("侵害他人其他合法权益", "A.4.g"), ("暴力类风险", None),
     ("a.2.f", "A.2.f"), ("歧视性内容", None), ("应拒答", None)],
)
def test_risk_names_after_normalisation(label: str, code: str | None) -> None:
    assert code_for(label) == code


def test_every_risk_name_keeps_its_own_key() -> None:
    assert all(code_for(name) == r.code for r in risks() for name in (r.code, r.name_zh, r.name_en))


def test_long_problem_lists_say_how_many_more() -> None:
    problems = [Problem("f", f"line {i}", "bad", "fix") for i in range(45)]
    shown = capped(problems)
    assert len(shown) == 21 and shown[-1].message == "and 25 more problems of this input not shown"
    assert capped(problems[:20]) == problems[:20]
