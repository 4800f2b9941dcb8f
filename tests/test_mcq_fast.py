"""The fast multiple-choice path against lm-eval's, and across engines, on project-written copies of
CMMLU and C-Eval in their exact release layouts (every subject, five-shot).

Few engine calls on purpose: they share the session's vLLM and transformers engines."""

import json
from pathlib import Path

import pytest

from benchmarks.mcq.synthetic import write_layout
from harness.cli import main
from harness.engines import Engine
from foundation.paths import REPO_ROOT
from harness.plan import McqItem, PlannedSuite, plan
from harness.profiles import Profile, SuiteRun
from harness.scoring.lm_eval_bridge import score_mcq_with_lm_eval
from harness.scoring.multiple_choice import score_mcq, score_mcq_fast
from harness.store import ItemWriter

pytestmark = pytest.mark.engine
MCQ_DIR = REPO_ROOT / "benchmarks" / "mcq"


@pytest.fixture(scope="module")
def suites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PlannedSuite]:
    root = tmp_path_factory.mktemp("mcq-layouts")
    write_layout("cmmlu-csv", root / "cmmlu", MCQ_DIR / "cmmlu_subjects.yaml", per_subject=3, seed=1)
    write_layout("ceval-csv", root / "ceval", MCQ_DIR / "ceval_subjects.yaml", per_subject=2, seed=2)
    profile = Profile(name="t", suites=[SuiteRun(suite=s, num_fewshot=5, scorer="fast") for s in ("cmmlu", "ceval")])
    return {s.spec.name: s for s in plan(profile, data={"cmmlu": root / "cmmlu", "ceval": root / "ceval"})}


def _by_id(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records}


@pytest.mark.parametrize("name", ["cmmlu", "ceval"])
def test_fast_path_gives_lm_evals_answers(vllm_engine, suites: dict[str, PlannedSuite], tmp_path: Path, name: str) -> None:
    suite = suites[name]
    with ItemWriter(tmp_path / "items.jsonl") as writer:
        fast = _by_id(score_mcq_fast(vllm_engine, suite.items, writer, progress=False))
        theirs = _by_id(score_mcq_with_lm_eval(
            vllm_engine, name, Path(suite.data_source), suite.subjects, suite.items, 5, writer, suite.spec.data.layout  # type: ignore[union-attr]
        ))
    assert fast.keys() == theirs.keys() and len(fast) == len(suite.items) >= 100
    assert all(r["path"] == "fast" for r in fast.values())
    agreeing = sum(fast[i]["prediction"] == theirs[i]["prediction"] for i in fast)
    assert agreeing / len(fast) >= 0.995
    # The same numbers, not only the same argmax: lm-eval built byte-identical contexts.
    for item_id, record in fast.items():
        for ours, lm_eval in zip(record["logprobs"], theirs[item_id]["logprobs"], strict=True):
            assert ours is None or ours == pytest.approx(lm_eval, abs=1e-4), item_id


def test_vllm_and_transformers_fast_paths_agree(vllm_engine, hf_engine, suites: dict[str, PlannedSuite], tmp_path: Path) -> None:
    items = suites["cmmlu"].items
    with ItemWriter(tmp_path / "items.jsonl") as writer:
        from_vllm = _by_id(score_mcq_fast(vllm_engine, items, writer, progress=False))
        from_hf = _by_id(score_mcq_fast(hf_engine, items, writer, progress=False))
    assert [i for i in from_vllm if from_vllm[i]["prediction"] != from_hf[i]["prediction"]] == []
    accuracy = sum(r["correct"] for r in from_vllm.values()) / len(from_vllm)
    assert 0.0 < accuracy < 1.0


def test_whitespace_the_options_share_keeps_the_fast_path_and_lm_evals_argmax(vllm_engine, suites: dict[str, PlannedSuite], tmp_path: Path) -> None:
    original = suites["cmmlu"].items[0]
    # Trailing whitespace moves onto the continuation on lm-eval's split: every option then starts with
    # the same " " token and differs only in its last one (what a chat template's "assistant\n" does).
    # Items that do not split this way fall back: tests/test_mcq_chat_template.py.
    spaced = McqItem("spaced/0", original.subject, original.category, original.context + " ", original.answer)
    with ItemWriter(tmp_path / "items.jsonl") as writer:
        fast = score_mcq_fast(vllm_engine, [original, spaced], writer, progress=False)
        reference = score_mcq(vllm_engine, [spaced], writer, progress=False)
    assert [r["path"] for r in fast] == ["fast", "fast"]
    assert fast[1]["prediction"] == reference[0]["prediction"]
    # lm-eval's log-likelihoods less the shared " " term: the same shift for every option.
    shift = [ours - theirs for ours, theirs in zip(fast[1]["logprobs"], reference[0]["logprobs"], strict=True) if ours is not None]
    assert max(shift) - min(shift) < 1e-3


class _Borrowed:
    """A session engine lent to code that closes what it loads: closing it is a no-op."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> object:
        return getattr(self._engine, name)

    def close(self) -> None:
        pass


def test_crosscheck_command_reports_per_item_agreement(
    store, vllm_engine, hf_engine, suites: dict[str, PlannedSuite], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import harness.crosscheck

    engines = {"vllm": vllm_engine, "hf": hf_engine}
    monkeypatch.setattr(harness.crosscheck, "load_engine", lambda name, checkpoint, settings: _Borrowed(engines[name]))
    data = [f"--data={name}={suite.data_source}" for name, suite in suites.items()]
    code = main(["crosscheck", "zh-general", "--model", "zh-tiny-tuned", "--limit", "20", "--tracking-uri", store.uri, "--json", *data])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    pairs = {(r["suite"], r["left"], r["right"]) for r in report}
    assert ("cmmlu", "vllm:fast", "vllm:lm-eval") in pairs and ("ceval", "vllm:fast", "hf:fast") in pairs and len(report) == 2 * 4
    assert all(r["n"] == 20 and r["rate"] >= 0.95 for r in report)


def _tokenized_whole(tokenizer, items: list[McqItem]) -> list[tuple[list[int], list[list[int]]]]:
    """lm-eval's split the slow way: every string tokenized in full."""
    out = []
    for item in items:
        head = tokenizer(item.context.rstrip(), add_special_tokens=False)["input_ids"]
        options = [tokenizer(item.context + item.target_delimiter + c, add_special_tokens=False)["input_ids"] for c in "ABCD"]
        out.append((head, options))
    return out


def _bpe_without_pretokenizer(texts: list[str]):
    """A byte-fallback-free BPE over whole strings (no pre-tokenizer, so merges may cross any
    boundary): the case where tokenizing a context's last line alone can differ from the whole."""
    from tokenizers import Tokenizer, models, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE(unk_token="[UNK]"))
    backend.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=2000, special_tokens=["[UNK]"], show_progress=False))
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]")


def test_tokenizing_only_the_last_line_again_gives_lm_evals_ids(vllm_engine, demo_checkpoints, suites: dict[str, PlannedSuite]) -> None:
    from types import SimpleNamespace

    from harness.scoring.multiple_choice import _split_ids

    chat = Profile(name="t", suites=[SuiteRun(suite="zh_mcq_sample", num_fewshot=3, chat_template=True)])
    chat_items = plan(chat, checkpoint=demo_checkpoints["zh-tiny-tuned"])[0].items[:60]
    assert chat_items[0].context.endswith("assistant\n")
    items = suites["cmmlu"].items[:120] + suites["ceval"].items[:60] + chat_items
    # The demo tokenizer (Qwen2's pre-tokenizer rules) splits at every last line; the BPE without a
    # pre-tokenizer merges across lines, fails the check and takes the slow way: both must be exact.
    for tokenizer, calls_expected in ((vllm_engine.tokenizer, 1), (_bpe_without_pretokenizer([i.context for i in items[::3]]), 2)):
        calls: list[int] = []
        counting = lambda texts, calls=calls, tokenizer=tokenizer, **kwargs: calls.append(len(texts)) or tokenizer(texts, **kwargs)  # noqa: E731
        assert _split_ids(SimpleNamespace(tokenizer=counting), items) == _tokenized_whole(tokenizer, items)  # type: ignore[arg-type]
        assert len(calls) == calls_expected
