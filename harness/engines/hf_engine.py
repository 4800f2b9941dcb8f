"""Plain transformers: the reference engine for cross-checks (no batching tricks, no caching)."""

from collections.abc import Sequence
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

from harness.engines.base import (
    EngineSettings,
    LoglikelihoodResult,
    Message,
    Sampling,
    render_chat,
    split_context_continuation,
    truncate_at_stop,
)
from harness.engines.failures import FailureContext, diagnosed_method


class HfEngine:
    name = "hf"
    max_model_len = None  # prompts go to the model whole

    def __init__(self, checkpoint: Path, settings: EngineSettings) -> None:
        self.failure_context = FailureContext(self.name, str(checkpoint))
        torch.manual_seed(settings.seed)
        self.device = str(settings.extra.get("device", "cuda" if torch.cuda.is_available() else "cpu"))
        dtype = "auto" if settings.dtype == "auto" else getattr(torch, settings.dtype)
        # trust_remote_code stays off: checkpoints are untrusted input.
        self.tokenizer = AutoTokenizer.from_pretrained(checkpoint, trust_remote_code=False)
        self.model = AutoModelForCausalLM.from_pretrained(
            checkpoint, dtype=dtype, trust_remote_code=False, use_safetensors=True
        ).to(self.device)
        self.model.eval()

    def version(self) -> str:
        return f"transformers {transformers.__version__}, torch {torch.__version__}"

    @diagnosed_method("generating")
    @torch.inference_mode()
    def generate(self, prompts: Sequence[str], sampling: Sampling) -> list[str]:
        texts = []
        for prompt in prompts:
            ids = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self.device)
            greedy = sampling.temperature == 0.0
            if not greedy:
                torch.manual_seed(sampling.seed)
            out = self.model.generate(
                **ids,
                max_new_tokens=sampling.max_tokens,
                do_sample=not greedy,
                temperature=sampling.temperature if not greedy else None,
                top_p=sampling.top_p if not greedy else None,
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
            new_tokens = out[0, ids["input_ids"].shape[1] :]
            text = self.tokenizer.decode(new_tokens, skip_special_tokens=True)
            assert isinstance(text, str)  # one sequence of ids decodes to one text
            texts.append(truncate_at_stop(text, sampling.stop))
        return texts

    def chat(self, conversations: Sequence[list[Message]], sampling: Sampling) -> list[str]:
        return self.generate([render_chat(self.tokenizer, c) for c in conversations], sampling)

    @diagnosed_method("scoring log-likelihoods")
    @torch.inference_mode()
    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[LoglikelihoodResult]:
        results = []
        for context, continuation in requests:
            ctx, cont = split_context_continuation(self.tokenizer, context, continuation)
            ids = torch.tensor([ctx + cont], device=self.device)
            logits = self.model(ids).logits[0, len(ctx) - 1 : -1].float()
            logprobs = torch.log_softmax(logits, dim=-1)
            target = torch.tensor(cont, device=self.device)
            results.append(
                LoglikelihoodResult(
                    logprob=float(logprobs.gather(1, target[:, None]).sum()),
                    is_greedy=bool((logprobs.argmax(-1) == target).all()),
                )
            )
        return results

    @diagnosed_method("scoring next-token log-probabilities")
    @torch.inference_mode()
    def next_token_logprobs(self, prompts: Sequence[list[int]], top_k: int) -> list[dict[int, float]]:
        results = []
        for prompt in prompts:
            logits = self.model(torch.tensor([list(prompt)], device=self.device)).logits[0, -1].float()
            top = torch.log_softmax(logits, dim=-1).topk(top_k)
            results.append(dict(zip(top.indices.tolist(), top.values.tolist(), strict=True)))
        return results

    def close(self) -> None:
        del self.model
