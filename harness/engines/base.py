"""The one interface every engine implements, and what engines share.

A run loads one engine per model and pushes every suite through it, so the interface is
batch-first: each call takes all prompts of a suite at once and lets the engine schedule them.
"""

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from transformers import PreTrainedTokenizerBase

from foundation.errors import InputError, Problem

Message = dict[str, str]
MAX_RETRIES_ENV = "HARNESS_ENGINE_MAX_RETRIES"
# With the openai SDK's backoff (0.5 s doubling to 8 s, less 0-25% jitter) five retries wait 11.6-15.5 s in
# all: a server's brief hiccup passes, a dead server is reported within seconds rather than minutes.
DEFAULT_MAX_RETRIES = 5


def max_retries_from_env() -> int | None:
    """HARNESS_ENGINE_MAX_RETRIES, which overrides a profile's engine.max_retries (--max-retries overrides both)."""
    raw = os.environ.get(MAX_RETRIES_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InputError([Problem(MAX_RETRIES_ENV, raw, "not a whole number of 0 or more", f"e.g. {MAX_RETRIES_ENV}=5 (0: no retries), or unset it")])
    return int(raw)


def _default_max_retries() -> int:
    from_env = max_retries_from_env()
    return DEFAULT_MAX_RETRIES if from_env is None else from_env


@dataclass(frozen=True)
class Sampling:
    """Sampling settings for free generation; greedy by default so runs are reproducible."""

    max_tokens: int = 64
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoglikelihoodResult:
    logprob: float
    is_greedy: bool


@dataclass
class EngineSettings:
    """What a profile may set for the engine; `extra` goes to the engine's own constructor."""

    dtype: str = "auto"
    max_model_len: int = 2048
    seed: int = 0
    batch_size: int = 16
    extra: dict[str, Any] = field(default_factory=dict)  # each engine's own keyword arguments, checked by that engine
    # Endpoint engines: how often a timed-out, dropped, 408/409/429 or 5xx request is tried again, with
    # exponential backoff and jitter. Every request the harness sends is idempotent (a completion with
    # fixed sampling settings and seed), so a retry cannot change a result. In-process engines never retry.
    max_retries: int = field(default_factory=_default_max_retries)


@runtime_checkable
class Engine(Protocol):
    # Read-only to the harness: each engine sets them once, at load.
    @property
    def name(self) -> str: ...

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase: ...

    @property
    def max_model_len(self) -> int | None:
        """The context length the engine holds prompts to (a profile's max_model_len capped at the
        model's own limit); None where the harness sets none (transformers in-process, a remote
        endpoint's own)."""
        ...

    def version(self) -> str: ...

    def generate(self, prompts: Sequence[str], sampling: Sampling) -> list[str]: ...

    def chat(self, conversations: Sequence[list[Message]], sampling: Sampling) -> list[str]: ...

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[LoglikelihoodResult]: ...

    def next_token_logprobs(self, prompts: Sequence[list[int]], top_k: int) -> list[dict[int, float]]:
        """The top_k most likely next tokens after each prompt (token ids, no special tokens added)."""
        ...

    def close(self) -> None: ...


Finished = list[tuple[int, str]]  # (index of the conversation asked, its answer), some of a call's answers


@runtime_checkable
class AnswersAsFinished(Protocol):
    """An engine that hands back answers while it generates the rest: its compute runs apart from the
    harness's process (vLLM's engine core in a process of its own, on a GPU), so whatever the harness
    does with one group of answers (judging, writing) overlaps the generation of the next."""

    def chat_as_finished(self, conversations: Sequence[list[Message]], sampling: Sampling) -> Iterator[Finished]: ...


def chat_in_groups(engine: Engine, conversations: Sequence[list[Message]], sampling: Sampling) -> Iterator[Finished]:
    """Every conversation's answer, each once, in groups as the engine finishes them; an engine that
    cannot tell before the end answers them all in one group."""
    if isinstance(engine, AnswersAsFinished):
        yield from engine.chat_as_finished(conversations, sampling)
    elif conversations:
        yield list(enumerate(engine.chat(conversations, sampling)))


def split_context_continuation(
    tokenizer: PreTrainedTokenizerBase, context: str, continuation: str
) -> tuple[list[int], list[int]]:
    """Token ids of (context, continuation) exactly as lm-eval splits them.

    lm-eval moves trailing whitespace of the context onto the continuation and tokenizes the
    whole string, so merges across the boundary match what the model sees in free text.
    """
    stripped = len(context) - len(context.rstrip())
    if stripped:
        continuation = context[-stripped:] + continuation
        context = context[:-stripped]
    whole = tokenizer.encode(context + continuation, add_special_tokens=False)
    context_ids = tokenizer.encode(context, add_special_tokens=False)
    return whole[: len(context_ids)], whole[len(context_ids) :]


def render_chat(tokenizer: PreTrainedTokenizerBase, conversation: list[Message]) -> str:
    if not tokenizer.chat_template:
        raise ValueError("the checkpoint's tokenizer has no chat_template; chat suites need one")
    rendered = tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    assert isinstance(rendered, str)  # tokenize=False: the text
    return rendered


def truncate_at_stop(text: str, stop: Sequence[str]) -> str:
    cut = min((i for s in stop if (i := text.find(s)) >= 0), default=len(text))
    return text[:cut]
