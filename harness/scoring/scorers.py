"""Every multiple-choice scoring path by name, in one place: a profile's `scorer:` (harness/profiles.py),
`harness crosscheck --scorers`, the plan's checks and the run read the names from here.

- `harness`: the log-likelihood of each option's continuation, four requests per question;
- `fast`: one request for the top next-token logprobs, the argmax over the option tokens (items it
  cannot decide go through `harness`);
- `lm-eval`: lm-eval's own task machinery driven through the loaded engine.

The official scorers of public sector benchmarks are modules, registered in harness/scoring/official/.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args

if TYPE_CHECKING:
    from harness.engines import Engine
    from harness.plan import McqItem, PlannedSuite
    from harness.store import ItemWriter

McqScorerName = Literal["harness", "fast", "lm-eval"]
MCQ_SCORERS: tuple[McqScorerName, ...] = get_args(McqScorerName)
HARNESS, FAST, LM_EVAL = MCQ_SCORERS


class McqScorer(Protocol):
    """A scoring path: a planned multiple-choice suite's items through the loaded engine, each record
    written as soon as it exists; returns the records."""

    def __call__(self, engine: "Engine", suite: "PlannedSuite", writer: "ItemWriter", progress: bool) -> list[dict[str, Any]]: ...


def _questions(suite: "PlannedSuite") -> list["McqItem"]:
    from harness.plan import McqItem

    assert all(isinstance(item, McqItem) for item in suite.items)  # a multiple-choice suite plans questions only
    return cast(list[McqItem], suite.items)


def _harness(engine: "Engine", suite: "PlannedSuite", writer: "ItemWriter", progress: bool) -> list[dict[str, Any]]:
    from harness.scoring.multiple_choice import score_mcq

    return score_mcq(engine, _questions(suite), writer, progress=progress)


def _fast(engine: "Engine", suite: "PlannedSuite", writer: "ItemWriter", progress: bool) -> list[dict[str, Any]]:
    from harness.scoring.multiple_choice import score_mcq_fast

    return score_mcq_fast(engine, _questions(suite), writer, progress=progress)


def _lm_eval(engine: "Engine", suite: "PlannedSuite", writer: "ItemWriter", progress: bool) -> list[dict[str, Any]]:
    from benchmarks.catalog import MultipleChoiceSuite
    from benchmarks.mcq.sources import pinned_revision
    from harness.scoring.lm_eval_bridge import score_mcq_with_lm_eval

    spec = suite.spec
    assert isinstance(spec, MultipleChoiceSuite)
    layout = spec.data.layout
    assert layout == "cmmlu-csv" or layout == "ceval-csv"  # the plan refuses lm-eval for the other layouts
    local = suite.data_revision == "local"
    return score_mcq_with_lm_eval(
        engine, spec.name, Path(suite.data_source) if local else None, suite.subjects, _questions(suite), suite.settings.num_fewshot, writer,
        layout, None if local or spec.data.hub is None else (spec.data.hub, pinned_revision(suite.data_revision)),
        suite.settings.chat_template, suite.settings.fewshot_as_multiturn,
    )


SCORING_PATHS: dict[McqScorerName, McqScorer] = {HARNESS: _harness, FAST: _fast, LM_EVAL: _lm_eval}


def score_multiple_choice(engine: "Engine", suite: "PlannedSuite", scorer: McqScorerName, writer: "ItemWriter", progress: bool) -> list[dict[str, Any]]:
    """A multiple-choice suite's items through one scoring path."""
    return SCORING_PATHS[scorer](engine, suite, writer, progress)
