"""What fitting prompts at plan time costs (harness/fitting.py), in one process on the same items:
planning a five-shot CMMLU-layout set (every subject, project-written rows) without a checkpoint
(no fitting: the reference) against planning it with the tiny demo checkpoint (every prompt
measured against the context, fewer shots where needed), at the demo model's 1,024-token context
and at a 32,768-token one (VLLM_ALLOW_LONG_MAX_MODEL_LEN keeps the profile's length), where the
byte bound spares the tokenizer.

    .venv/bin/python scripts/fit_speed.py [--per-subject 172] [--passages 0] [--repeats 3]
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.mcq.synthetic import write_layout
from demo_models.build import build_demo_checkpoints
from harness.engines.vllm_engine import context_length
from foundation.paths import REPO_ROOT, demo_models_dir
from harness.plan import plan
from harness.profiles import EngineConfig, Profile, SuiteRun


def _timed(repeats: int, run) -> tuple[float, object]:  # noqa: ANN001
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-subject", type=int, default=172, help="questions per subject (172: about CMMLU's 11,528)")
    parser.add_argument("--passages", type=int, default=0, help="reading-passage sentences before each dev question (0: none)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    checkpoint = build_demo_checkpoints(demo_models_dir(), progress=False)["zh-tiny-tuned"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cmmlu"
        n = write_layout("cmmlu-csv", root, REPO_ROOT / "benchmarks/mcq/cmmlu_subjects.yaml", args.per_subject, seed=1, dev_passages=args.passages)
        for length in (1024, 32768):
            os.environ["VLLM_ALLOW_LONG_MAX_MODEL_LEN"] = "1" if length > 1024 else "0"
            profile = Profile(name="t", engine=EngineConfig(dtype="float32", max_model_len=length), suites=[SuiteRun(suite="cmmlu", num_fewshot=5, scorer="fast")])
            context_length(checkpoint, profile.engine_settings())  # vLLM's import, once, outside the timings
            reference, _ = _timed(args.repeats, lambda profile=profile: plan(profile, data={"cmmlu": root}))
            fitted, planned = _timed(args.repeats, lambda profile=profile: plan(profile, data={"cmmlu": root}, checkpoint=checkpoint))
            fit = planned[0].fit  # type: ignore[index]
            measured = sum(f.tokens is not None for f in fit.fits.values())
            print(f"context {fit.context}: {n} five-shot prompts; plan without fitting {reference:.2f} s, with fitting {fitted:.2f} s "
                  f"(ratio {fitted / reference:.2f}); {measured} of {n} tokenized, the rest within the byte bound; "
                  f"{fit.fewer_shots} with fewer shots, shots {fit.shots_histogram}")


if __name__ == "__main__":
    main()
