"""A generation suite through the harness against raw `LLM.generate`, in one process on one loaded
vLLM engine: the demo profile's safety suite (every item of its sample: chat template, the profile's
sampling, the rule and keyword judges, items written, every answer journaled and cached) against
`LLM.generate` on the same rendered prompts with the same SamplingParams. Alternated to spread the
machine's drift; prints the fastest and the median of each and their ratio harness/raw.
`--max-tokens` overrides the profile's (48) on both sides: longer answers, as a filing profile asks
(512), weigh the engine against the per-item work. `--breakdown` then times each part of the harness
side in further runs (each part wrapped in a timer), and prints them for the fastest of those runs.
`--grow LAYERS,INTERMEDIATE` measures on a function-preserving enlarged copy of zh-tiny-tuned
(scripts/perf/grown_checkpoint.py, written to a temporary directory): the same answers, but an engine
cost per answer nearer a real model's than the tiny model's ~1.3 ms, against which the harness's
fixed per-answer work (the judges) would otherwise be overstated.
`--engine-apart` runs vLLM's engine core in a process of its own with its threads on CPU 0, on both
sides: as on a GPU, the engine computes apart from the harness's process, which judges each group of
answers while the engine generates the rest (harness.engines.base.chat_in_groups). Without it, the
engine runs in process (the CPU default), where the judges wait for the engine and it for them.

    .venv/bin/python scripts/generation_speed.py [--repeats 7] [--suite safety_sample] [--max-tokens N] [--grow 12,2304] [--engine-apart] [--breakdown]
"""

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

GROWER = Path(__file__).resolve().parent / "perf" / "grown_checkpoint.py"


def timed(owner: Any, name: str, label: str, spent: dict[str, float]) -> None:
    """Replace owner.name by the same callable that adds its wall time to spent[label]."""
    function = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def breakdown(harness: Callable[[], None], engine: Any, repeats: int, items: int) -> None:
    """The harness side's parts, for the fastest of `repeats` runs; what no part accounts for is the
    loop itself, building the records, the temporary directory and opening the files."""
    import harness.engines.recorded as recorded
    import harness.engines.vllm_engine as vllm_engine
    import harness.scoring.refusal as refusal
    from harness.scoring.judges.content import KeywordJudge
    from harness.scoring.judges.refusal import RuleRefusalJudge
    from harness.scoring.judges.refusal_classifier import ClassifierRefusalJudge
    from harness.store import ItemWriter

    spent: dict[str, float] = defaultdict(float)
    for owner, name, label in (
        (engine.llm, "generate", "LLM.generate (the engine)"), (vllm_engine, "render_chat", "chat template"),
        (recorded, "digest_of", "request digests"), (recorded._AppendOnly, "append", "journal and cache appends (fsync)"),
        (recorded.RecordedEngine, "__init__", "journal and cache opened"), (RuleRefusalJudge, "judge", "rule refusal judge"),
        (ClassifierRefusalJudge, "judge_many", "refusal classifier"),
        (KeywordJudge, "judge", "keyword judge"), (refusal, "combine", "combining policy"), (refusal, "explicit_label", "explicit label"),
        (ItemWriter, "write", "item writer (JSON, flush)"),
    ):  # fmt: skip
        timed(owner, name, label, spent)
    runs = []
    for _ in range(repeats):
        spent.clear()
        started = time.perf_counter()
        harness()
        runs.append((time.perf_counter() - started, dict(spent)))
    total, parts = min(runs, key=lambda run: run[0])
    print(f"breakdown of the fastest of {repeats} harness runs: {total * 1000:.1f} ms")
    for label, seconds in sorted(parts.items(), key=lambda part: -part[1]):
        print(f"  {label:36s} {seconds * 1000:7.1f} ms  {seconds / items * 1000:6.3f} ms/item")
    print(f"  {'the rest (loop, records, files)':36s} {(total - sum(parts.values())) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--suite", default="safety_sample", help="a safety suite of the demo profile")
    parser.add_argument("--max-tokens", type=int, help="instead of the profile's max_tokens")
    parser.add_argument("--breakdown", action="store_true", help="then time each part of the harness side")
    parser.add_argument("--grow", type=grow_setting, metavar="LAYERS,INTERMEDIATE", help="measure on zh-tiny-tuned grown to this many layers and this MLP width")
    parser.add_argument("--engine-apart", action="store_true", help="vLLM's engine core in its own process, on CPU 0")
    args = parser.parse_args()
    if args.engine_apart:  # read by vLLM when it is imported in measure()
        os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "1"
        os.environ["VLLM_CPU_OMP_THREADS_BIND"] = "0"
    with tempfile.TemporaryDirectory(prefix="grown-") as scratch:
        measure(args, Path(scratch))


def grow_setting(text: str) -> tuple[int, int]:
    layers, _, intermediate = text.partition(",")
    try:
        return int(layers), int(intermediate)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give LAYERS,INTERMEDIATE, e.g. 12,2304") from None


def measure(args: argparse.Namespace, scratch: Path) -> None:
    from demo_models.build import build_demo_checkpoints
    from foundation.paths import demo_models_dir
    import harness.engines.vllm_engine as vllm_engine
    from harness.engines import load_engine
    from harness.engines.base import render_chat
    from harness.engines.recorded import RecordedEngine, engine_spec
    from benchmarks.catalog import RefusalSuite
    from harness.plan import RefusalItem, plan
    from harness.profiles import load_profile, profile_path
    from harness.scoring.judges import refusal as refusal_rules, refusal_text
    from harness.scoring.judging import resolve_all
    from harness.scoring.refusal import score_refusal
    from harness.store import ItemWriter

    checkpoint = build_demo_checkpoints(demo_models_dir(), progress=False)["zh-tiny-tuned"]
    model = "zh-tiny-tuned" + (" grown to {},{}".format(*args.grow) if args.grow else "")
    if args.grow:
        # Its own process: a script beside this one, not a package; it prints the copy's size.
        layers, intermediate = args.grow
        subprocess.run([sys.executable, str(GROWER), str(checkpoint), str(scratch / "grown"), "--layers", str(layers), "--intermediate", str(intermediate)], check=True)
        checkpoint = scratch / "grown"
    profile, _ = load_profile("demo")
    (suite,) = [s for s in plan(profile, None, {}, checkpoint) if s.spec.name == args.suite]
    spec = suite.spec
    assert isinstance(spec, RefusalSuite), f"{args.suite} is not a safety suite"
    policy = resolve_all(profile, [spec], profile_path("demo"))[spec.name]
    settings, sampling = profile.engine_settings(), profile.sampling()
    if args.max_tokens:
        sampling = dataclasses.replace(sampling, max_tokens=args.max_tokens)
    engine = load_engine("vllm", checkpoint, settings)
    items = [item for item in suite.items if isinstance(item, RefusalItem)]  # a safety suite plans nothing else
    prompts = [render_chat(engine.tokenizer, [{"role": "user", "content": item.prompt}]) for item in items]
    params = engine._sampling_params(sampling)  # type: ignore[attr-defined]  # the engine's own translation of Sampling

    def raw() -> None:
        engine.llm.generate(prompts, params, use_tqdm=False)  # type: ignore[attr-defined]

    def harness() -> None:
        for cached in (refusal_text.normalise, refusal_text.word_chars, refusal_text.prepare, refusal_rules._read):
            cached.cache_clear()  # the judges' caches hold a batch's texts: a fresh run starts without them
        with tempfile.TemporaryDirectory() as tmp:
            recorded = RecordedEngine(lambda: engine, lambda: engine.tokenizer, engine_spec("vllm", settings), "benchmark", Path(tmp) / "journal.jsonl", Path(tmp) / "cache.jsonl")
            with ItemWriter(Path(tmp) / "items.jsonl") as writer:
                score_refusal(recorded, items, spec, policy, sampling, writer, progress=False)
            assert recorded.counts["to_engine"] == len(suite.items)

    def harness_judging_at_the_end() -> None:
        # The same, the answers handed back in one group once the engine is done: what overlapping saves.
        vllm_engine.GROUP_ANSWERS = len(items) + 1
        try:
            harness()
        finally:
            vllm_engine.GROUP_ANSWERS = grouped

    grouped = vllm_engine.GROUP_ANSWERS
    raw()  # warm-up: vLLM's first batch pays one-off costs
    harness()  # and the harness's first run trains the refusal classifier (a few seconds, once per process)
    sides: dict[str, Callable[[], None]] = {"raw": raw, "harness": harness} | ({"at end": harness_judging_at_the_end} if args.engine_apart else {})
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.repeats):
        for name, run in sides.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
            print(f"{name:8s} {times[name][-1]:7.2f} s", flush=True)
    # On a shared machine other jobs only ever add time: the fastest of n is the cleanest estimate.
    for label, pick in (("fastest", min), ("median", statistics.median)):
        raw_s, harness_s = pick(times["raw"]), pick(times["harness"])
        print(f"{suite.spec.name} on {model}: {len(suite.items)} items, max_tokens {sampling.max_tokens}, engine {'apart' if args.engine_apart else 'in process'}; {label} of {args.repeats}: raw LLM.generate {raw_s:.2f} s, "
              f"harness suite {harness_s:.2f} s, ratio {harness_s / raw_s:.3f} (goal <= 1.05)")
        if args.engine_apart:
            print(f"  the harness judging only once the engine is done: {pick(times['at end']):.2f} s, ratio {pick(times['at end']) / raw_s:.3f}")
    if args.breakdown:
        breakdown(harness, engine, args.repeats, len(items))
    engine.close()


if __name__ == "__main__":
    main()
