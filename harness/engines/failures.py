"""What an engine's failure means and what to change: the one place that reads engines' exceptions.

Out of memory, a dead engine process and an endpoint that keeps failing become one `EngineFailure`
naming the model, the stage and the setting to change; anything else (a bug) is left as it is.
Transient endpoint errors are retried before they get here (openai_engine.py); nothing else is
retried: an engine that ran out of memory or died does the same again.
"""

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from foundation.errors import EngineFailure

P = ParamSpec("P")
R = TypeVar("R")

LOADING = "loading the model"  # the stage of a failure in an engine's constructor

KV_CACHE_KNOBS = (
    "give the KV cache more memory (engine.extra.gpu_memory_utilization on a GPU, default 0.9; "
    "VLLM_CPU_KVCACHE_SPACE=<GiB> on a CPU)"
)
MEMORY_FIX = {
    "loading": (
        f"lower engine.max_model_len, or {KV_CACHE_KNOBS}; a model larger than one GPU needs "
        "engine.extra.tensor_parallel_size, and a CPU machine needs free memory for the weights and the KV cache"
    ),
    "running": (
        "lower engine.max_model_len, generation.max_tokens or vLLM's batch (engine.extra.max_num_seqs); "
        "on a GPU lower engine.extra.gpu_memory_utilization so activations have room"
    ),
}


@dataclass(frozen=True)
class FailureContext:
    """Who failed, for the diagnosis: the engine, the model (checkpoint or endpoint), for an endpoint
    how many times each request was tried and how long each try waited, and for an engine running in
    processes of its own how they ended."""

    engine: str
    model: str
    attempts: int = 1
    timeout_s: float | None = None
    process_exits: Callable[[], str] | None = None


def _kinds(exc: BaseException) -> set[str]:
    # By class name, so that diagnosing never imports torch, vllm or openai.
    return {cls.__name__ for cls in type(exc).__mro__}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _kv_cache(message: str) -> tuple[str, str] | None:
    """vLLM's refusals to start for lack of KV-cache memory (vllm/v1/core/kv_cache_utils.py, v1/worker/cpu_worker.py)."""
    if m := re.search(r"max seq len \((\d+)\), \(([\d.]+) GiB KV cache is needed.*?available KV cache memory \(([\d.]+) GiB\)", message, re.S):
        estimate = re.search(r"estimated maximum model length is (\d+)", message)
        lower = f"set engine.max_model_len to {estimate.group(1)} or less" if estimate else "lower engine.max_model_len"
        return (
            f"one request of max_model_len {m.group(1)} tokens needs {m.group(2)} GiB of KV cache; {m.group(3)} GiB is available",
            f"{lower}, or {KV_CACHE_KNOBS}",
        )
    if "No available memory for the cache blocks" in message:
        return "no memory is left for the KV cache after the weights", f"{KV_CACHE_KNOBS}, or use a device with more memory"
    if m := re.search(r"\(([\d.]+)/([\d.]+) GiB\) on kv cache allocation is less than requested memory for kv \(([\d.]+)", message):
        return (
            f"the KV cache asked for ({m.group(3)} GiB) is more than the free memory ({m.group(1)} of {m.group(2)} GiB)",
            "lower VLLM_CPU_KVCACHE_SPACE (or engine.extra.kv_cache_memory_bytes), or free memory used by other processes",
        )
    return None


def _out_of_memory(exc: BaseException) -> bool:
    message = str(exc).lower()
    return bool(_kinds(exc) & {"OutOfMemoryError", "MemoryError"}) or (
        isinstance(exc, RuntimeError) and ("can't allocate memory" in message or "out of memory" in message)
    )


def _endpoint(exc: BaseException, context: FailureContext) -> tuple[str, str] | None:
    """openai's errors once its own retries are spent (timeouts, dropped connections, 408/409/429/5xx)."""
    kinds = _kinds(exc)
    tries = f"{context.attempts} time{'s' if context.attempts != 1 else ''}"
    more = "engine.max_retries in the profile (or HARNESS_ENGINE_MAX_RETRIES, --max-retries) tries more often"
    if "APITimeoutError" in kinds:
        return (
            f"no answer within {context.timeout_s:g} s, {tries}",
            f"check that the server is up and not overloaded (its log); engine.extra.timeout_s waits longer per request; {more}",
        )
    if "APIConnectionError" in kinds:
        cause = exc.__cause__ or exc.__context__
        detail = f" ({type(cause).__name__}: {_first_line(cause)})" if cause is not None else ""
        return f"could not connect, or the connection was dropped, {tries}{detail}", f"check that the server is running and reachable at that URL, and read its log; {more}"
    if "APIStatusError" in kinds:
        status = getattr(exc, "status_code", 0)
        message = _first_line(exc)
        if status >= 500 or status in (408, 409, 429):
            return f"the endpoint returned {status} {tries} ({message})", f"check the server's log; {more}"
        fixes = {
            400: "read the endpoint's message: a prompt longer than the server's --max-model-len or a setting it does not support; restart it with a larger --max-model-len, or lower generation.max_tokens",
            401: "set OPENAI_API_KEY to a key the endpoint accepts",
            403: "set OPENAI_API_KEY to a key the endpoint accepts",
            404: "check engine.extra.base_url and engine.extra.served_model_name against the endpoint's /models",
        }
        return f"the endpoint refused the request ({status}: {message}); not retried, it would refuse it again", fixes.get(status, "read the endpoint's message and its log")
    return None


def diagnose(exc: BaseException, context: FailureContext, stage: str) -> EngineFailure | None:
    """The failure a user can act on, or None for anything this module does not recognise."""
    kinds = _kinds(exc)
    failure = lambda what, fix: EngineFailure(context.engine, context.model, stage, what, fix)  # noqa: E731
    if (endpoint := _endpoint(exc, context)) is not None:
        return failure(*endpoint)
    if isinstance(exc, ValueError) and (kv := _kv_cache(str(exc))) is not None:
        return failure(*kv)
    if _out_of_memory(exc):
        return failure(f"out of memory ({type(exc).__name__}: {_first_line(exc)})", MEMORY_FIX["loading" if stage == LOADING else "running"])
    if "EngineDeadError" in kinds:
        exits = context.process_exits() if context.process_exits else ""
        return failure(
            f"the vLLM engine process died{f' ({exits})' if exits else ''}; its own error, if it had time to write one, is in the log above",
            "a process killed by signal 9 was usually stopped by the kernel's out-of-memory killer (see `dmesg`): "
            f"{MEMORY_FIX['running']}; otherwise run again",
        )
    if isinstance(exc, RuntimeError) and "Engine core initialization failed" in str(exc):
        return failure(
            "the vLLM engine process failed to start; its own error is in the log above",
            f"read that error; when it is about memory: {MEMORY_FIX['loading']}",
        )
    return None


class HasFailureContext(Protocol):
    failure_context: FailureContext


@contextmanager
def diagnosed(context: FailureContext, stage: str) -> Iterator[None]:
    try:
        yield
    except EngineFailure:
        raise
    except Exception as e:
        failure = diagnose(e, context, stage)
        if failure is None:
            raise
        raise failure from e


def diagnosed_method(stage: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An engine method whose recognised failures become an EngineFailure (see `diagnose`)."""

    def wrap(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            engine: HasFailureContext = args[0]  # type: ignore[assignment]
            with diagnosed(engine.failure_context, stage):
                return method(*args, **kwargs)

        return run

    return wrap
