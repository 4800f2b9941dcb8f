"""Speed of the fast multiple-choice path, on the tiny demo model and a project-written CMMLU-layout
set (every CMMLU subject, questions from corpora/zh_mcq_sample with shuffled options), five-shot.

Prints, in one session on the same model and items:
1. end to end (process start, vLLM import, model load, scoring), each in a fresh process: the fast
   path vs lm-eval's own CLI with its `vllm` backend;
2. scoring only, in one loaded engine: the fast path vs raw `LLM.generate` over the same prompts
   (max_tokens=1, the same logprobs), i.e. the harness's overhead, with the prefix cache reset
   before every timing;
3. the fast path's scoring time at several item counts (growth).

    .venv/bin/python scripts/perf/mcq_speed.py [--per-subject 8] [--repeats 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.mcq.synthetic import write_layout
from harness.engines import Engine
from harness.engines.vllm_engine import VllmEngine
from foundation.paths import REPO_ROOT
from harness.plan import McqItem

SUBJECTS = REPO_ROOT / "benchmarks" / "mcq" / "cmmlu_subjects.yaml"
VLLM_ENV = {"VLLM_TARGET_DEVICE": "cpu", "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def _checkpoint() -> Path:
    from demo_models.build import build_demo_checkpoints
    from foundation.paths import demo_models_dir

    return build_demo_checkpoints(demo_models_dir(), progress=False)["zh-tiny-tuned"]


def _items(data: Path, limit: int | None = None) -> list[McqItem]:
    from harness.plan import plan
    from harness.profiles import Profile, SuiteRun

    profile = Profile(name="speed", suites=[SuiteRun(suite="cmmlu", num_fewshot=5, scorer="fast")])
    items = plan(profile, limit, {"cmmlu": data})[0].items
    return [item for item in items if isinstance(item, McqItem)]  # a multiple-choice suite plans nothing else


def _engine(checkpoint: Path) -> VllmEngine:
    from harness.engines import EngineSettings, load_engine

    engine = load_engine("vllm", checkpoint, EngineSettings(dtype="float32", max_model_len=1024, extra={"enable_prefix_caching": True}))
    assert isinstance(engine, VllmEngine)
    return engine


def _score_fast(engine: Engine, items: list[McqItem]) -> None:
    from harness.scoring.multiple_choice import score_mcq_fast
    from harness.store import ItemWriter

    with tempfile.TemporaryDirectory() as tmp, ItemWriter(Path(tmp) / "items.jsonl") as writer:
        score_mcq_fast(engine, items, writer, progress=False)


def fast_only(data: Path) -> None:
    """The fast path end to end, as one process would run it (timed from outside)."""
    _score_fast(_engine(_checkpoint()), _items(data))


def _timed_process(command: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, env={**os.environ, **VLLM_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def _best(seconds: list[float]) -> str:
    return f"{min(seconds):.2f} s (median {statistics.median(seconds):.2f} s of {len(seconds)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-subject", type=int, default=8, help="evaluated questions per subject (67 subjects)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fast-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.update(VLLM_ENV)
    if args.fast_only:
        fast_only(args.fast_only)
        return
    checkpoint = _checkpoint()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cmmlu"
        n = write_layout("cmmlu-csv", data, SUBJECTS, args.per_subject, seed=7)
        print(f"model {checkpoint.name}; CMMLU layout, 67 subjects, {n} questions, five-shot; {os.cpu_count()} CPUs")

        from benchmarks.mcq.sources import read_subject_map
        from harness.scoring.lm_eval_bridge import write_mcq_tasks
        from harness.scoring.statistics import proportion  # noqa: F401  (warms scipy before timing)

        tasks_dir = Path(tmp) / "tasks"
        tasks_dir.mkdir()
        tasks = write_mcq_tasks(tasks_dir, "cmmlu", data, {k: m.name_zh for k, m in read_subject_map(SUBJECTS).items()})
        lm_eval = [
            str(Path(sys.executable).parent / "lm_eval"), "--model", "vllm",
            "--model_args", f"pretrained={checkpoint},dtype=float32,enforce_eager=True,max_model_len=1024",
            "--include_path", str(tasks_dir), "--tasks", ",".join(tasks), "--num_fewshot", "5", "--output_path", str(Path(tmp) / "out"),
        ]
        ours = [sys.executable, __file__, "--fast-only", str(data)]
        theirs_s = [_timed_process(lm_eval) for _ in range(args.repeats)]
        ours_s = [_timed_process(ours) for _ in range(args.repeats)]
        print("\n1. End to end, fresh process each (start, import, load, score):")
        print(f"   lm-eval CLI, vllm backend: {_best(theirs_s)}")
        print(f"   fast path:                 {_best(ours_s)}")
        print(f"   ratio fast / lm-eval:      {min(ours_s) / min(theirs_s):.3f}")

        items = _items(data)
        engine = _engine(checkpoint)
        vllm = engine._vllm
        raw_params = vllm.SamplingParams(max_tokens=1, temperature=0.0, logprobs=20)
        contexts = [item.context for item in items]
        _score_fast(engine, items[:50])  # first-call warm-up (kernels, allocator)
        fast_s: list[float] = []
        raw_s: list[float] = []
        for _ in range(args.repeats):
            for label, run in (("raw", lambda: engine.llm.generate(contexts, raw_params, use_tqdm=False)), ("fast", lambda: _score_fast(engine, items))):
                engine.llm.reset_prefix_cache()
                started = time.monotonic()
                run()
                (raw_s if label == "raw" else fast_s).append(time.monotonic() - started)
        print(f"\n2. Scoring only, {len(items)} questions, one loaded engine, prefix cache reset before each:")
        print(f"   raw LLM.generate (max_tokens=1, logprobs=20): {_best(raw_s)}")
        print(f"   fast path:                                   {_best(fast_s)}")
        print(f"   harness overhead:                            {min(fast_s) / min(raw_s) - 1:+.1%}")

        print("\n3. Fast path scoring time by item count:")
        for count in (len(items) // 4, len(items) // 2, len(items)):
            subset = _items(data, count)
            seconds = []
            for _ in range(args.repeats):
                engine.llm.reset_prefix_cache()
                started = time.monotonic()
                _score_fast(engine, subset)
                seconds.append(time.monotonic() - started)
            print(f"   {len(subset):5d} questions: {min(seconds):.2f} s ({min(seconds) / len(subset) * 1000:.1f} ms per question)")
        engine.close()


if __name__ == "__main__":
    main()
