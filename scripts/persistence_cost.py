"""What persistence costs a run (harness/engines/recorded.py), in one process: the demo profile on
the tuned demo model with the journal and the request cache written (every request still asked of
the model: the cache is emptied before each such run) against the same run with persistence off
(the engine called directly). Runs alternate off/on to spread the machine's drift over both.
Prints the ratio on/off of the whole run and of the generation phase (the suites' wall_seconds),
and, since a loaded machine's drift can exceed the effect, what the bookkeeping itself took in the
runs with persistence on (timed inside the run: hashing, validating, writing, fsync) as a ratio
to the generation phase without it.

    .venv/bin/python scripts/persistence_cost.py [--repeats 2] [--limit N] [--engine vllm]

It works in a fresh HARNESS_HOME of its own (the demo model is submitted there first).
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs per condition")
    parser.add_argument("--limit", type=int, help="items per suite (default: the whole demo profile)")
    parser.add_argument("--engine", choices=("vllm", "hf"), help="default: the profile's (vllm)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="persistence-cost-"))
    os.environ["HARNESS_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)

    from harness.demo.job import materialize_manifest
    from harness.evaluate import evaluate
    from harness.evidence.tracking import connect
    from demo_models.build import build_demo_checkpoints
    from foundation.paths import REGISTRY_EXAMPLES_DIR, demo_models_dir
    from harness.store import request_cache_path
    from harness.evidence.registration import submit

    client = connect(None)
    registered = submit(materialize_manifest(REGISTRY_EXAMPLES_DIR / "submission.yaml", build_demo_checkpoints(demo_models_dir(), progress=False), home), client, progress=False)
    model = f"{registered.name}/{registered.version}"
    fingerprint = client.get_model_version(registered.name, str(registered.version)).tags["fingerprint"]
    # A process's one-off costs (the first engine start, imports, the refusal classifier's training) would
    # land on the first timed run: an untimed short run pays them first.
    evaluate(client, "demo", model, engine_name=args.engine, limit=2, progress=False, persist=False)
    totals: dict[bool, list[float]] = {False: [], True: []}
    generation: dict[bool, list[float]] = {False: [], True: []}
    bookkeeping: list[float] = []
    for _ in range(args.repeats):
        for persist in (False, True):
            request_cache_path(fingerprint).unlink(missing_ok=True)  # every request goes to the model
            started = time.perf_counter()
            e = evaluate(client, "demo", model, engine_name=args.engine, limit=args.limit, progress=False, persist=persist)
            totals[persist].append(time.perf_counter() - started)
            generation[persist].append(sum(v for k, v in e.metrics.items() if k.endswith("/wall_seconds")))
            assert e.requests.get("from_cache", 0) == 0 and e.requests.get("from_journal", 0) == 0
            if persist:
                bookkeeping.append(e.bookkeeping_seconds)
            label = "on " if persist else "off"
            print(f"persistence {label}: run {totals[persist][-1]:7.2f} s, generation and scoring {generation[persist][-1]:7.2f} s, requests {dict(e.requests)}", flush=True)
    for label, data in (("whole run", totals), ("generation and scoring", generation)):
        off, on = statistics.mean(data[False]), statistics.mean(data[True])
        print(f"{label}: off {off:.2f} s, on {on:.2f} s, ratio on/off {on / off:.3f} (goal <= 1.03)")
    for seconds, phase in zip(bookkeeping, generation[True], strict=True):
        print(f"bookkeeping {seconds:.3f} s in a generation phase of {phase:.2f} s: ratio {phase / (phase - seconds):.4f} against the same phase without it")


if __name__ == "__main__":
    main()
