"""The judge phase of a safety run, after the target model is released.

Generation (harness/scoring/refusal.py) already applied the rule refusal judge and the keyword
check. Here the classifier judge, when the profile names one, is loaded in the freed memory and
decides every generated-content answer the model did not refuse; and every judge the run used is
measured on the labelled sets the project ships, so each verdict is reported next to how far its
judges can be trusted.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from benchmarks.catalog import RefusalSuite, repo_path
from harness.engines import Engine, EngineSettings, load_engine
from harness.errors import InputError, Problem
from harness.profiles import JudgeModelConfig
from harness.scoring.judges.content import ContentDecision, ModelJudge
from harness.scoring.judges.validity import DEFAULT_KEYWORDS, Validity, decider, shipped_validity
from harness.scoring.refusal import add_content_decisions

BATCH_ITEMS = 64


@dataclass
class SafetyRecords:
    """One safety suite's records, judged in place."""

    spec: RefusalSuite
    records: list[dict]


def judge_model_path(config: JudgeModelConfig) -> Path:
    """The judge checkpoint, checked before the run starts (relative paths: from the repository root)."""
    path = repo_path(config.path)
    if not (path / "config.json").is_file():
        raise InputError([Problem(str(path), "judge_model.path", "no Hugging Face-format checkpoint (config.json) there", "point judge_model.path at a guard or instruction model directory")])
    return path


def _judge_generated(judge: ModelJudge, records: list[dict], progress: bool) -> None:
    # Refusals and non-answers pass or fail whatever a classifier says (see refusal.py), so only
    # the answers are sent to it.
    answered = [r for r in records if r["bank"] == "generated" and not r["refused"]]
    for r in records:
        if r["bank"] == "generated" and r["refused"]:
            add_content_decisions(r, {judge.name: ContentDecision(False, (), "model:not-asked:refused")})
    with tqdm(total=len(answered), desc="model judge", unit="item", disable=not progress) as bar:
        for start in range(0, len(answered), BATCH_ITEMS):
            batch = answered[start : start + BATCH_ITEMS]
            for record, decision in zip(batch, judge.judge_many([(r["prompt"], r["response"]) for r in batch]), strict=True):
                add_content_decisions(record, {judge.name: decision})
            bar.update(len(batch))


def _keywords(spec: RefusalSuite) -> Path:
    return repo_path(spec.data.keywords) if spec.data.keywords else DEFAULT_KEYWORDS


def judge_safety(
    suites: Sequence[SafetyRecords], judge_model: JudgeModelConfig | None, seed: int, *, progress: bool = True
) -> dict[str, dict[str, Validity]]:
    """Apply the classifier judge (if any) to each suite's generated content, in place; return each
    suite's judges with their validity on the shipped labelled sets: suite -> judge -> Validity."""
    validity: dict[str, dict[str, Validity]] = {}
    for s in suites:
        validity[s.spec.name] = {s.spec.judge: shipped_validity(s.spec.judge, decider(s.spec.judge))}
        if s.spec.data.generated and "keyword" in s.spec.content_judges and s.spec.data.keywords:
            validity[s.spec.name]["keyword"] = shipped_validity("keyword", decider("keyword", keywords=_keywords(s.spec)))
    with_generated = [s for s in suites if s.spec.data.generated]
    if judge_model is None or not with_generated:
        return validity
    settings = EngineSettings(dtype=judge_model.dtype, max_model_len=judge_model.max_model_len, seed=seed)
    engine: Engine = load_engine(judge_model.engine, judge_model_path(judge_model), settings)
    try:
        judge = ModelJudge(engine, max_tokens=judge_model.max_tokens)
        model_validity = shipped_validity("model", decider("model", model_judge=judge))
        for s in with_generated:
            _judge_generated(judge, s.records, progress)
            validity[s.spec.name]["model"] = model_validity
    finally:
        engine.close()
    return validity
