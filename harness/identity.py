"""Endpoint identity: a model version's behavioural fingerprint, and whether an endpoint serves it.

The fingerprint is taken in process, with vLLM, from the verified registered weights in the
checkpoint's own dtype: on each canary prompt (corpora/canaries, project-written, Chinese and
English) the greedy continuation of STEPS tokens and the TOP_K log-probabilities at every step. An
endpoint is then asked for its top-k at the same contexts, the prompt plus the reference's greedy
tokens so far (teacher-forced: all contexts go in one batched request, and one early divergence does
not drag every later step with it). Two distances:

- token agreement: the share of (canary, step) at which the reference's greedy token is also the
  endpoint's top token (an exact tie counts);
- mean |Δ logprob|: the mean absolute difference of log-probabilities over every token present in
  both top-k lists, pooled over all steps.

The endpoint is taken for the registered model when agreement >= MIN_AGREEMENT and mean |Δ logprob|
<= MAX_LOGPROB_DIFF. Both bounds were measured (README "Endpoint identity",
scripts/endpoint_identity_table.py): the same checkpoint served by `vllm serve`, another checkpoint,
the same weights in another dtype.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.engines import Engine
from foundation.paths import CORPORA_DIR

CANARIES = CORPORA_DIR / "canaries" / "canaries.jsonl"
TOP_K = 5
STEPS = 12
MIN_AGREEMENT = 0.95
MAX_LOGPROB_DIFF = 0.05
_TIE = 1e-5  # log-probabilities this close are one value (an exact tie, printed with rounding)


@dataclass(frozen=True)
class Trace:
    """One canary under the reference: its prompt tokens, greedy tokens and top-k at every step."""

    id: str
    prompt_ids: list[int]
    greedy: list[int]
    top: list[dict[int, float]]


@dataclass(frozen=True)
class Behaviour:
    recipe: dict[str, str]  # engine, engine_version, dtype, top_k, steps, canaries (digest of the file)
    traces: list[Trace]

    def to_json(self) -> bytes:
        # Token ids become JSON object keys (strings); `from_json` turns them back.
        return json.dumps({"recipe": self.recipe, "traces": [asdict(t) for t in self.traces]}, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Behaviour":
        raw = json.loads(data)
        traces = [Trace(t["id"], t["prompt_ids"], t["greedy"], [{int(k): v for k, v in step.items()} for step in t["top"]]) for t in raw["traces"]]
        return cls(raw["recipe"], traces)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.to_json()).hexdigest()


@dataclass(frozen=True)
class Distance:
    token_agreement: float
    mean_abs_logprob_diff: float  # inf when no step shares a token
    shared_tokens: int
    positions: int
    per_canary: list[dict] = field(default_factory=list)  # id, token_agreement, mean_abs_logprob_diff

    @property
    def same(self) -> bool:
        return self.token_agreement >= MIN_AGREEMENT and self.mean_abs_logprob_diff <= MAX_LOGPROB_DIFF

    def describe(self) -> str:
        verdict = "same model" if self.same else "NOT the registered model"
        return (f"token agreement {self.token_agreement:.3f} (needs >= {MIN_AGREEMENT}), mean |Δ logprob| "
                f"{self.mean_abs_logprob_diff:.4f} (needs <= {MAX_LOGPROB_DIFF}) over {self.shared_tokens} shared top-{TOP_K} tokens: {verdict}")


def canaries() -> list[tuple[str, str]]:
    lines = CANARIES.read_text(encoding="utf-8").splitlines()
    return [(row["id"], row["prompt"]) for row in map(json.loads, filter(None, lines))]


def recipe(engine: Engine, dtype: str) -> dict[str, str]:
    return {
        "engine": engine.name, "engine_version": engine.version(), "dtype": dtype, "top_k": str(TOP_K), "steps": str(STEPS),
        "canaries": hashlib.sha256(CANARIES.read_bytes()).hexdigest(),
    }  # fmt: skip


def _top_k(logprobs: dict[int, float]) -> dict[int, float]:
    # vLLM adds the sampled token to the top k; keep exactly k, the highest, lowest id first on ties.
    return dict(sorted(logprobs.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_K])


def record(engine: Engine, dtype: str) -> Behaviour:
    """The behavioural fingerprint of the model `engine` holds (greedy decoding one step at a time)."""
    prompts = [(cid, engine.tokenizer.encode(text, add_special_tokens=False)) for cid, text in canaries()]
    greedy: list[list[int]] = [[] for _ in prompts]
    tops: list[list[dict[int, float]]] = [[] for _ in prompts]
    for _ in range(STEPS):
        step = engine.next_token_logprobs([ids + g for (_, ids), g in zip(prompts, greedy, strict=True)], TOP_K)
        for i, logprobs in enumerate(step):
            top = _top_k(logprobs)
            tops[i].append(top)
            greedy[i].append(next(iter(top)))
    traces = [Trace(cid, ids, g, t) for (cid, ids), g, t in zip(prompts, greedy, tops, strict=True)]
    return Behaviour(recipe(engine, dtype), traces)


def observe(engine: Engine, reference: Behaviour) -> list[list[dict[int, float]]]:
    """`engine`'s top-k at every context of the reference, in one batched request."""
    contexts = [t.prompt_ids + t.greedy[:j] for t in reference.traces for j in range(len(t.greedy))]
    flat = [_top_k(lp) for lp in engine.next_token_logprobs(contexts, TOP_K)]
    observed, start = [], 0
    for t in reference.traces:
        observed.append(flat[start : start + len(t.greedy)])
        start += len(t.greedy)
    return observed


def distance(reference: Behaviour, observed: Sequence[Sequence[dict[int, float]]]) -> Distance:
    agree_all: list[bool] = []
    diffs_all: list[float] = []
    per_canary = []
    for trace, steps in zip(reference.traces, observed, strict=True):
        agree, diffs = [], []
        for token, ref_top, obs_top in zip(trace.greedy, trace.top, steps, strict=True):
            agree.append(token in obs_top and obs_top[token] >= max(obs_top.values()) - _TIE)
            diffs += [abs(ref_top[t] - obs_top[t]) for t in ref_top.keys() & obs_top.keys()]
        per_canary.append({"id": trace.id, "token_agreement": _mean(agree), "mean_abs_logprob_diff": _mean(diffs)})
        agree_all += agree
        diffs_all += diffs
    return Distance(_mean(agree_all), _mean(diffs_all), len(diffs_all), len(agree_all), per_canary)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("inf")


def checkpoint_dtype(checkpoint: Path) -> str:
    """The dtype the weights were saved in (config.json), the reference's dtype; "auto" if unstated."""
    config = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
    dtype = config.get("dtype") or config.get("torch_dtype")
    return dtype if dtype in ("float32", "bfloat16", "float16") else "auto"
