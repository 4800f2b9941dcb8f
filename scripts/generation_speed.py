"""A generation suite through the harness against raw `LLM.generate`, in one process on one loaded
vLLM engine: the demo profile's safety suite (every item of its sample: chat template, the profile's
sampling, the rule and keyword judges, items written, every answer journaled and cached) against
`LLM.generate` on the same rendered prompts with the same SamplingParams. Alternated to spread the
machine's drift; prints the fastest and the median of each and their ratio harness/raw.

    .venv/bin/python scripts/generation_speed.py [--repeats 7] [--suite safety_sample]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--suite", default="safety_sample", help="a safety suite of the demo profile")
    args = parser.parse_args()

    from demo_models.build import build_demo_checkpoints
    from foundation.paths import demo_models_dir
    from harness.engines import load_engine
    from harness.engines.base import render_chat
    from harness.engines.recorded import RecordedEngine, engine_spec
    from benchmarks.catalog import RefusalSuite
    from harness.plan import RefusalItem, plan
    from harness.profiles import load_profile, profile_path
    from harness.scoring.judging import resolve_all
    from harness.scoring.refusal import score_refusal
    from harness.store import ItemWriter

    checkpoint = build_demo_checkpoints(demo_models_dir(), progress=False)["zh-tiny-tuned"]
    profile, _ = load_profile("demo")
    (suite,) = [s for s in plan(profile, None, {}, checkpoint) if s.spec.name == args.suite]
    spec = suite.spec
    assert isinstance(spec, RefusalSuite), f"{args.suite} is not a safety suite"
    policy = resolve_all(profile, [spec], profile_path("demo"))[spec.name]
    settings, sampling = profile.engine_settings(), profile.sampling()
    engine = load_engine("vllm", checkpoint, settings)
    items = [item for item in suite.items if isinstance(item, RefusalItem)]  # a safety suite plans nothing else
    prompts = [render_chat(engine.tokenizer, [{"role": "user", "content": item.prompt}]) for item in items]
    params = engine._sampling_params(sampling)  # type: ignore[attr-defined]  # the engine's own translation of Sampling

    def raw() -> None:
        engine.llm.generate(prompts, params, use_tqdm=False)  # type: ignore[attr-defined]

    def harness() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            recorded = RecordedEngine(lambda: engine, lambda: engine.tokenizer, engine_spec("vllm", settings), "benchmark", Path(tmp) / "journal.jsonl", Path(tmp) / "cache.jsonl")
            with ItemWriter(Path(tmp) / "items.jsonl") as writer:
                score_refusal(recorded, items, spec, policy, sampling, writer, progress=False)
            assert recorded.counts["to_engine"] == len(suite.items)

    raw()  # warm-up: vLLM's first batch pays one-off costs
    times: dict[str, list[float]] = {"raw": [], "harness": []}
    for _ in range(args.repeats):
        for name, run in (("raw", raw), ("harness", harness)):
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
            print(f"{name:8s} {times[name][-1]:7.2f} s", flush=True)
    # On a shared machine other jobs only ever add time: the fastest of n is the cleanest estimate.
    for label, pick in (("fastest", min), ("median", statistics.median)):
        raw_s, harness_s = pick(times["raw"]), pick(times["harness"])
        print(f"{suite.spec.name}: {len(suite.items)} items, max_tokens {sampling.max_tokens}; {label} of {args.repeats}: raw LLM.generate {raw_s:.2f} s, "
              f"harness suite {harness_s:.2f} s, ratio {harness_s / raw_s:.3f} (goal <= 1.05)")
    engine.close()


if __name__ == "__main__":
    main()
