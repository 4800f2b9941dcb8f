"""The judge phase of a safety run, after the target model is released.

Generation (harness/scoring/refusal.py) already applied the rule refusal judge and the keyword
check. Here the model judge, when the policy uses it, is loaded in the freed memory and reads every
item its chains need (every item when it judges refusal, the generated-content items when it judges
content only); each item is then combined again under the policy. And every judge the run used is
measured on the labelled sets the project ships, so each verdict is reported next to how far its
judges can be trusted.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from benchmarks.catalog import RefusalSuite, repo_path
from harness.crash import crash_point
from harness.engines import Engine, EngineSettings, load_engine
from foundation.errors import InputError, Problem
from harness.profiles import JudgeModelConfig
from harness.scoring.judges.model import ModelJudge
from harness.scoring.judges.registry import CLASSIFIER_REFUSAL, KEYWORD, MODEL, MODEL_REFUSAL
from harness.scoring.judges.validity import DEFAULT_KEYWORDS, Validity, decider, shipped_validity
from harness.scoring.judging import Policy, combine

BATCH_ITEMS = 64


@dataclass
class SafetyRecords:
    """One safety suite's records, judged in place under its policy."""

    spec: RefusalSuite
    records: list[dict]
    policy: Policy


def judge_model_path(config: JudgeModelConfig) -> Path:
    """The judge checkpoint, checked before the run starts (relative paths: from the repository root)."""
    path = repo_path(config.path)
    if not (path / "config.json").is_file():
        raise InputError([Problem(str(path), "judge_model.path", "no Hugging Face-format checkpoint (config.json) there", "point judge_model.path at a guard or instruction model directory")])
    return path


def load_model_judge(config: JudgeModelConfig, controversial: str, seed: int) -> ModelJudge:
    settings = EngineSettings(dtype=config.dtype, max_model_len=config.max_model_len, seed=seed)
    engine: Engine = load_engine(config.engine, judge_model_path(config), settings)
    return ModelJudge(engine, config.kind, controversial=controversial, max_tokens=config.max_tokens, max_model_len=config.max_model_len)  # type: ignore[arg-type]


def _apply_model(judge: ModelJudge, s: SafetyRecords, progress: bool) -> None:
    asked = [r for r in s.records if MODEL in s.policy.refusal or r["bank"] == "generated"]
    with tqdm(total=len(asked), desc=f"model judge ({s.spec.name})", unit="item", disable=not progress) as bar:
        for start in range(0, len(asked), BATCH_ITEMS):
            batch = asked[start : start + BATCH_ITEMS]
            for record, decision in zip(batch, judge.judge_many([(r["prompt"], r["response"]) for r in batch]), strict=True):
                if MODEL in s.policy.refusal:
                    record["refusal_by"][MODEL] = decision.refusal.as_record()
                if MODEL in s.policy.content and record["bank"] == "generated":
                    record["content"][MODEL] = decision.content.as_record()
                combine(record, s.policy)
            bar.update(len(batch))


def _keywords(spec: RefusalSuite) -> Path:
    return repo_path(spec.data.keywords) if spec.data.keywords else DEFAULT_KEYWORDS


def judge_safety(
    suites: Sequence[SafetyRecords], judge_model: JudgeModelConfig | None, seed: int, *, progress: bool = True
) -> dict[str, dict[str, Validity]]:
    """Apply the model judge (where a policy uses it) to each suite's records, in place; return each
    suite's judges with their validity on the shipped labelled sets: suite -> judge -> Validity."""
    validity: dict[str, dict[str, Validity]] = {}
    for s in suites:
        crash_point("judging")
        validity[s.spec.name] = {s.spec.judge: shipped_validity(s.spec.judge, decider(s.spec.judge))}
        if CLASSIFIER_REFUSAL in s.policy.refusal:
            validity[s.spec.name][CLASSIFIER_REFUSAL] = shipped_validity(CLASSIFIER_REFUSAL, decider(CLASSIFIER_REFUSAL))
        if s.spec.data.generated and KEYWORD in s.policy.content:
            validity[s.spec.name][KEYWORD] = shipped_validity(KEYWORD, decider(KEYWORD, keywords=_keywords(s.spec)))
    with_model = [s for s in suites if s.policy.uses_model]
    if judge_model is None or not with_model:
        return validity
    judge = load_model_judge(judge_model, with_model[0].policy.controversial, seed)
    try:
        measured: dict[str, Validity] = {}
        for s in with_model:
            _apply_model(judge, s, progress)
            for name, used in ((MODEL, MODEL in s.policy.content), (MODEL_REFUSAL, MODEL in s.policy.refusal)):
                if used:
                    measured.setdefault(name, shipped_validity(name, decider(name, model_judge=judge)))
                    validity[s.spec.name][name] = measured[name]
    finally:
        judge.engine.close()
    return validity
