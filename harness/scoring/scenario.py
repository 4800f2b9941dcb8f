"""A scenario set's items through the loaded engine (harness/scenarios.py): multiple choice on the
suite's scoring path (log-likelihoods, or the fast path), short answers and open questions
generated with the profile's sampling; every record carries its `type`."""

from harness.engines import Engine, Sampling
from harness.generation_data import GenerationItem
from harness.plan import McqItem, PlannedSuite
from harness.scoring.generation import score_generation
from harness.scoring.multiple_choice import score_mcq, score_mcq_fast
from harness.scoring.scorers import FAST
from harness.store import ItemWriter


def score_scenario(engine: Engine, suite: PlannedSuite, sampling: Sampling, writer: ItemWriter, *, progress: bool = True) -> list[dict]:
    """Records in the order of the planned items (the writer, harness.scenarios.ScenarioWriter,
    stamps multiple-choice records with their type as they are written)."""
    choices = [i for i in suite.items if isinstance(i, McqItem)]
    generation = [i for i in suite.items if isinstance(i, GenerationItem)]
    score = score_mcq_fast if suite.settings.scorer == FAST else score_mcq
    records = score(engine, choices, writer, progress=progress) if choices else []
    records += score_generation(engine, generation, sampling, writer, progress=progress)
    planned: list[McqItem | GenerationItem] = [i for i in suite.items if isinstance(i, McqItem | GenerationItem)]  # a scenario set plans nothing else
    order = {item.id: n for n, item in enumerate(planned)}
    return sorted(records, key=lambda r: order[r["id"]])
