"""Generation suites: each prompt sent through the loaded engine (the model's chat template, the
profile's sampling); short answers scored against their references at once
(harness/scoring/text_match.py), open questions left for the rubric judge, which runs after the
target model is released (`judge_open`)."""

from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from harness.engines import Engine, EngineSettings, Sampling, load_engine
from foundation.errors import InputError, Problem
from harness.generation_data import GenerationItem
from harness.profiles import RubricJudgeConfig
from harness.scoring.judges.rubric import RubricJudge, judge_records
from harness.scoring.text_match import scores
from harness.store import ItemWriter

BATCH_ITEMS = 64


def generation_record(item: GenerationItem, response: str) -> dict:
    record: dict = {"id": item.id, "type": "open" if item.open else "short", "subject": item.subject, "prompt": item.prompt, "response": response}
    if item.truncated:
        record["truncated"] = True
    if item.open:
        return record | {"rubric": item.rubric, "verdict": None, "judge_reason": "not judged yet"}
    return record | {"references": list(item.references)} | scores(response, item.references)


def score_generation(
    engine: Engine, items: Sequence[GenerationItem], sampling: Sampling, writer: ItemWriter, *, progress: bool = True
) -> list[dict]:
    records = []
    with tqdm(total=len(items), desc="generation", unit="item", disable=not progress) as bar:
        for start in range(0, len(items), BATCH_ITEMS):
            batch = items[start : start + BATCH_ITEMS]
            responses = engine.chat([[{"role": "user", "content": item.prompt}] for item in batch], sampling)
            for item, response in zip(batch, responses, strict=True):
                record = generation_record(item, response)
                writer.write(record)
                records.append(record)
            bar.update(len(batch))
    return records


def rubric_judge_path(config: RubricJudgeConfig) -> Path:
    """The judge checkpoint, checked before the run starts (relative paths: from the repository root)."""
    from benchmarks.catalog import repo_path

    path = repo_path(config.path)
    if not (path / "config.json").is_file():
        raise InputError([Problem(str(path), "rubric_judge.path", "no Hugging Face-format checkpoint (config.json) there", "point rubric_judge.path at an instruction model directory")])
    return path


def judge_open(records: Sequence[list[dict]], config: RubricJudgeConfig, seed: int, *, progress: bool = True) -> None:
    """Load the rubric judge in the memory the target model held and decide every open question of
    every suite's records, in place; the judge is released before this returns."""
    if not any("rubric" in r for suite in records for r in suite):
        return
    settings = EngineSettings(dtype=config.dtype, max_model_len=config.max_model_len, seed=seed)
    engine = load_engine(config.engine, rubric_judge_path(config), settings)
    try:
        judge = RubricJudge(engine, config.max_tokens)
        for suite in records:
            judge_records(judge, suite, progress=progress)
    finally:
        engine.close()
