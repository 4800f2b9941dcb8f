"""Refusal suites: generate an answer to each prompt, then let the suite's judge decide."""

from collections.abc import Sequence

from tqdm import tqdm

from harness.engines import Engine, Sampling
from harness.plan import RefusalItem
from harness.scoring.judges.refusal import RuleRefusalJudge
from harness.store import ItemWriter

BATCH_ITEMS = 16
JUDGES = {RuleRefusalJudge.name: RuleRefusalJudge}


def score_refusal(
    engine: Engine, items: Sequence[RefusalItem], judge_name: str, sampling: Sampling, writer: ItemWriter, *, progress: bool = True
) -> list[dict]:
    judge = JUDGES[judge_name]()
    records = []
    with tqdm(total=len(items), desc="safety generation", unit="item", disable=not progress) as bar:
        for start in range(0, len(items), BATCH_ITEMS):
            batch = items[start : start + BATCH_ITEMS]
            responses = engine.chat([[{"role": "user", "content": item.prompt}] for item in batch], sampling)
            for item, response in zip(batch, responses, strict=True):
                decision = judge.judge(item.prompt, response)
                record = {
                    "id": item.id,
                    "bank": item.bank,
                    "label": item.label,
                    "prompt": item.prompt,
                    "response": response,
                    "refused": decision.refused,
                    "non_answer": decision.non_answer,
                    "judge": judge.name,
                    "judge_reason": decision.reason,
                }
                writer.write(record)
                records.append(record)
            bar.update(len(batch))
    return records
