"""Answers handed back as the engine finishes them (harness.engines.base.chat_in_groups), so that a
safety suite judges one group while the engine generates the next.

With vLLM's engine core in a process of its own (its default on GPUs; here started with
VLLM_ENABLE_V1_MULTIPROCESSING=1 in a child process, so this session's in-process engine is left
alone), the real engine: the groups hold every answer once, equal to `chat`'s; a caller that stops
early leaves nothing running in the engine; behind the journal, recorded answers come first and
every fresh group is journaled before it is handed on; the safety suite's records come back in the
suite's order; an engine process killed mid-call is one diagnosed failure. In process (the CPU default) the engine waits for the caller anyway: one group.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from foundation.paths import REPO_ROOT
from harness.engines import Engine, Sampling
from harness.engines.base import chat_in_groups

CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import harness.engines.vllm_engine as vllm_engine
    from benchmarks.catalog import RefusalSuite
    from harness.engines import EngineSettings, Sampling, load_engine
    from harness.engines.recorded import RecordedEngine, engine_spec
    from harness.plan import RefusalItem, plan
    from harness.profiles import load_profile, profile_path
    from harness.scoring.judging import resolve_all
    from harness.scoring.refusal import score_refusal
    from harness.store import ItemWriter

    checkpoint, out = Path(sys.argv[1]), Path(sys.argv[2])
    vllm_engine.GROUP_ANSWERS = 8
    settings, sampling = EngineSettings(dtype="float32", max_model_len=1024), Sampling(max_tokens=24)
    engine = load_engine("vllm", checkpoint, settings)
    profile, _ = load_profile("demo")
    (suite,) = [s for s in plan(profile, None, {}, checkpoint) if s.spec.name == "safety_sample"]
    items = [i for i in suite.items if isinstance(i, RefusalItem)][:40]
    conversations = [[{"role": "user", "content": i.prompt}] for i in items]
    facts = {"whole": engine.chat(conversations, sampling), "groups": list(engine.chat_as_finished(conversations, sampling))}
    stopped = engine.chat_as_finished(conversations, sampling)
    facts["first_of_stopped"] = next(stopped)
    stopped.close()
    facts["unfinished_after_stop"] = engine.llm.llm_engine.has_unfinished_requests()
    facts["again"] = engine.chat(conversations, sampling)

    recorded = RecordedEngine(lambda: engine, lambda: engine.tokenizer, engine_spec("vllm", settings), "test", out / "journal.jsonl", out / "cache.jsonl")
    recorded.chat(conversations[:20], sampling)
    journaled = []
    for group in recorded.chat_as_finished(conversations, sampling):
        journaled.append(sum(1 for _ in (out / "journal.jsonl").open()))
        facts.setdefault("recorded_groups", []).append(group)
    facts["journal_lines_at_each_group"] = journaled
    facts["counts"] = dict(recorded.counts)

    spec = suite.spec
    assert isinstance(spec, RefusalSuite)
    policy = resolve_all(profile, [spec], profile_path("demo"))[spec.name]
    fresh = RecordedEngine(lambda: engine, lambda: engine.tokenizer, engine_spec("vllm", settings), "test", out / "j2.jsonl", out / "c2.jsonl")
    with ItemWriter(out / "items.jsonl") as writer:
        records = score_refusal(fresh, items, spec, policy, sampling, writer, progress=False)
    facts["record_ids"] = [r["id"] for r in records]
    facts["item_ids"] = [i.id for i in items]
    facts["written_ids"] = [json.loads(line)["id"] for line in (out / "items.jsonl").open()]
    facts["record_responses"] = [r["response"] for r in records]
    (out / "facts.json").write_text(json.dumps(facts, ensure_ascii=False))

    import os, psutil
    from foundation.errors import EngineFailure
    # Enough work (3,300 answers, seconds) that the engine is still generating when it is killed.
    every = [i for i in suite.items if isinstance(i, RefusalItem)]
    many = [[{"role": "user", "content": f"{i.prompt} 第{n}遍"}] for n in range(20) for i in every]
    dying = engine.chat_as_finished(many, Sampling(max_tokens=48))
    next(dying)
    (core,) = [p for p in psutil.Process().children(recursive=True) if "EngineCore" in p.name()]
    core.kill()
    try:
        for _ in dying:
            pass
        outcome = "no error"
    except EngineFailure as e:
        outcome = "EngineFailure: " + str(e)
    except BaseException as e:
        outcome = f"{type(e).__name__}: {e}"
    (out / "killed.txt").write_text(outcome)
    os._exit(0)  # the engine is dead: nothing to close
    """
)


@pytest.fixture(scope="module")
def apart(demo_checkpoints: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("apart")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "VLLM_ENABLE_V1_MULTIPROCESSING": "1"}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(demo_checkpoints["zh-tiny-tuned"]), str(out)], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900
    )
    assert child.returncode == 0, child.stderr[-4000:]
    return json.loads((out / "facts.json").read_text(encoding="utf-8")) | {"killed": (out / "killed.txt").read_text(encoding="utf-8")}


@pytest.mark.engine
def test_an_engine_that_dies_mid_call_is_one_diagnosed_failure(apart: dict) -> None:
    assert apart["killed"].startswith("EngineFailure:") and "engine process died" in apart["killed"], apart["killed"]


def _by_index(groups: list[list[list]]) -> dict[int, str]:
    answers: dict[int, str] = {}
    for group in groups:
        for index, answer in group:
            assert index not in answers, f"answer {index} handed back twice"
            answers[index] = answer
    return answers


@pytest.mark.engine
def test_an_engine_apart_hands_back_every_answer_once_in_groups_as_they_finish(apart: dict) -> None:
    groups = apart["groups"]
    assert len(groups) > 1, "all answers came in one group: nothing could overlap the engine"
    answers = _by_index(groups)
    assert [answers[i] for i in range(len(apart["whole"]))] == apart["whole"]
    assert all(len(g) >= 8 for g in groups[:-1])  # a group waits for GROUP_ANSWERS answers, the last for the rest


@pytest.mark.engine
def test_a_caller_that_stops_early_leaves_nothing_running(apart: dict) -> None:
    assert apart["first_of_stopped"] and not apart["unfinished_after_stop"]
    assert apart["again"] == apart["whole"]


@pytest.mark.engine
def test_recorded_answers_come_first_and_each_group_is_journaled_before_it_is_handed_on(apart: dict) -> None:
    groups = apart["recorded_groups"]
    assert [index for index, _ in groups[0]] == list(range(20))  # the journal's answers, first
    assert _by_index(groups) == dict(enumerate(apart["whole"]))
    answered = 20
    for group, lines in zip(groups[1:], apart["journal_lines_at_each_group"][1:], strict=True):
        answered += len(group)
        assert lines == answered  # the group was on disk before the caller saw it
    assert apart["counts"] == {"from_journal": 20, "from_cache": 0, "to_engine": 40}  # 20 asked first, 20 fresh here


@pytest.mark.engine
def test_a_safety_suite_judged_as_answers_finish_keeps_the_suites_order(apart: dict) -> None:
    assert apart["record_ids"] == apart["item_ids"]
    assert sorted(apart["written_ids"]) == sorted(apart["item_ids"])  # staged as judged, each once
    assert apart["record_responses"] == apart["whole"]


@pytest.mark.engine
def test_in_process_the_answers_come_in_one_group(vllm_engine: Engine) -> None:
    conversations = [[{"role": "user", "content": f"问题{n}：什么是安全？"}] for n in range(6)]
    sampling = Sampling(max_tokens=16)
    groups = list(chat_in_groups(vllm_engine, conversations, sampling))
    assert groups == [list(enumerate(vllm_engine.chat(conversations, sampling)))]
