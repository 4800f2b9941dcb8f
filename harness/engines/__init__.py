"""Engines behind one interface (see base.Engine); `load_engine` picks one by name."""

from pathlib import Path

from harness.engines.base import Engine, EngineSettings, LoglikelihoodResult, Sampling
from harness.engines.failures import LOADING, FailureContext, diagnosed

ENGINE_NAMES = ("vllm", "hf", "openai")


def load_engine(name: str, checkpoint: Path, settings: EngineSettings) -> Engine:
    """The engine, loaded; out of memory and the like end in an EngineFailure saying what to change."""
    with diagnosed(FailureContext(name, str(checkpoint)), LOADING):
        return _construct(name, checkpoint, settings)


def _construct(name: str, checkpoint: Path, settings: EngineSettings) -> Engine:
    # Imports are deferred: importing vllm alone takes ~15 s on CPU and is not needed for hf.
    if name == "vllm":
        from harness.engines.vllm_engine import VllmEngine

        return VllmEngine(checkpoint, settings)
    if name == "hf":
        from harness.engines.hf_engine import HfEngine

        return HfEngine(checkpoint, settings)
    if name == "openai":
        from harness.engines.openai_engine import OpenAIEngine

        return OpenAIEngine(checkpoint, settings)
    raise ValueError(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")


__all__ = ["ENGINE_NAMES", "Engine", "EngineSettings", "LoglikelihoodResult", "Sampling", "load_engine"]
