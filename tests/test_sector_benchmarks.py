"""Public sector benchmarks: each loader reads project-written items laid out exactly as the
benchmark releases them (tests/fixtures/sector/<benchmark>), with the official prompt; each official
scorer behaves as the release's evaluation code on the cases that code singles out."""

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.sector import LOADERS
from benchmarks.sector.base import BenchItem, LayoutError, Prompt
from foundation.errors import InputError
from harness.plan import plan
from harness.profiles import Profile, SuiteRun
from harness.scoring.benchmark import benchmark_metrics
from harness.scoring.official import SCORERS, cflue, cmb, cmexam, financeiq, fineval, gaokao, lawbench, lexeval

FIXTURES = Path(__file__).parent / "fixtures" / "sector"
COUNTS = {"fineval": 68, "financeiq": 30, "cflue": 3, "cmb": 3, "cmexam": 3, "lawbench": 24, "lexeval": 42, "gaokao": 16}


def _load(benchmark: str, shots: int = 0, subsets: list[str] | None = None) -> list[BenchItem]:
    return LOADERS[benchmark](FIXTURES / benchmark, shots, subsets).items


def _item(benchmark: str, item_id: str) -> BenchItem:
    return next(i for i in _load(benchmark) if i.id == item_id)


@pytest.mark.parametrize("benchmark", sorted(COUNTS))
def test_loader_reads_the_released_layout(benchmark: str) -> None:
    data = LOADERS[benchmark](FIXTURES / benchmark, 0, None)
    assert len(data.items) == COUNTS[benchmark]
    assert len({i.id for i in data.items}) == len(data.items)
    assert len(data.digest) == 64 and data.source == str(FIXTURES / benchmark)
    assert set(SCORERS) == set(LOADERS)


def test_official_prompts() -> None:
    q = _item("gaokao", "2010-2022_Physics_MCQs/0")
    assert q.prompt.system.startswith("请你做一道物理选择题。\n") and q.prompt.user.endswith("D．动能不变\n")
    assert q.reference == {"type": "multi_choice", "group": "Physics", "answer": ["BCD"], "score": 6.0}
    assert _item("lawbench", "3-7/0").prompt.user == "请计算文书中涉及的犯罪总金额，写在[金额]与<eoa>之间。\n被告人先后盗窃现金1000元和2500元。"
    five_shot = _load("fineval", 2, ["accounting"])[0].prompt.user
    assert five_shot.startswith("以下是中国关于accounting考试的单项选择题") and five_shot.count("\n答案：") == 3 and five_shot.endswith("D. 应付账款\n答案：")
    assert _load("financeiq", 0, ["经济师"])[0].prompt.user == "以下是关于经济师的单项选择题，请直接给出正确答案的选项。\n\n题目：我国人民币的发行机构是？\nA. 中国人民银行\nB. 国家开发银行\nC. 中国银行\nD. 财政部\n答案是："
    cmb_prompt = _item("cmb", "1").prompt.user
    assert cmb_prompt.startswith("以下是中国医师考试中执业医师考试的一道单项选择题，不需要做任何分析和解释，直接输出答案选项。")
    assert "E. 无" not in cmb_prompt and "D. 120～150次/分" in cmb_prompt  # one-character options are left out, as released
    assert _item("cmexam", "1").prompt.user.startswith("假设你是一位医疗行业专家，请回答下列问题。注意，该问题是多选题")
    assert _item("cflue", "1").prompt.user.endswith("下列属于有价证券的有（）。\nA. 股票\nB. 债券\nC. 身份证\nD. 基金份额")
    assert _item("lexeval", "1_1/0").prompt.user.startswith("请阅读以下选择题给出正确选项，不要解释原因。请只给出答案的序号。\n下列属于")


def test_gaokao_answer_as_text_of_a_list(tmp_path: Path) -> None:
    root = tmp_path / "gaokao"
    shutil.copytree(FIXTURES / "gaokao", root)
    path = root / "Data" / "Objective_Questions" / "2010-2022_History_MCQs.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["example"][0]["answer"] = "['A']"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    item = next(i for i in LOADERS["gaokao"](root, 0, None).items if i.subject == "2010-2022_History_MCQs")
    assert item.reference["answer"] == ["A"]


def test_missing_release_file_is_named(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "lawbench", tmp_path / "lawbench")
    (tmp_path / "lawbench" / "data" / "zero_shot" / "3-3.json").unlink()
    with pytest.raises(LayoutError, match="3-3.json"):
        LOADERS["lawbench"](tmp_path / "lawbench", 0, None)


def test_gaokao_scoring() -> None:
    physics = _item("gaokao", "2010-2022_Physics_MCQs/0")
    assert gaokao.score(physics, "【解析】...<eoe>\n【答案】BCD<eoa>").points == 6
    assert gaokao.score(physics, "【答案】BC<eoa>").points == 3  # every option named is right: half marks
    assert gaokao.score(physics, "【答案】AB<eoa>").points == 0
    reading = _item("gaokao", "2010-2022_English_Reading_Comp/0")
    assert gaokao.score(reading, "（1）【答案】 B <eoa>\n（2）【答案】 D <eoa>\n（3）【答案】 C <eoa>") == gaokao.Scored(["B", "D", "C"], 4.0, 6.0)
    assert gaokao.score(reading, "（1）【答案】 B <eoa>").points == 0  # wrong number of answers: none count
    single = _item("gaokao", "2010-2022_Math_II_MCQs/0")
    assert gaokao.score(single, "【解析】B 不对<eoe>\n【答案】 C <eoa>").prediction == ["C"]  # the last letter A-D


def test_lawbench_per_task_metrics() -> None:
    def points(task_item: str, response: str) -> float | None:
        return lawbench.score(_item("lawbench", task_item), response).points

    assert points("1-2/0", "[正确答案]B<eoa>") == 1 and points("1-2/0", "B或C") == 0  # only the answer named
    assert points("3-1/0", "[法条]刑法第二百六十四条<eoa>") == 1  # Chinese numerals read with cn2an
    assert points("3-4/0", "[刑期]6个月<eoa>") == 1 and points("3-4/1", "死刑") is None  # death sentences skipped
    assert 0 < points("3-4/0", "[刑期]1年<eoa>") < 1  # log distance, normalised
    assert points("3-7/0", "[金额]3500元<eoa>") == 1
    assert points("2-6/0", "犯罪嫌疑人：张某\n被盗物品：手机\n时间：无") == pytest.approx(2 / 3, abs=1e-6)
    assert points("2-2/1", "赔偿") is None  # the release's "dataset imperfection"
    assert points("1-1/0", "为了规范示例行为，制定本法。") == pytest.approx(1.0)  # ROUGE-L against the answer after "答案:"
    assert points("3-8/0", "") == 0.0  # an empty prediction is "无内容"
    with pytest.raises(InputError, match="2-1 is not reproduced"):
        lawbench.check(_load("lawbench", 0, ["2-1"]))


def test_other_official_extractions() -> None:
    assert financeiq.score(_load("financeiq")[0], "答案是：A").points == 1
    fallback = financeiq.score(_load("financeiq")[0], "")  # stored as "nan": a seeded random letter
    assert fallback.abstained and fallback == financeiq.score(_load("financeiq")[0], "")
    assert cflue.score(_item("cflue", "1"), "答案：A、B、D\n解析：股票债券基金均是").prediction == "ABD"
    assert cflue.score(_item("cflue", "1"), "我认为是B").prediction == "X"
    assert cmb.score(_item("cmb", "1"), "答案是BC。").prediction == "B"  # single answer: the first letter
    assert cmb.score(_item("cmb", "2"), "正确选项为A、C、D。").points == 1
    assert cmexam.score(_item("cmexam", "0"), "答案：C，解释：皮肤面积最大").points == 1
    assert cmexam.score(_item("cmexam", "0"), "答案：C\n解释：皮肤").points is None  # no "，": left out, as released
    assert lexeval.find_valid_substrings("A、B和D。解析：C不对") == "ABD"
    assert lexeval.score(_item("lexeval", "5_1/0"), "乙方未按合同约定付款，构成违约。").points == pytest.approx(1.0)
    item = _load("fineval")[0]
    assert fineval.score_likelihood(item, {"A": -0.1, "B": -2.0, "C": -3.0, "D": -4.0}).points == 1


def test_metrics_follow_the_official_aggregate() -> None:
    records = [
        {"subject": "s1", "points": 1.0, "max_points": 1.0, "abstained": False, "reference": {"answer": "A"}, "prediction": "A"},
        {"subject": "s1", "points": 1.0, "max_points": 1.0, "abstained": False, "reference": {"answer": "A"}, "prediction": "A"},
        {"subject": "s1", "points": 0.0, "max_points": 1.0, "abstained": False, "reference": {"answer": "A"}, "prediction": "B"},
        {"subject": "s2", "points": 0.0, "max_points": 1.0, "abstained": True, "reference": {"answer": "B"}, "prediction": "X"},
        {"subject": "s2", "points": None, "max_points": 1.0, "abstained": True, "reference": {"answer": "B"}, "prediction": ""},
    ]
    micro = benchmark_metrics("s", records, cflue)
    assert micro["s/score"] == pytest.approx(2 / 4) and micro["s/n"] == 4 and micro["s/excluded"] == 1
    assert micro["s/score_ci_low"] <= micro["s/score"] <= micro["s/score_ci_high"]
    assert micro["s/abstention_rate"] == pytest.approx(2 / 5) and "s/weighted_f1" in micro
    macro = benchmark_metrics("s", records, financeiq)
    assert macro["s/score"] == pytest.approx((2 / 3 + 0) / 2) and macro["s/subject/s1/score"] == pytest.approx(2 / 3)


def test_plan_reads_benchmarks_from_data_and_checks_them(tmp_path: Path) -> None:
    profile = Profile(name="t", suites=[SuiteRun(suite=name) for name in COUNTS])
    planned = plan(profile, data={name: FIXTURES / name for name in COUNTS})
    assert {p.spec.name: len(p.items) for p in planned} == COUNTS | {"lawbench": 23}  # the suite leaves 2-1 out
    with pytest.raises(InputError, match="--data gaokao=PATH"):
        plan(Profile(name="t", suites=[SuiteRun(suite="gaokao")]))
    with pytest.raises(InputError, match="num_fewshot"):
        plan(Profile(name="t", suites=[SuiteRun(suite="gaokao", num_fewshot=1)]), data={"gaokao": FIXTURES / "gaokao"})
    bad = tmp_path / "lawbench"
    shutil.copytree(FIXTURES / "lawbench", bad)
    task = bad / "data" / "zero_shot" / "1-2.json"
    task.write_text(json.dumps([{"instruction": "i", "question": "q", "answer": "B"}], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError, match="1-2/0"):  # an answer not in the released format, refused before any model loads
        plan(Profile(name="t", suites=[SuiteRun(suite="lawbench")]), data={"lawbench": bad})
    assert Prompt("q", "s").as_messages() == [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]


def test_benchmark_prompts_are_fitted_to_the_model_before_it_loads(tmp_path: Path, demo_checkpoints: dict[str, Path]) -> None:
    """A released prompt longer than the model's context is named at plan time (`fewer_shots`, the
    default: the examples are part of the released text), or left out with `fit: exclude`."""
    root = tmp_path / "lawbench"
    shutil.copytree(FIXTURES / "lawbench", root)
    task = root / "data" / "zero_shot" / "3-8.json"
    rows = json.loads(task.read_text(encoding="utf-8"))
    rows.append({"instruction": "请回答下列问题：", "question": "案情" * 3000, "answer": "回答:略"})
    task.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    checkpoint = demo_checkpoints["zh-tiny-tuned"]
    profile = Profile(name="t", engine={"max_model_len": 1024}, generation={"max_tokens": 16}, suites=[SuiteRun(suite="lawbench")])
    with pytest.raises(InputError, match="3-8/1"):
        plan(profile, data={"lawbench": root}, checkpoint=checkpoint)
    (planned,) = plan(profile.model_copy(update={"suites": [SuiteRun(suite="lawbench", fit="exclude")]}), data={"lawbench": root}, checkpoint=checkpoint)
    assert planned.fit is not None and planned.fit.excluded == ["3-8/1"]
    assert len(planned.items) == 23


def test_one_shot_and_subsets(tmp_path: Path) -> None:
    root = tmp_path / "lawbench"
    shutil.copytree(FIXTURES / "lawbench" / "data" / "zero_shot", root / "data" / "one_shot")
    assert [i.id for i in LOADERS["lawbench"](root, 1, ["3-3"]).items] == ["3-3/0"]  # num_fewshot 1 reads one_shot/
    with pytest.raises(LayoutError, match="zero-shot and one-shot"):
        LOADERS["lawbench"](root, 2, None)
    with pytest.raises(LayoutError, match=r"unknown \['9-9'\]"):
        LOADERS["lawbench"](FIXTURES / "lawbench", 0, ["9-9"])
