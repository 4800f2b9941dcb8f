"""Multiple choice through our engine: the log-likelihood of each option letter after the context.

This is lm-eval's `acc` (argmax of the option log-likelihoods) computed without lm-eval, on the
same contexts and the same tokenization split, so the two paths must agree item by item.
"""

from collections.abc import Iterator, Sequence

from tqdm import tqdm

from benchmarks.mcq.prompt import CHOICES, continuation
from harness.engines import Engine
from harness.plan import McqItem
from harness.store import ItemWriter

BATCH_ITEMS = 64


def _batches(items: Sequence[McqItem], size: int) -> Iterator[Sequence[McqItem]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def score_mcq(engine: Engine, items: Sequence[McqItem], writer: ItemWriter, *, progress: bool = True) -> list[dict]:
    records = []
    with tqdm(total=len(items), desc="multiple choice", unit="item", disable=not progress) as bar:
        for batch in _batches(items, BATCH_ITEMS):
            requests = [(item.context, continuation(letter)) for item in batch for letter in CHOICES]
            results = engine.loglikelihood(requests)
            for offset, item in enumerate(batch):
                logprobs = [r.logprob for r in results[offset * len(CHOICES) : (offset + 1) * len(CHOICES)]]
                prediction = CHOICES[max(range(len(CHOICES)), key=logprobs.__getitem__)]
                record = {
                    "id": item.id,
                    "subject": item.subject,
                    "category": item.category,
                    "answer": item.answer,
                    "prediction": prediction,
                    "correct": prediction == item.answer,
                    "logprobs": logprobs,
                }
                writer.write(record)
                records.append(record)
            bar.update(len(batch))
    return records
