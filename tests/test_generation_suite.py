"""The generation suite kind: short answers scored against references (exact match, character F1,
ROUGE-L on normalised Chinese), open questions judged against a rubric by a judge model.

The judge's parsing is checked on recorded judge outputs written by the project
(tests/fixtures/rubric_judge/outputs.jsonl, one named case a line). End to end, a real `harness run`
on the tiny demo model; STAND-IN: no instruction model can be downloaded here, so the rubric judge
is the tiny demo model zh-tiny-base, whose output is not JSON: every open question must come back
undecided, never guessed. A second stand-in, `RecordedEngine`, replays recorded judge outputs through
the real RubricJudge, so the pass / fail / undecided path is exercised with answers a judge could give.
"""

import contextlib
import io
import json
from pathlib import Path
from statistics import mean

import pytest
import yaml

from harness.aggregate import generation_metrics
from harness.cli import main
from foundation.errors import InputError
from harness.evidence import names
from harness.generation_data import load_jsonl
from harness.scoring.judges.rubric import RubricJudge, judge_records, parse_verdict
from harness.scoring.text_match import char_f1, exact_match, normalise, rouge_l, scores

FIXTURES = Path(__file__).parent / "fixtures" / "rubric_judge"


def _lcs(a: str, b: str) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("  北 京。", "北京"),  # whitespace and Chinese punctuation
        ("ＡＢＣ１２３，", "abc123"),  # full width -> half width, case folded, comma removed
        ("“长江”《史记》", "长江史记"),
        ("3.5%", "3.5%"),  # a decimal point between digits and a percent sign carry meaning
        ("1,000元", "1000元"),  # a thousands separator does not
        ("10：30", "10:30"),  # NFKC makes the full-width colon ASCII; kept between digits
        ("完。", "完"),
        ("¥200", "¥200"),  # symbols stay
    ],
)
def test_normalisation(text: str, normalised: str) -> None:
    assert normalise(text) == normalised


def test_measures_take_the_best_reference_and_work_on_characters() -> None:
    assert exact_match("北京市。", ["北京", "北京市"]) and not exact_match("北京市", ["北京"])
    # char F1 of 北京市 against 北京: 2 common characters, precision 2/3, recall 1 -> 0.8
    assert char_f1("北京市", ["上海", "北京"]) == pytest.approx(0.8)
    answer, reference = "答案是中国人民银行。", "中国人民银行"
    lcs = _lcs(normalise(answer), normalise(reference))
    precision, recall = lcs / len(normalise(answer)), lcs / len(normalise(reference))
    assert rouge_l(answer, [reference]) == pytest.approx(2 * precision * recall / (precision + recall))
    assert rouge_l(answer, [reference]) > 0.5  # rouge-score's own tokenizer would drop every Chinese character: 0
    assert scores("", ["北京"]) == {"exact_match": 0.0, "char_f1": 0.0, "rouge_l": 0.0}


def test_metrics_and_intervals_are_computed_from_the_records() -> None:
    records = [
        {"type": "short", "subject": s, "exact_match": em, "char_f1": f1, "rouge_l": f1 * 0.9}
        for s, em, f1 in [("a", 1.0, 1.0), ("a", 0.0, 0.5), ("b", 0.0, 0.0), ("b", 1.0, 1.0), ("b", 0.0, 0.25)]
    ] + [{"type": "open", "verdict": v} for v in ("pass", "pass", "fail", "undecided")]
    m = generation_metrics(("s",), records)
    assert m["s/n"] == 5 and m["s/exact_match"] == pytest.approx(0.4)
    assert m["s/exact_match_ci_low"] < 0.4 < m["s/exact_match_ci_high"]
    assert m["s/char_f1"] == pytest.approx(mean([1.0, 0.5, 0.0, 1.0, 0.25]))
    assert m["s/char_f1_ci_low"] <= m["s/char_f1"] <= m["s/char_f1_ci_high"]
    assert m["s/subject/b/n"] == 3 and m["s/subject/a/char_f1"] == pytest.approx(0.75)
    assert m["s/rubric/pass_rate"] == pytest.approx(2 / 3) and m["s/rubric/n"] == 3 and m["s/rubric/undecided"] == 1
    assert (m["s/rubric/pass_rate_bound_low"], m["s/rubric/pass_rate_bound_high"]) == (pytest.approx(0.5), pytest.approx(0.75))


def _cases() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "outputs.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_the_judges_answers_are_parsed_strictly(case: dict) -> None:
    assert parse_verdict(case["output"]).verdict == case["expected"]


class RecordedEngine:
    """STAND-IN for an instruction-model engine: replays recorded judge outputs in order."""

    max_model_len = None

    def __init__(self, outputs: list[str]) -> None:
        self.outputs = outputs
        self.prompts: list[str] = []

    def chat(self, conversations, sampling):  # noqa: ANN001, ANN201
        self.prompts += [c[0]["content"] for c in conversations]
        return [self.outputs.pop(0) for _ in conversations]


def test_recorded_judge_outputs_become_verdicts_and_an_empty_answer_fails_unasked() -> None:
    cases = _cases()
    records = [{"id": c["name"], "type": "open", "prompt": "问题", "rubric": "要点", "response": "一个回答"} for c in cases]
    records.append({"id": "empty-answer", "type": "open", "prompt": "问题", "rubric": "要点", "response": "  "})
    engine = RecordedEngine([c["output"] for c in cases])
    judge_records(RubricJudge(engine), records, progress=False)  # type: ignore[arg-type]
    assert [r["verdict"] for r in records] == [c["expected"] for c in cases] + ["fail"]
    assert records[-1]["judge_reason"] == "empty-answer" and len(engine.prompts) == len(cases)
    assert all("要点" in p and "一个回答" in p for p in engine.prompts)
    m = generation_metrics(("s",), records)
    decided = [r for r in records if r["verdict"] != "undecided"]
    assert m["s/rubric/n"] == len(decided) and m["s/rubric/undecided"] == len(records) - len(decided)


def test_a_bad_items_file_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "items.jsonl"
    lines = [
        {"id": "a", "prompt": "问题", "references": ["答案"]},
        {"id": "a", "prompt": "重复的编号", "references": ["答案"]},
        {"id": "b", "references": ["答案"]},
        {"id": "c", "prompt": "问题", "references": ["。"]},
        {"id": "d", "prompt": "问题", "references": ["答案"], "rubric": "要点"},
        {"id": "e", "prompt": "问题", "refrences": ["答案"]},
    ]
    bad.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_jsonl(bad)
    found = {(p.file, p.field) for p in e.value.problems}
    assert {
        (str(bad), "line 2: id"), (str(bad), "line 3: prompt"), (str(bad), "line 4: references[0]"),
        (str(bad), "line 5: references"), (str(bad), "line 6: refrences"),
    } <= found
    assert all(p.fix for p in e.value.problems)


OPEN_ITEMS = [
    {"id": "open-1", "prompt": "请为小微企业写一段贷款产品介绍。", "rubric": "说明利率与期限；不承诺保本高收益。"},
    {"id": "open-2", "prompt": "请说明个人信息出境需要注意什么。", "rubric": "提到告知同意与安全评估。"},
]


@pytest.fixture(scope="module")
def generation_run(store, demo_checkpoints, tmp_path_factory):
    """One `harness run` of the shipped short-answer sample and a suite file of one's own (by path,
    its data beside it) holding open questions, judged by the tiny stand-in judge."""
    root = tmp_path_factory.mktemp("generation")
    (root / "own").mkdir()
    (root / "own" / "open.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in OPEN_ITEMS), encoding="utf-8")
    (root / "own" / "open.yaml").write_text(yaml.safe_dump({"name": "own_open", "kind": "generation", "title": "开放题", "data": {"path": "open.jsonl"}}, allow_unicode=True), encoding="utf-8")
    profile = {
        "name": "generation-test", "seed": 3,
        "engine": {"name": "vllm", "dtype": "float32", "max_model_len": 1024},
        "generation": {"max_tokens": 24},
        "rubric_judge": {"path": str(demo_checkpoints["zh-tiny-base"]), "dtype": "float32", "max_model_len": 1024, "max_tokens": 32},
        "suites": [{"suite": "zh_short_answer_sample", "limit": 12}, {"suite": "own/open.yaml"}],
    }
    (root / "profile.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(root / "profile.yaml"), "--model", "zh-tiny-tuned", "--tracking-uri", store.uri, "--json"])
    assert code == 0, err.getvalue()[-3000:]
    run = store.client.get_run(json.loads(out.getvalue())["run_id"])
    items = {}
    for suite in ("zh_short_answer_sample", "own_open"):
        local = store.client.download_artifacts(run.info.run_id, f"{names.A_ITEMS_DIR}/{suite}.jsonl")
        items[suite] = [json.loads(line) for line in Path(local).read_text(encoding="utf-8").splitlines()]
    return run, items, demo_checkpoints["zh-tiny-base"]


@pytest.mark.engine
def test_short_answers_are_generated_and_scored_against_their_references(generation_run) -> None:
    run, items, _ = generation_run
    assert run.info.status == "FINISHED"
    records = items["zh_short_answer_sample"]
    assert len(records) == 12 and all(r["type"] == "short" and isinstance(r["response"], str) for r in records)
    for r in records:
        assert {k: r[k] for k in names.REFERENCE_MEASURES} == scores(r["response"], r["references"])
    m = run.data.metrics
    assert m["zh_short_answer_sample/n"] == 12
    for measure in names.REFERENCE_MEASURES:
        assert m[f"zh_short_answer_sample/{measure}"] == pytest.approx(mean(r[measure] for r in records))
    assert run.data.params[names.suite_param("zh_short_answer_sample", "fit_policy")] == "fewer_shots"
    assert int(run.data.params[names.suite_param("zh_short_answer_sample", "prompt_limit")]) == 1024 - 24


@pytest.mark.engine
def test_the_tiny_judge_leaves_every_open_question_undecided(generation_run) -> None:
    run, items, judge = generation_run
    records = items["own_open"]
    assert [r["id"] for r in records] == ["open-1", "open-2"]
    assert all(r["verdict"] == "undecided" and r["judge_reason"].startswith("unparsed") for r in records), records
    m = run.data.metrics
    assert (m["own_open/rubric/items"], m["own_open/rubric/undecided"], m["own_open/rubric/n"]) == (2, 2, 0)
    assert (m["own_open/rubric/pass_rate_bound_low"], m["own_open/rubric/pass_rate_bound_high"]) == (0.0, 1.0)
    assert run.data.params[names.P_RUBRIC_JUDGE_PATH] == str(judge)
