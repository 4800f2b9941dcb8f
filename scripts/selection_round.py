"""The selection round of docs/selection.md, end to end on the demo models: `harness demo`'s two
models plus the derived variants (harness/demo/variants.py), each run on the demo profile, then the
composite ranking (`harness compare --selection demo`) and two uplift comparisons: the tuned model
over its base (a real difference) and the noise variant over the tuned model (none).

    .venv/bin/python scripts/selection_round.py [--tracking-uri URI] [--json]

Without --tracking-uri it uses the default store of HARNESS_HOME. Full demo runs already in the
store are reused.
"""

import argparse
import json

from harness.compare import leaderboard
from demo_models.build import BASE_MODEL, TUNED_MODEL, build_demo_checkpoints
from harness.demo.variants import ROUND_PROFILE, run_round
from harness.evidence.tracking import connect, default_tracking_uri
from foundation.paths import demo_models_dir, harness_home
from harness.selection import load_selection, render_selection, select
from harness.uplift import render_uplift, uplift


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    client = connect(args.tracking_uri or default_tracking_uri())
    demo = build_demo_checkpoints(demo_models_dir(), progress=False)
    run_round(client, demo, harness_home() / "demo-variants", progress=not args.json)
    ranking = select(client, load_selection("demo"), leaderboard(client, profile=ROUND_PROFILE))
    real = uplift(client, TUNED_MODEL, profile=ROUND_PROFILE, base_spec=BASE_MODEL, progress=False)
    null = uplift(client, "zh-tiny-noise", profile=ROUND_PROFILE, progress=False)
    if args.json:
        print(json.dumps({"selection": ranking.as_json(), "uplift": [real.as_json(), null.as_json()]}, ensure_ascii=False, indent=2, default=str))
        return
    print(render_selection(ranking), render_uplift(real), render_uplift(null), sep="\n\n")


if __name__ == "__main__":
    main()
