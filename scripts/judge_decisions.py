"""Every refusal judge decision on every labelled judge set, written as JSONL, or compared with such a
file: the check that a change meant to make the judges faster (or otherwise leave them alone) changes
no decision. Run it before the change (`dump`), then after (`compare`).

    .venv/bin/python scripts/judge_decisions.py dump BEFORE.jsonl [--extra ITEMS.jsonl ...]
    .venv/bin/python scripts/judge_decisions.py compare BEFORE.jsonl [--extra ITEMS.jsonl ...]

Each line: the set, the item's id, the rule judge's verdict, reason and evidence, the cue counts the
rules read, and the classifier's probability. Besides the labelled sets (corpora/safety_sample/
judge_sets/*.jsonl), the answers of each set are also judged against another set's prompt, so that
the prompt-dependent rules meet pairs no one wrote together; `--extra` adds the prompts and responses
of other files (a run's items files: what a model really answered, degenerate text included). Prints the time the rule judge took.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from foundation.jsonl import read_jsonl_objects
from foundation.paths import REPO_ROOT
from harness.scoring.judges.refusal import RuleRefusalJudge, cue_counts
from harness.scoring.judges.refusal_classifier import ClassifierRefusalJudge
from harness.scoring.judges.refusal_text import prepare

SETS = REPO_ROOT / "corpora" / "safety_sample" / "judge_sets"


def pairs(extra: list[Path]) -> list[tuple[str, str, str, str]]:
    """(set, id, prompt, response) for every labelled item, and each response again under the prompt of the item after it."""
    found = []
    for path in [*sorted(SETS.glob("*.jsonl")), *extra]:
        rows = [row for _, row in read_jsonl_objects(path, '{"id": ..., "prompt": ..., "response": ...}')]
        found += [(path.stem, str(row["id"]), row["prompt"], row["response"]) for row in rows]
        found += [(path.stem + "/shifted", str(row["id"]), rows[(i + 1) % len(rows)]["prompt"], row["response"]) for i, row in enumerate(rows)]
    return found


def decisions(extra: list[Path]) -> list[dict]:
    items = pairs(extra)
    rule = RuleRefusalJudge()
    started = time.perf_counter()
    decided = [rule.judge(prompt, response) for _, _, prompt, response in items]
    seconds = time.perf_counter() - started
    print(f"rule judge: {len(items)} answers in {seconds:.2f} s ({seconds / len(items) * 1000:.2f} ms each)", file=sys.stderr)
    probabilities = ClassifierRefusalJudge().probability([(prompt, response) for _, _, prompt, response in items])
    return [
        {"set": name, "id": id_, **decision.as_record(), "cues": cue_counts(prompt, prepare(response)), "classifier": round(p, 9)}
        for (name, id_, prompt, response), decision, p in zip(items, decided, probabilities, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("dump", "compare"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="JSONL files with id, prompt and response (e.g. a run's items)")
    args = parser.parse_args()
    now = decisions(args.extra)
    if args.action == "dump":
        args.file.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in now), encoding="utf-8")
        print(f"{len(now)} decisions written to {args.file}")
        return
    before = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines()]
    differ = [(b, a) for b, a in zip(before, now, strict=False) if b != a]
    for b, a in differ[:20]:
        print(f"{b['set']} {b['id']}:\n  before {b}\n  after  {a}")
    print(f"{len(now)} decisions, {len(before)} before; {len(differ)} differ")
    sys.exit(1 if differ or len(before) != len(now) else 0)


if __name__ == "__main__":
    main()
