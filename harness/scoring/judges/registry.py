"""Every judge by name, in one place: a profile's `judging` chains (harness/profiles.py), the
combining policy and its plan-time checks (harness/scoring/judging.py), `harness judge`, the labelled
sets each judge is measured on (validity.py) and the judges' own `name` read the names from here.

A judge has a profile name, what it is (`rule`), and a record name, what its decisions are filed
under in item records and metrics (`rule-refusal`). The model judge gives a content and a refusal
decision from one answer; measured alone, its refusal decision is `model-refusal`.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from harness.scoring.judges.content import ContentDecision
    from harness.scoring.judges.refusal import RefusalDecision

Decision = Literal["refusal", "content"]


class RefusalJudge(Protocol):
    """A judge of whether an answer refused, without a model engine (rule, classifier)."""

    name: str  # its record name

    def judge(self, prompt: str, response: str) -> "RefusalDecision": ...


class ContentJudge(Protocol):
    """A judge of whether generated content is unsafe, without a model engine (keyword)."""

    name: str  # its record name

    def judge(self, prompt: str, response: str) -> "ContentDecision": ...


@dataclass(frozen=True)
class JudgeSpec:
    name: str  # in a profile's judging chains
    record: str  # in item records, metrics and `harness judge`
    decides: tuple[Decision, ...]
    engine: bool  # needs a loaded judge model (the profile's judge_model)
    machine: bool = True  # human review is no machine judge: it takes what the machines leave


RULE, CLASSIFIER, KEYWORD, MODEL, HUMAN = "rule", "classifier", "keyword", "model", "human"
RULE_REFUSAL, CLASSIFIER_REFUSAL, MODEL_REFUSAL = "rule-refusal", "classifier-refusal", "model-refusal"

JUDGES: dict[str, JudgeSpec] = {
    j.name: j
    for j in (
        JudgeSpec(RULE, RULE_REFUSAL, ("refusal",), engine=False),
        JudgeSpec(CLASSIFIER, CLASSIFIER_REFUSAL, ("refusal",), engine=False),  # trained on the refusal set's dev half
        JudgeSpec(KEYWORD, KEYWORD, ("content",), engine=False),
        JudgeSpec(MODEL, MODEL, ("content", "refusal"), engine=True),
        JudgeSpec(HUMAN, HUMAN, ("refusal", "content"), engine=False, machine=False),
    )
}
# What `harness judge` takes: one machine judge by its record name, or a chain of the refusal judges
# that need no engine ("rule-refusal,classifier-refusal": the first that decides).
MACHINE_JUDGES = tuple(spec.record for spec in JUDGES.values() if spec.machine)
CHAINABLE = tuple(spec.record for spec in JUDGES.values() if spec.machine and not spec.engine and "refusal" in spec.decides)


def judges_deciding(decision: Decision) -> tuple[str, ...]:
    """Profile names of the judges a `judging.<decision>` chain may name, in registry order."""
    return tuple(name for name, spec in JUDGES.items() if decision in spec.decides)


def measured_names() -> tuple[str, ...]:
    """What `harness judge` measures on labelled lines: each machine judge's record name, and the
    model judge's refusal decision on its own."""
    return (*(spec.record for spec in JUDGES.values() if spec.machine), MODEL_REFUSAL)


def measured_decision(measured: str) -> Decision:
    """Which decision a measured name is: the labelled field it is compared with follows from it."""
    if measured == MODEL_REFUSAL:
        return "refusal"
    return next(spec.decides[0] for spec in JUDGES.values() if spec.record == measured)


def refusal_judge(record: str) -> RefusalJudge:
    """A refusal judge that needs no engine, by record name (a safety suite's `judge`, a chain's link)."""
    if record == RULE_REFUSAL:
        from harness.scoring.judges.refusal import RuleRefusalJudge

        return RuleRefusalJudge()
    if record == CLASSIFIER_REFUSAL:
        from harness.scoring.judges.refusal_classifier import ClassifierRefusalJudge

        return ClassifierRefusalJudge()
    raise KeyError(f"{record!r} is not a refusal judge that runs without an engine")
