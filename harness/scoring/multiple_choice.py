"""Multiple choice through our engine, two ways that must give lm-eval's `acc` item by item.

- `score_mcq`: the log-likelihood of each option's continuation (" A".." D") after the context,
  on lm-eval's tokenization split: four scored requests per item.
- `score_mcq_fast`: one request per item for the top-k next tokens after the context. When every
  option's continuation is exactly one token after the context (lm-eval's split), its log-likelihood
  is that token's next-token logprob, so the argmax over the options present in the top k is
  lm-eval's argmax; options outside the top k are less likely than all of them. Items where an
  option is not one token, or no option is in the top k, go through `score_mcq` instead.
"""

from collections.abc import Iterator, Sequence
from typing import TypeVar

from tqdm import tqdm

from benchmarks.mcq.prompt import CHOICES, continuation
from harness.engines import Engine
from harness.plan import McqItem
from harness.store import ItemWriter

BATCH_ITEMS = 64
# vLLM's default cap on returned logprobs (max_logprobs) is 20.
FAST_TOP_K = 20
# Large batches let vLLM schedule freely; items stay in subject order, so each batch shares few-shot
# prefixes that prefix caching computes once.
FAST_BATCH_ITEMS = 1024

T = TypeVar("T")


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record(item: McqItem, logprobs: Sequence[float | None], path: str) -> dict:
    scored = [i for i, lp in enumerate(logprobs) if lp is not None]
    prediction = CHOICES[max(scored, key=lambda i: logprobs[i])]  # type: ignore[arg-type,return-value]
    return {
        "id": item.id,
        "subject": item.subject,
        "category": item.category,
        "groups": list(item.groups),
        "rotation": item.rotation,
        "answer": item.answer,
        "prediction": prediction,
        "correct": prediction == item.answer,
        "logprobs": list(logprobs),
        "path": path,
    }


def score_mcq(engine: Engine, items: Sequence[McqItem], writer: ItemWriter, *, progress: bool = True) -> list[dict]:
    records = []
    with tqdm(total=len(items), desc="multiple choice", unit="item", disable=not progress) as bar:
        for batch in _batches(items, BATCH_ITEMS):
            requests = [(item.context, continuation(letter)) for item in batch for letter in CHOICES]
            results = engine.loglikelihood(requests)
            for offset, item in enumerate(batch):
                logprobs = [r.logprob for r in results[offset * len(CHOICES) : (offset + 1) * len(CHOICES)]]
                record = _record(item, logprobs, "loglikelihood")
                writer.write(record)
                records.append(record)
            bar.update(len(batch))
    return records


def fast_prompts(engine: Engine, items: Sequence[McqItem]) -> list[tuple[list[int], list[int]] | None]:
    """Per item: the context's token ids and each option's single token, or None when some
    option's continuation is not exactly one token after the context on lm-eval's split."""
    texts = [item.context for item in items] + [item.context + continuation(c) for item in items for c in CHOICES]
    encoded = engine.tokenizer(texts, add_special_tokens=False)["input_ids"]
    contexts, wholes = encoded[: len(items)], encoded[len(items) :]
    out: list[tuple[list[int], list[int]] | None] = []
    for index, (item, context) in enumerate(zip(items, contexts, strict=True)):
        # lm-eval moves trailing whitespace of the context onto the continuation; such a split is
        # not "context, then one token", so those items take the log-likelihood path.
        options = wholes[index * len(CHOICES) : (index + 1) * len(CHOICES)]
        single = not item.context[-1:].isspace() and all(len(w) == len(context) + 1 and w[: len(context)] == context for w in options)
        out.append((context, [w[-1] for w in options]) if single else None)
    return out


def score_mcq_fast(engine: Engine, items: Sequence[McqItem], writer: ItemWriter, *, progress: bool = True) -> list[dict]:
    """Records in the order of `items`; `path` says which path scored each one."""
    by_id: dict[str, dict] = {}
    fallback: list[McqItem] = []
    with tqdm(total=len(items), desc="multiple choice (fast)", unit="item", disable=not progress) as bar:
        for batch in _batches(items, FAST_BATCH_ITEMS):
            prepared = fast_prompts(engine, batch)
            ready = [(item, p) for item, p in zip(batch, prepared, strict=True) if p is not None]
            tops = engine.next_token_logprobs([p[0] for _, p in ready], FAST_TOP_K)
            for (item, (_, option_tokens)), top in zip(ready, tops, strict=True):
                logprobs = [top.get(token) for token in option_tokens]
                if all(lp is None for lp in logprobs):
                    fallback.append(item)
                    continue
                record = _record(item, logprobs, "fast")
                writer.write(record)
                by_id[item.id] = record
            fallback += [item for item, p in zip(batch, prepared, strict=True) if p is None]
            bar.update(len(batch))
    for record in score_mcq(engine, fallback, writer, progress=False):
        by_id[record["id"]] = record
    return [by_id[item.id] for item in items]
