"""Every prompt fits the model, decided at plan time (harness/fitting.py).

The issue's case: five-shot CMMLU in its real release layout on a model with a 1,024-token context
crashed part-way with vLLM's "maximum context length" error. Here: a project-written copy of CMMLU's
layout (every subject; dev examples lengthened with reading passages so that half the five-shot
prompts outgrow the tiny demo model's 1,024 positions), the zh-general profile's engine settings
(max_model_len 4096, capped at the model's 1024), the real tokenizer and the real vLLM engine.
"""

import contextlib
import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmarks.mcq.prompt import build_context, continuation
from benchmarks.mcq.sources import read_subject_map
from benchmarks.mcq.synthetic import write_layout
from harness.cli import main
from foundation.errors import InputError
from harness.evidence import names
from harness.fitting import Meter, Prompt, fit_prompts
from foundation.paths import REPO_ROOT
from harness.plan import checkpoint_tokenizer, plan
from harness.profiles import EngineConfig, Profile, SuiteRun

SUBJECTS = REPO_ROOT / "benchmarks" / "mcq" / "cmmlu_subjects.yaml"
LIMIT = 1023  # 1024 positions less the one token a multiple-choice request generates


@pytest.fixture(scope="module")
def long_cmmlu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cmmlu-long")
    write_layout("cmmlu-csv", root, SUBJECTS, per_subject=2, seed=5, dev_passages=24)
    return root


@pytest.fixture(scope="module")
def tokenizer(demo_checkpoints):
    return checkpoint_tokenizer(demo_checkpoints["zh-tiny-tuned"])


def _profile(fit: str = "fewer_shots", scorer: str = "fast") -> Profile:
    return Profile(name="t", engine=EngineConfig(dtype="float32", max_model_len=4096), suites=[SuiteRun(suite="cmmlu", num_fewshot=5, scorer=scorer, fit=fit)])  # type: ignore[arg-type]


def _tokens(tokenizer, text: str) -> int:  # noqa: ANN001
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_the_byte_bound_never_lets_a_long_prompt_through(tokenizer, long_cmmlu: Path) -> None:
    (suite,) = plan(_profile(), data={"cmmlu": long_cmmlu})
    meter = Meter(tokenizer, special=False)
    texts = [item.context + " A" for item in suite.items]
    for text, tokens in zip(texts, meter.count(texts), strict=True):
        assert not meter.surely_within(text, tokens - 1), "a prompt the bound calls short is longer than the limit"


def test_policies_on_prompts_built_by_hand(tokenizer) -> None:
    sentence = "长江是中国最长的河流，流经十一个省级行政区。"
    prompts = [Prompt(f"q{n}", 3, lambda k, cut, n=n: (sentence * (n * k + 1))[cut:], lambda k, n=n: len(sentence) * (n * k + 1)) for n in range(4)]
    meter = Meter(tokenizer, special=False)
    limit = _tokens(tokenizer, sentence * 4)
    report, problems = fit_prompts("s", prompts, meter, limit + 1, 1, "fewer_shots")
    assert not problems
    for p in prompts:  # the most examples (from the front) that fit
        best = max(k for k in range(4) if _tokens(tokenizer, p.render(k, 0)) <= limit)
        assert report.fits[p.item_id].shots == best
    assert report.fewer_shots == sum(f.shots < 3 for f in report.fits.values()) > 0
    excluded, _ = fit_prompts("s", prompts, meter, limit + 1, 1, "exclude")
    assert excluded.excluded == [p.item_id for p in prompts if _tokens(tokenizer, p.render(3, 0)) > limit]
    truncated, _ = fit_prompts("s", prompts, meter, limit + 1, 1, "truncate")
    for p in prompts:
        f = truncated.fits[p.item_id]
        assert f.shots == 3 and _tokens(tokenizer, p.render(3, f.cut)) <= limit
        assert f.cut == 0 or _tokens(tokenizer, p.render(3, f.cut - 1)) > limit  # the fewest characters cut


def test_five_shot_prompts_are_fitted_with_fewer_shots(demo_checkpoints, tokenizer, long_cmmlu: Path) -> None:
    unfitted = {item.id: item for item in plan(_profile(), data={"cmmlu": long_cmmlu})[0].items}
    (suite,) = plan(_profile(), data={"cmmlu": long_cmmlu}, checkpoint=demo_checkpoints["zh-tiny-tuned"])
    assert suite.fit is not None and (suite.fit.context, suite.fit.prompt_limit) == (1024, LIMIT)
    too_long = [i for i in unfitted.values() if _tokens(tokenizer, i.context + continuation("A")) > LIMIT]
    assert len(too_long) > 20, "the fixture must outgrow the context, or it shows nothing"
    assert len(suite.items) == len(unfitted)  # nothing excluded
    subjects = read_subject_map(SUBJECTS)
    rows = {}
    for item in suite.items:
        assert _tokens(tokenizer, item.context + continuation("A")) <= LIMIT
        if item.shots < 5:  # the first k examples of the dev split: the last ones were dropped
            dev, test = rows.setdefault(item.subject, (_rows(long_cmmlu, "dev", item.subject), _rows(long_cmmlu, "test", item.subject)))
            question = test[int(item.id.rsplit("/", 1)[1])]
            assert item.context == build_context(subjects[item.subject].name_zh, question, dev[: item.shots])
            assert _tokens(tokenizer, build_context(subjects[item.subject].name_zh, question, dev[: item.shots + 1]) + " A") > LIMIT
    assert {i.id for i in suite.items if i.shots < 5} == {i.id for i in too_long}
    assert suite.fit.shots_histogram == dict(sorted(Counter(i.shots for i in suite.items).items()))


def _rows(root: Path, split: str, subject: str) -> list[dict[str, str]]:
    with open(root / split / f"{subject}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_other_policies_and_lm_eval(demo_checkpoints, tokenizer, long_cmmlu: Path) -> None:
    checkpoint = demo_checkpoints["zh-tiny-tuned"]
    unfitted = plan(_profile(), data={"cmmlu": long_cmmlu})[0].items
    over = {i.id for i in unfitted if _tokens(tokenizer, i.context + " A") > LIMIT}
    (excluded,) = plan(_profile("exclude"), data={"cmmlu": long_cmmlu}, checkpoint=checkpoint)
    assert excluded.fit is not None and set(excluded.fit.excluded) == over and {i.id for i in excluded.items} == {i.id for i in unfitted} - over
    (truncated,) = plan(_profile("truncate"), data={"cmmlu": long_cmmlu}, checkpoint=checkpoint)
    by_id = {i.id: i for i in unfitted}
    assert {i.id for i in truncated.items if i.truncated} == over
    for item in truncated.items:
        assert item.shots == 5 and by_id[item.id].context.endswith(item.context)  # lm-eval keeps the end
        assert _tokens(tokenizer, item.context + " A") <= LIMIT
    with pytest.raises(InputError, match="lm-eval builds its own prompts"):
        plan(_profile(scorer="lm-eval"), data={"cmmlu": long_cmmlu}, checkpoint=checkpoint)


@pytest.mark.engine
def test_an_unfitted_prompt_crashes_the_engine_as_in_the_issue(vllm_engine, tokenizer, long_cmmlu: Path) -> None:
    """What the run did before fitting: vLLM refuses the first five-shot prompt longer than the context."""
    longest = max(plan(_profile(), data={"cmmlu": long_cmmlu})[0].items, key=lambda i: len(i.context))
    ids = tokenizer(longest.context, add_special_tokens=False)["input_ids"]
    assert len(ids) >= 1024
    with pytest.raises(Exception, match="maximum (context|model) length"):
        vllm_engine.next_token_logprobs([ids], 20)


@pytest.fixture(scope="module")
def fitted_run(store, long_cmmlu: Path, tmp_path_factory: pytest.TempPathFactory):
    profile = tmp_path_factory.mktemp("profile") / "cmmlu-5shot.yaml"
    zh_general = yaml.safe_load((REPO_ROOT / "configs" / "zh-general.yaml").read_text(encoding="utf-8"))
    zh_general |= {"name": "cmmlu-5shot", "suites": [s for s in zh_general["suites"] if s["suite"] == "cmmlu"]}
    profile.write_text(yaml.safe_dump(zh_general, allow_unicode=True), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(profile), "--model", "zh-tiny-tuned", "--tracking-uri", store.uri, "--json", f"--data=cmmlu={long_cmmlu}"])
    assert code == 0, err.getvalue()[-3000:]
    run = store.client.get_run(json.loads(out.getvalue())["run_id"])
    local = store.client.download_artifacts(run.info.run_id, f"{names.A_ITEMS_DIR}/cmmlu.jsonl")
    records = [json.loads(line) for line in Path(local).read_text(encoding="utf-8").splitlines()]
    fit = json.loads(Path(store.client.download_artifacts(run.info.run_id, f"{names.A_FIT_DIR}/cmmlu.json")).read_text(encoding="utf-8"))
    return run, records, fit, err.getvalue()


@pytest.mark.engine
def test_the_five_shot_run_finishes_with_the_fitted_shots_logged(fitted_run) -> None:
    run, records, fit, err = fitted_run
    assert run.info.status == "FINISHED"
    p, m = run.data.params, run.data.metrics
    assert (p[names.suite_param("cmmlu", "fit_policy")], p[names.suite_param("cmmlu", "prompt_limit")], p[names.P_ENGINE_MAX_MODEL_LEN]) == ("fewer_shots", str(LIMIT), "1024")
    shots = Counter(r["shots"] for r in records)
    assert len(shots) > 1 and max(shots) == 5
    assert {k: int(m[f"cmmlu/fit/shots/{k}"]) for k in shots} == dict(shots) == {int(k): n for k, n in fit["shots_histogram"].items()}
    assert m["cmmlu/fit/fewer_shots"] == sum(n for k, n in shots.items() if k < 5) == len(fit["changed"])
    assert m["cmmlu/fit/excluded"] == 0 and m["cmmlu/n"] == len(records) == sum(shots.values())
    assert {r["id"]: r["shots"] for r in records if r["shots"] < 5} == {i: c["shots"] for i, c in fit["changed"].items()}
    assert f"note: cmmlu: {int(m['cmmlu/fit/fewer_shots'])} of {len(records)} prompts exceed the {LIMIT} tokens" in err


@pytest.mark.engine
def test_the_report_says_how_prompts_were_fitted(store, fitted_run) -> None:
    from harness.reporting.markdown import render_report

    run, records, _, _ = fitted_run
    text = render_report(store.client, run.info.run_id)
    fewer = sum(r["shots"] < 5 for r in records)
    assert "## 提示长度适配" in text and f"减少示例 {fewer} 题" in text and "5-shot" in text


def test_a_prompt_too_long_even_zero_shot_is_named_before_the_run(store, demo_checkpoints, long_cmmlu: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cmmlu"
    shutil.copytree(long_cmmlu, copy)
    test_file = copy / "test" / "marketing.csv"
    lines = test_file.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].split(",", 1)[0] + ',"' + "请阅读下面的很长的材料。" * 400 + '",甲,乙,丙,丁,A'
    test_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        plan(_profile(), data={"cmmlu": copy}, checkpoint=demo_checkpoints["zh-tiny-tuned"])
    (problem,) = e.value.problems
    assert problem.field == "item marketing/0" and "with 0 few-shot examples" in problem.message and "fit: exclude" in problem.fix
    before = _runs(store.client)
    profile = tmp_path / "t-zero.yaml"
    profile.write_text(yaml.safe_dump({"name": "t-zero", "engine": {"max_model_len": 4096, "dtype": "float32"}, "suites": [{"suite": "cmmlu", "num_fewshot": 5, "scorer": "fast"}]}), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["run", str(profile), "--model", "zh-tiny-tuned", "--tracking-uri", store.uri, f"--data=cmmlu={copy}"]) == 2
    assert "item marketing/0" in err.getvalue()
    assert _runs(store.client) == before  # nothing recorded


def _runs(client) -> int:  # noqa: ANN001
    experiments = [e.experiment_id for e in client.search_experiments()]
    return len(client.search_runs(experiments)) if experiments else 0
