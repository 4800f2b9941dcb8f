"""Every prompt fits the model, decided at plan time, before the engine loads.

The engine holds a request to its context length (the profile's `engine.max_model_len`, capped at
the model's own limit, as the engine caps it): a prompt may take that length less what its
generation needs (the profile's `generation.max_tokens`; 1 for multiple choice, which reads the
next token's log-probabilities after the context and its answer letter). Prompt lengths are measured
with the checkpoint's own tokenizer (transformers, never the checkpoint's code). Each suite declares
what happens to a prompt that is too long (`fit:` on the suite's entry in the profile):

- `fewer_shots` (default; OpenCompass's way): drop few-shot examples from the end, one at a time,
  for the items that need it; a prompt still too long with none is named before the run starts;
- `truncate` (lm-eval's left truncation): keep the end of the prompt, cut on the left at a
  character boundary (lm-eval cuts tokens; the harness sends text, so it cuts the fewest characters
  that bring the prompt within the limit). Prompts sent as chat messages are cut in the user
  message, so the chat template stays whole;
- `exclude`: leave the item out, counted.

Whatever is done is logged with the run: the policy, the prompt limit, each item's shots on its
record, a histogram of shots, the counts of items with fewer shots, truncated or excluded.

Only prompts that might be too long are tokenized: a vocabulary whose tokens each cover at least
one byte of text (byte-level BPE, SentencePiece with byte fallback, character vocabularies) cannot
give a text more tokens than its UTF-8 bytes, so a prompt whose byte length plus the tokenizer's
added special tokens (and a margin of two for a prefix space) is within the limit fits as it is.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from transformers import PreTrainedTokenizerBase

from foundation.errors import Problem

FitPolicy = Literal["fewer_shots", "truncate", "exclude"]
_BYTE_BOUND_MARGIN = 2
NAMED_PROBLEMS = 20  # an unfittable suite names this many items, then counts the rest


@dataclass(frozen=True)
class Prompt:
    """One item's prompt as the engine will receive it. `render(shots, cut)` gives the text with
    `shots` few-shot examples and the first `cut` characters of the cuttable text removed (the
    whole context for multiple choice, the user message for chat prompts); `cuttable(shots)` is
    that text's length. `suffix` is what the engine reads after the prompt (an answer letter)."""

    item_id: str
    shots: int
    render: Callable[[int, int], str]
    cuttable: Callable[[int], int]
    suffix: str = ""


@dataclass(frozen=True)
class Fit:
    shots: int
    cut: int = 0  # characters cut from the left (policy truncate)
    tokens: int | None = None  # measured length; None where the byte bound showed it fits


@dataclass(frozen=True)
class FitReport:
    """What fitting did to one suite: logged as params and metrics with the run."""

    policy: FitPolicy
    context: int  # the engine's context length
    prompt_limit: int  # what a prompt may take: context less what generation needs
    asked_shots: int
    fits: dict[str, Fit]  # item id -> its fit; excluded items are absent
    excluded: list[str] = field(default_factory=list)

    @property
    def shots_histogram(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for f in self.fits.values():
            counts[f.shots] = counts.get(f.shots, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def fewer_shots(self) -> int:
        return sum(f.shots < self.asked_shots for f in self.fits.values())

    @property
    def truncated(self) -> int:
        return sum(f.cut > 0 for f in self.fits.values())

    def summary(self, suite: str) -> str:
        changed = self.fewer_shots + self.truncated + len(self.excluded)
        if not changed:
            return ""
        histogram = ", ".join(f"{k}-shot {n}" for k, n in sorted(self.shots_histogram.items(), reverse=True))
        parts = [f"{self.fewer_shots} with fewer shots"] if self.fewer_shots else []
        parts += [f"{self.truncated} truncated on the left"] if self.truncated else []
        parts += [f"{len(self.excluded)} excluded"] if self.excluded else []
        return (f"note: {suite}: {changed} of {len(self.fits) + len(self.excluded)} prompts exceed the {self.prompt_limit} tokens the "
                f"{self.context}-token context leaves for them ({self.policy}): {', '.join(parts)}; {histogram}")


class Meter:
    """Token counts as the engine sees them: `special` is whether the engine's tokenization adds the
    tokenizer's special tokens (free generation does, multiple choice reads bare token ids)."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, special: bool) -> None:
        self.tokenizer = tokenizer
        self.special = special
        self._added = len(tokenizer("", add_special_tokens=special)["input_ids"])

    def surely_within(self, text: str, limit: int) -> bool:
        return len(text.encode("utf-8")) + self._added + _BYTE_BOUND_MARGIN <= limit

    def count(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(list(texts), add_special_tokens=self.special)["input_ids"]]


def fit_prompts(
    suite: str, prompts: Sequence[Prompt], meter: Meter, context: int, need: int, policy: FitPolicy, *, why: str = ""
) -> tuple[FitReport, list[Problem]]:
    """Each prompt's fit under `policy`, and a problem for every prompt that cannot fit (policy
    `fewer_shots` with no examples left, or `truncate` when even the parts that cannot be cut are
    too long). `need` is what generation takes from the context; `why` names the fixes for problems."""
    limit = context - need
    fits: dict[str, Fit] = {}
    excluded: list[str] = []
    unfit: list[tuple[Prompt, int, int]] = []  # (prompt, shots, tokens)
    pending = [(p, p.shots) for p in prompts]
    while pending:
        texts = [p.render(shots, 0) + p.suffix for p, shots in pending]
        unsure = [i for i, text in enumerate(texts) if not meter.surely_within(text, limit)]
        counted = dict(zip(unsure, meter.count([texts[i] for i in unsure]), strict=True))
        retry = []
        for i, (p, shots) in enumerate(pending):
            tokens = counted.get(i)
            if tokens is None or tokens <= limit:
                fits[p.item_id] = Fit(shots, 0, tokens)
            elif policy == "exclude":
                excluded.append(p.item_id)
            elif policy == "truncate":
                cut = _left_cut(p, shots, meter, limit)
                if cut is None:
                    unfit.append((p, shots, tokens))
                else:
                    fits[p.item_id] = Fit(shots, *cut)
            elif shots > 0:
                retry.append((p, shots - 1))
            else:
                unfit.append((p, shots, tokens))
        pending = retry
    order = {p.item_id: i for i, p in enumerate(prompts)}
    fits = dict(sorted(fits.items(), key=lambda kv: order[kv[0]]))
    report = FitReport(policy, context, limit, max((p.shots for p in prompts), default=0), fits, excluded)
    problems = [
        Problem(suite, f"item {p.item_id}", f"its prompt is {tokens} tokens with {shots} few-shot examples, over the {limit} tokens a "
                f"prompt may take ({context}-token context less {need} for generation)", why or "shorten the item")
        for p, shots, tokens in unfit[:NAMED_PROBLEMS]
    ]
    if len(unfit) > NAMED_PROBLEMS:
        problems.append(Problem(suite, "items", f"{len(unfit) - NAMED_PROBLEMS} more prompts too long in the same way", why or "shorten the items"))
    return report, problems


def _left_cut(p: Prompt, shots: int, meter: Meter, limit: int) -> tuple[int, int] | None:
    """(characters cut, tokens after the cut): the fewest characters cut from the left that bring
    the prompt within `limit`, by bisection (token counts fall as the cut grows); None when even
    cutting all of the cuttable text is not enough."""
    def tokens(cut: int) -> int:
        return meter.count([p.render(shots, cut) + p.suffix])[0]

    low, high = 0, p.cuttable(shots)
    if tokens(high) > limit:
        return None
    while high - low > 1:
        middle = (low + high) // 2
        if tokens(middle) <= limit:
            high = middle
        else:
            low = middle
    return high, tokens(high)
