"""Multiple choice with the model's chat template: our contexts against the ones lm-eval itself builds
with `--apply_chat_template` (with and without `--fewshot_as_multiturn`), and the fast path against
lm-eval's path and the log-likelihood path on the demo suite, on the tiny demo checkpoint (ChatML)."""

import json
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from benchmarks.mcq.prompt import apply_chat_template
from harness.cli import main
from harness.engines import Engine
from foundation.errors import InputError
from harness.evidence import names
from harness.plan import PlannedSuite, plan
from harness.profiles import Profile, SuiteRun
from harness.scoring.multiple_choice import fast_prompts, score_mcq, score_mcq_fast
from harness.store import ItemWriter

SUITE = "zh_mcq_sample"


def _planned(checkpoint: Path, num_fewshot: int, multiturn: bool = True) -> PlannedSuite:
    run = SuiteRun(suite=SUITE, num_fewshot=num_fewshot, scorer="fast", chat_template=True, fewshot_as_multiturn=multiturn)
    return plan(Profile(name="t", suites=[run]), checkpoint=checkpoint)[0]


@pytest.mark.engine
@pytest.mark.parametrize(("num_fewshot", "multiturn"), [(0, True), (3, True), (3, False)])
def test_chat_contexts_are_byte_identical_to_lm_evals(vllm_engine, demo_checkpoints, num_fewshot: int, multiturn: bool) -> None:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    from harness.scoring.lm_eval_bridge import EngineLM, write_mcq_tasks

    suite = _planned(demo_checkpoints["zh-tiny-tuned"], num_fewshot, multiturn)
    ours = {item.id: item for item in suite.items}
    subjects = {k: v[0] for k, v in suite.subjects.items()}
    with tempfile.TemporaryDirectory() as tmp:
        tasks = write_mcq_tasks(Path(tmp), SUITE, Path(suite.data_source), subjects)
        output = simple_evaluate(
            model=EngineLM(vllm_engine), tasks=tasks, num_fewshot=num_fewshot, limit=3, task_manager=TaskManager(include_path=tmp),
            log_samples=True, bootstrap_iters=0, apply_chat_template=True, fewshot_as_multiturn=multiturn,
        )
    compared = 0
    for task, samples in output["samples"].items():
        key = task.removeprefix(f"harness_{SUITE}_")
        for sample in samples:
            item = ours[f"{key}/{sample['doc_id']}"]
            # Every request: our context, byte for byte, and the bare letter (no target delimiter).
            assert [tuple(arg) for arg in sample["arguments"]] == [(item.context, letter) for letter in "ABCD"]
            compared += 1
    assert compared == 3 * len(subjects)
    first = next(iter(ours.values())).context
    assert first.startswith("<|im_start|>system\n以下是关于") and first.endswith("答案：<|im_end|>\n<|im_start|>assistant\n")
    assert first.count("<|im_start|>assistant\n") == (num_fewshot + 1 if multiturn else 1)


def test_a_template_without_a_system_role_drops_the_description_as_lm_eval_does(demo_checkpoints) -> None:
    from transformers import AutoTokenizer

    from harness.scoring.lm_eval_bridge import HFLM

    tokenizer = AutoTokenizer.from_pretrained(demo_checkpoints["zh-tiny-tuned"])
    tokenizer.chat_template = (
        "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
        "[{{ m['role'] }}]{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}"
    )
    messages = [{"role": "system", "content": "说明\n\n"}, {"role": "user", "content": "问题"}]
    theirs = HFLM.apply_chat_template(SimpleNamespace(tokenizer=tokenizer, chat_template_args={}), messages)
    assert apply_chat_template(tokenizer, messages) == theirs == "[user]问题[assistant]"


def test_a_checkpoint_without_a_chat_template_stops_the_plan(demo_checkpoints, tmp_path: Path) -> None:
    checkpoint = tmp_path / "no-template"
    checkpoint.mkdir()
    for f in demo_checkpoints["zh-tiny-tuned"].iterdir():
        if f.name.startswith("tokenizer") or f.name in ("vocab.json", "merges.txt", "special_tokens_map.json"):
            (checkpoint / f.name).write_bytes(f.read_bytes())
    config = json.loads((checkpoint / "tokenizer_config.json").read_text(encoding="utf-8"))
    config.pop("chat_template", None)
    (checkpoint / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    (checkpoint / "chat_template.jinja").unlink(missing_ok=True)
    with pytest.raises(InputError, match="chat_template"):
        _planned(checkpoint, 0)
    with pytest.raises(InputError, match="only multiple-choice"):
        plan(Profile(name="t", suites=[SuiteRun(suite="safety_sample", chat_template=True)]), checkpoint=checkpoint)


class _Tokenizer:
    """A stand-in tokenizer, token ids by table: the boundary cases below (an option merging into the
    context, options of unequal length) come from tokenizers other than the demo model's, and none can
    be downloaded here. Real tokenizers on real contexts: tests/test_mcq_fast.py."""

    def __init__(self, table: dict[str, list[int]]) -> None:
        self.table = table

    def __call__(self, texts: list[str], add_special_tokens: bool = False) -> dict[str, list[list[int]]]:
        return {"input_ids": [self.table[t] for t in texts]}


@pytest.mark.parametrize(
    ("wholes", "expected"),
    [
        ({"A": [1, 9, 10], "B": [1, 9, 11], "C": [1, 9, 12], "D": [1, 9, 13]}, ([1, 9], [10, 11, 12, 13])),  # "\n" shared, then the letter
        ({"A": [1, 10], "B": [1, 11], "C": [1, 12], "D": [1, 13]}, ([1], [10, 11, 12, 13])),  # the letter right after the context
        ({"A": [20], "B": [21], "C": [22], "D": [23]}, None),  # each option merges with the context: no continuation token
        ({"A": [1, 9, 10], "B": [1, 14, 11], "C": [1, 9, 12], "D": [1, 9, 13]}, None),  # the options differ before their last token
        ({"A": [1, 9, 10], "B": [1, 11], "C": [1, 9, 12], "D": [1, 9, 13]}, None),  # not the same length
    ],
)
def test_the_fast_path_takes_exactly_the_items_whose_options_differ_in_their_last_token(wholes: dict[str, list[int]], expected) -> None:
    from harness.plan import McqItem

    item = McqItem("s/0", "s", "c", "问题：\n", "A", target_delimiter="")
    engine = SimpleNamespace(tokenizer=_Tokenizer({"问题：": [1], **{"问题：\n" + letter: ids for letter, ids in wholes.items()}}))
    assert fast_prompts(engine, [item]) == [expected]  # type: ignore[arg-type]


def _by_id(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records}


@pytest.mark.engine
def test_fast_path_agrees_with_lm_eval_and_log_likelihoods_under_the_chat_template(vllm_engine, demo_checkpoints, tmp_path: Path) -> None:
    from harness.scoring.lm_eval_bridge import score_mcq_with_lm_eval

    suite = _planned(demo_checkpoints["zh-tiny-tuned"], num_fewshot=5)
    with ItemWriter(tmp_path / "items.jsonl") as writer:
        fast = _by_id(score_mcq_fast(vllm_engine, suite.items, writer, progress=False))
        full = _by_id(score_mcq(vllm_engine, suite.items, writer, progress=False))
        theirs = _by_id(score_mcq_with_lm_eval(
            vllm_engine, SUITE, Path(suite.data_source), suite.subjects, suite.items, 5, writer, chat_template=True, fewshot_as_multiturn=True
        ))
    assert fast.keys() == full.keys() == theirs.keys() and len(fast) == len(suite.items) >= 100
    # ChatML ends the prompt with "assistant\n": lm-eval scores "\n" + letter, the "\n" shared by every
    # option, so every item qualifies for the fast path; the tiny model, trained to chat mostly in
    # refusals, has no option in its top 20 on most items, and those take the log-likelihood path.
    assert all(p is not None for p in fast_prompts(vllm_engine, suite.items))
    assert sum(r["path"] == "fast" for r in fast.values()) >= 10
    assert [i for i in fast if fast[i]["prediction"] != theirs[i]["prediction"]] == []
    for item_id, record in full.items():
        assert record["logprobs"] == pytest.approx(theirs[item_id]["logprobs"], abs=1e-6), item_id
    # The fast path's logprobs are lm-eval's minus the shared "\n" term: equal differences between options.
    for item_id, record in fast.items():
        scored = [i for i, lp in enumerate(record["logprobs"]) if lp is not None]
        shift = {record["logprobs"][i] - theirs[item_id]["logprobs"][i] for i in scored}
        assert max(shift) - min(shift) < 1e-3, item_id
    accuracy = sum(r["correct"] for r in fast.values()) / len(fast)
    assert 0.0 < accuracy < 1.0


class _Borrowed:
    """The session engine lent to a run, which closes what it loads: closing it is a no-op."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> object:
        return getattr(self._engine, name)

    def close(self) -> None:
        pass


@pytest.mark.engine
def test_the_run_records_the_prompt_format(store, vllm_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import harness.evaluate

    monkeypatch.setattr(harness.evaluate, "load_engine", lambda name, checkpoint, settings: _Borrowed(vllm_engine))
    profile = tmp_path / "chat.yaml"
    profile.write_text(yaml.safe_dump({
        "name": "chat-mcq",
        "engine": {"dtype": "float32", "max_model_len": 1024},
        "suites": [{"suite": SUITE, "num_fewshot": 2, "scorer": "fast", "chat_template": True, "fewshot_as_multiturn": False}],
    }), encoding="utf-8")
    assert main(["run", str(profile), "--model", "zh-tiny-tuned", "--limit", "12", "--tracking-uri", store.uri, "--json"]) == 0
    run = store.client.get_run(json.loads(capsys.readouterr().out)["run_id"])
    assert run.data.params[names.suite_param(SUITE, "chat_template")] == "true"
    assert run.data.params[names.suite_param(SUITE, "fewshot_as_multiturn")] == "false"
    assert run.data.metrics[f"{SUITE}/n"] == 12 and f"{SUITE}/fast_path_rate" in run.data.metrics
