"""Multiple choice through our engine, two ways that must give lm-eval's `acc` item by item.

- `score_mcq`: the log-likelihood of each option's continuation (" A".." D") after the context,
  on lm-eval's tokenization split: four scored requests per item.
- `score_mcq_fast`: one request per item for the top-k next tokens. On lm-eval's split the model
  reads the tokens of context + continuation and the option's log-likelihood sums the continuation
  tokens' logprobs. When the four options' token sequences differ only in their last token, that
  sum is a term shared by all four (the tokens before the last, e.g. the newline closing a chat
  template's assistant header, which lm-eval moves onto the continuation) plus the last token's
  next-token logprob after the shared tokens: one request after the shared tokens gives lm-eval's
  argmax over the options present in the top k; options outside the top k are less likely than
  all of them. The recorded logprobs are the last token's, equal to lm-eval's when nothing is
  shared (plain prompts) and lm-eval's minus the shared term otherwise (chat prompts). Items where
  the options differ in more than their last token, or no option is in the top k, go through
  `score_mcq` instead.
"""

from collections.abc import Iterator, Sequence
from typing import TypeVar

from tqdm import tqdm

from benchmarks.mcq.prompt import CHOICES, continuation
from harness.engines import Engine
from harness.plan import McqItem
from harness.runlog import McqRecord
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


def _offered(item: McqItem, logprobs: Sequence[float | None]) -> list[float | None]:
    """The logprobs of the letters the question offers; None for the others (a two-option question
    is never answered C)."""
    return [lp if letter in item.choices else None for letter, lp in zip(CHOICES, logprobs, strict=True)]


def mcq_record(item: McqItem, logprobs: Sequence[float | None], path: str, *, correct: bool | None = None, prediction: str | None = None) -> dict:
    """An item's line (runlog.McqRecord), for every scoring path; lm-eval passes its own verdict."""
    if prediction is None:
        scored = [i for i, lp in enumerate(logprobs) if lp is not None]
        prediction = CHOICES[max(scored, key=lambda i: logprobs[i])]  # type: ignore[arg-type,return-value]
    return McqRecord(
        id=item.id, prompt_digest=item.prompt_digest, subject=item.subject, category=item.category, groups=list(item.groups),
        rotation=item.rotation, answer=item.answer, prediction=prediction, correct=prediction == item.answer if correct is None else correct,
        logprobs=list(logprobs), path=path, shots=item.shots,  # type: ignore[arg-type]
        choices=list(item.choices) if item.choices != CHOICES else None, truncated=True if item.truncated else None,
    ).line()


def score_mcq(engine: Engine, items: Sequence[McqItem], writer: ItemWriter, *, progress: bool = True) -> list[dict]:
    records = []
    with tqdm(total=len(items), desc="multiple choice", unit="item", disable=not progress) as bar:
        for batch in _batches(items, BATCH_ITEMS):
            requests = [(item.context, continuation(letter, item.target_delimiter)) for item in batch for letter in item.choices]
            results = iter(engine.loglikelihood(requests))
            for item in batch:
                scored = {letter: next(results).logprob for letter in item.choices}
                record = mcq_record(item, [scored.get(letter) for letter in CHOICES], "loglikelihood")
                writer.write(record)
                records.append(record)
            bar.update(len(batch))
    return records


def _lm_eval_strings(text: str, delimiter: str) -> list[str]:
    """What lm-eval tokenizes for one question: the context without trailing whitespace, then the
    context with each option's continuation (harness.engines.base.split_context_continuation)."""
    return [text.rstrip(), *(text + continuation(c, delimiter) for c in CHOICES)]


def _split_ids(engine: Engine, items: Sequence[McqItem]) -> list[tuple[list[int], list[list[int]]]]:
    """Per item, the token ids of `_lm_eval_strings(context)`: (context, [each option's whole]).

    Tokenizing five long strings per item costs more than the model's one request on a small model,
    so each item's long string is tokenized once (with option A) and only the context's last line is
    tokenized with each option: when the long string's ids end with its last line's ids (checked per
    item), the ids before them are the context's and are shared by every option, since the strings
    differ only after that line starts. Items failing the check are tokenized whole."""
    width = 1 + len(CHOICES)
    lines = [item.context[item.context.rfind("\n", 0, len(item.context.rstrip())) + 1 :] for item in items]
    longs = [item.context + continuation(CHOICES[0], item.target_delimiter) for item in items]
    tails = [s for item, line in zip(items, lines, strict=True) for s in _lm_eval_strings(line, item.target_delimiter)]
    encoded = engine.tokenizer(longs + tails, add_special_tokens=False)["input_ids"]
    split: dict[int, tuple[list[int], list[list[int]]]] = {}
    for index, long in enumerate(encoded[: len(items)]):
        head, *options = encoded[len(items) + index * width : len(items) + (index + 1) * width]
        shared = len(long) - len(options[0])
        if shared >= 0 and long[shared:] == options[0]:
            split[index] = (long[:shared] + head, [long[:shared] + o for o in options])
    unsplit = [index for index in range(len(items)) if index not in split]
    if unsplit:
        strings = [s for i in unsplit for s in _lm_eval_strings(items[i].context, items[i].target_delimiter)]
        whole = engine.tokenizer(strings, add_special_tokens=False)["input_ids"]
        for k, index in enumerate(unsplit):
            head, *options = whole[k * width : (k + 1) * width]
            split[index] = (head, options)
    return [split[index] for index in range(len(items))]


def fast_prompts(engine: Engine, items: Sequence[McqItem]) -> list[tuple[list[int], list[int]] | None]:
    """Per item: the prompt's token ids (everything the options share) and each option's last
    token, or None when the options' token sequences on lm-eval's split differ in more than their
    last token, or leave no continuation token at all."""
    out: list[tuple[list[int], list[int]] | None] = []
    for head, options in _split_ids(engine, items):
        shared = options[0][:-1]
        fast = len(options[0]) > len(head) and all(len(w) == len(options[0]) and w[:-1] == shared for w in options)
        out.append((shared, [w[-1] for w in options]) if fast else None)
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
                logprobs = _offered(item, [top.get(token) for token in option_tokens])
                if all(lp is None for lp in logprobs):
                    fallback.append(item)
                    continue
                record = mcq_record(item, logprobs, "fast")
                writer.write(record)
                by_id[item.id] = record
            fallback += [item for item, p in zip(batch, prepared, strict=True) if p is None]
            bar.update(len(batch))
    for record in score_mcq(engine, fallback, writer, progress=False):
        by_id[record["id"]] = record
    return [by_id[item.id] for item in items]
