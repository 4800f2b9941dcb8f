"""An OpenAI-compatible endpoint, e.g. `vllm serve` on another machine.

The checkpoint directory is still needed locally for its tokenizer: log-likelihoods are asked
for on token ids, so the split between context and continuation is the same as in-process.
"""

import os
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


class OpenAIEngine:
    name = "openai"
    max_model_len = None  # the endpoint's own, set where it was started

    def __init__(self, checkpoint: Path, settings: EngineSettings) -> None:
        base_url = settings.extra.get("base_url") or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise ValueError(
                "engine 'openai' needs the endpoint: set engine.extra.base_url in the profile "
                "or OPENAI_BASE_URL (e.g. http://127.0.0.1:8000/v1)"
            )
        self.base_url = str(base_url)
        self.model = str(settings.extra.get("served_model_name", checkpoint))
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=os.environ.get("OPENAI_API_KEY", "EMPTY"),
            timeout=float(settings.extra.get("timeout_s", 600)),
        )
        self.tokenizer = AutoTokenizer.from_pretrained(checkpoint, trust_remote_code=False)

    def version(self) -> str:
        return f"openai-compatible endpoint {self.base_url} (openai {openai.__version__})"

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
