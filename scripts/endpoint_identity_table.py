"""The endpoint identity table: how far the behavioural fingerprint moves for the same checkpoint
served elsewhere, another checkpoint, and the same weights in another dtype; and what the harness
decides for each (harness/identity.py: MIN_AGREEMENT, MAX_LOGPROB_DIFF).

The reference is zh-tiny-tuned in process with vLLM in float32 (its saved dtype), as the harness
records it. Each row starts its own engine or `vllm serve` (one at a time, ~50 s per server):

    .venv/bin/python scripts/endpoint_identity_table.py [--json]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from safetensors.torch import load_file, save_file

from demo_models.build import build_demo_checkpoints
from harness.engines import Engine, EngineSettings, load_engine
from harness.engines.local_server import vllm_serve
from harness.identity import MAX_LOGPROB_DIFF, MIN_AGREEMENT, Behaviour, Distance, distance, observe, record
from foundation.paths import demo_models_dir


def _in_process(engine_name: str, checkpoint: Path, dtype: str) -> Callable[[Behaviour], Distance]:
    def measure(reference: Behaviour) -> Distance:
        engine = load_engine(engine_name, checkpoint, EngineSettings(dtype=dtype, max_model_len=1024))
        try:
            return distance(reference, observe(engine, reference))
        finally:
            engine.close()

    return measure


def _served(checkpoint: Path, dtype: str) -> Callable[[Behaviour], Distance]:
    def measure(reference: Behaviour) -> Distance:
        with vllm_serve(checkpoint, served_model_name="candidate", dtype=dtype) as url:
            engine: Engine = load_engine("openai", checkpoint, EngineSettings(extra={"base_url": url, "served_model_name": "candidate"}))
            try:
                return distance(reference, observe(engine, reference))
            finally:
                engine.close()

    return measure


def blend(tuned: Path, other: Path, share: float, out: Path) -> Path:
    """A checkpoint `share` of the way from `tuned` to `other`, weight by weight: a nearby model."""
    shutil.copytree(tuned, out)
    a, b = load_file(tuned / "model.safetensors"), load_file(other / "model.safetensors")
    save_file({k: (1 - share) * a[k] + share * b[k] for k in a}, out / "model.safetensors", metadata={"format": "pt"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")  # the table goes to stdout, vLLM's log would bury it
    models = build_demo_checkpoints(demo_models_dir(), progress=False)
    tuned, base = models["zh-tiny-tuned"], models["zh-tiny-base"]
    engine = load_engine("vllm", tuned, EngineSettings(dtype="float32", max_model_len=1024))
    reference = record(engine, "float32")
    engine.close()
    scratch = Path(tempfile.mkdtemp())
    rows = [
        ("same checkpoint", "vllm serve, float32", _served(tuned, "float32")),
        ("same checkpoint", "transformers in process, float32", _in_process("hf", tuned, "float32")),
        ("other checkpoint (zh-tiny-base)", "vllm serve, float32", _served(base, "float32")),
        ("other checkpoint (zh-tiny-base)", "vLLM in process, float32", _in_process("vllm", base, "float32")),
        ("same checkpoint, other dtype", "vllm serve, bfloat16", _served(tuned, "bfloat16")),
        ("same checkpoint, other dtype", "transformers in process, bfloat16", _in_process("hf", tuned, "bfloat16")),
        *((f"nearby checkpoint: {share:.0%} of the way to zh-tiny-base", "transformers in process, float32",
           _in_process("hf", blend(tuned, base, share, scratch / f"blend-{share}"), "float32")) for share in (0.01, 0.05, 0.2)),
    ]  # fmt: skip
    results = []
    for case, served_by, measure in rows:
        d = measure(reference)
        results.append({"case": case, "served_by": served_by, "token_agreement": d.token_agreement,
                        "mean_abs_logprob_diff": d.mean_abs_logprob_diff, "shared_tokens": d.shared_tokens,
                        "positions": d.positions, "decision": "same" if d.same else "refused"})  # fmt: skip
        print(f"measured: {case} / {served_by}", file=sys.stderr)
    shutil.rmtree(scratch)
    if args.json:
        print(json.dumps({"reference": reference.recipe, "rows": results}, indent=1))
        return
    print(f"Reference: zh-tiny-tuned, vLLM in process, float32; {len(reference.traces)} canaries x {reference.recipe['steps']} steps, top-{reference.recipe['top_k']}.")
    print(f"Decision: same iff token agreement >= {MIN_AGREEMENT} and mean |Δ logprob| <= {MAX_LOGPROB_DIFF}.\n")
    print("| case | served by | token agreement | mean abs Δ logprob | shared top-k tokens | decision |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['case']} | {r['served_by']} | {r['token_agreement']:.3f} | {r['mean_abs_logprob_diff']:.6f} | {r['shared_tokens']} / {r['positions']} positions | {r['decision']} |")


if __name__ == "__main__":
    main()
