"""An OpenAI-compatible endpoint, e.g. `vllm serve` on another machine.

The checkpoint directory is still needed locally for its tokenizer: log-likelihoods are asked
for on token ids, so the split between context and continuation is the same as in-process.

Transient failures (a time-out, a dropped connection, 408/409/429/5xx) are retried by the openai SDK
itself, `settings.max_retries` times with exponential backoff and jitter, honouring Retry-After; what
still fails becomes an EngineFailure saying how often it was tried and what to check (failures.py).
"""

import os
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import openai
from openai.types import CompletionChoice
from transformers import AutoTokenizer

from harness.engines.base import (
    EngineSettings,
    LoglikelihoodResult,
    Message,
    Sampling,
    split_context_continuation,
)
from harness.engines.failures import FailureContext, diagnosed_method
from foundation.errors import InputError, Problem


def endpoint_url(text: str, field: str) -> str:
    """An endpoint's OpenAI base URL, checked before anything connects to it: http(s), a host, a port
    in range, nothing unprintable (the openai client would fail later with an error of its own)."""
    problem = Problem(text, field, "not an http(s) base URL", "give the OpenAI base URL, e.g. http://HOST:8000/v1")
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError when out of range or not a number)
    except ValueError as e:
        raise InputError([problem]) from e
    if parts.scheme not in ("http", "https") or not parts.hostname or not text.isprintable() or " " in text:
        raise InputError([problem])
    return text


class OpenAIEngine:
    name = "openai"
    max_model_len = None  # the endpoint's own, set where it was started

    def __init__(self, checkpoint: Path, settings: EngineSettings) -> None:
        base_url = settings.extra.get("base_url") or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise InputError([Problem(
                "profile", "engine.extra.base_url", "engine 'openai' needs the endpoint",
                "set engine.extra.base_url in the profile or OPENAI_BASE_URL (e.g. http://127.0.0.1:8000/v1)",
            )])
        self.base_url = endpoint_url(str(base_url), "engine.extra.base_url")
        self.model = str(settings.extra.get("served_model_name", checkpoint))
        timeout_s = float(settings.extra.get("timeout_s", 600))
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=os.environ.get("OPENAI_API_KEY", "EMPTY"),
            timeout=timeout_s,
            max_retries=settings.max_retries,
        )
        self.failure_context = FailureContext(self.name, f"{self.base_url}, model {self.model}", settings.max_retries + 1, timeout_s)
        self.tokenizer = AutoTokenizer.from_pretrained(checkpoint, trust_remote_code=False)

    def version(self) -> str:
        return f"openai-compatible endpoint {self.base_url} (openai {openai.__version__})"

    @diagnosed_method("generating")
    def generate(self, prompts: Sequence[str], sampling: Sampling) -> list[str]:
        response = self.client.completions.create(
            model=self.model,
            prompt=list(prompts),
            max_tokens=sampling.max_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            seed=sampling.seed,
            stop=list(sampling.stop) or None,
        )
        return [c.text for c in sorted(response.choices, key=lambda c: c.index)]

    @diagnosed_method("generating")
    def chat(self, conversations: Sequence[list[Message]], sampling: Sampling) -> list[str]:
        texts = []
        for conversation in conversations:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=conversation,  # type: ignore[arg-type]
                max_tokens=sampling.max_tokens,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                seed=sampling.seed,
                stop=list(sampling.stop) or None,
            )
            texts.append(response.choices[0].message.content or "")
        return texts

    @diagnosed_method("scoring log-likelihoods")
    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[LoglikelihoodResult]:
        pairs = [split_context_continuation(self.tokenizer, c, x) for c, x in requests]
        response = self.client.completions.create(
            model=self.model,
            prompt=[ctx + cont for ctx, cont in pairs],
            max_tokens=1,
            temperature=0.0,
            echo=True,
            logprobs=1,
        )
        results = []
        for (ctx, cont), choice in zip(pairs, sorted(response.choices, key=lambda c: c.index), strict=True):
            logprobs = choice.logprobs
            assert logprobs is not None and logprobs.token_logprobs is not None and logprobs.top_logprobs is not None  # asked for: logprobs=1, echo
            span = slice(len(ctx), len(ctx) + len(cont))
            token_logprobs = logprobs.token_logprobs[span]
            # With echo, each prompt position's top-1 alternative tells whether it was the argmax.
            greedy = all(
                max(top.values()) <= lp + 1e-6
                for top, lp in zip(logprobs.top_logprobs[span], token_logprobs, strict=True)
            )
            results.append(LoglikelihoodResult(logprob=float(sum(token_logprobs)), is_greedy=greedy))
        return results

    @diagnosed_method("scoring next-token log-probabilities")
    def next_token_logprobs(self, prompts: Sequence[list[int]], top_k: int) -> list[dict[int, float]]:
        # `return_tokens_as_token_ids` is vLLM's: tokens come back as "token_id:<id>", so no
        # string-to-id guessing; an endpoint without it cannot serve the fast path exactly.
        response = self.client.completions.create(
            model=self.model,
            prompt=[list(p) for p in prompts],
            max_tokens=1,
            temperature=0.0,
            logprobs=top_k,
            extra_body={"return_tokens_as_token_ids": True},
        )
        return [
            {int(token.removeprefix("token_id:")): float(lp) for token, lp in _top_logprobs(choice)[0].items()}
            for choice in sorted(response.choices, key=lambda c: c.index)
        ]

    def close(self) -> None:
        self.client.close()


def _top_logprobs(choice: CompletionChoice) -> list[dict[str, float]]:
    """The top alternatives at each position, which the request asked for (`logprobs`)."""
    assert choice.logprobs is not None and choice.logprobs.top_logprobs is not None
    return choice.logprobs.top_logprobs
