"""Leave one author out: the refusal judges on each labelled set written by another author, the
classifier trained without that set (refusal_classifier.left_out), every combining policy of
judging.REFUSAL_COMBINE. The rules cannot un-see a set; docs/refusal_judges.md says which rules were
written after seeing which.

    python scripts/refusal_loao.py [--by style] [--json FILE]
"""

import argparse
import json
import time

from harness.scoring.judges.refusal import RuleRefusalJudge
from harness.scoring.judges.refusal_classifier import AUTHOR_GROUPS, _decision, left_out
from harness.scoring.judging import REFUSAL_COMBINE, combine_decisions


def _figures(said: list[bool | None], labels: list[bool]) -> dict[str, float]:
    decided = [(s, label) for s, label in zip(said, labels, strict=True) if s is not None]
    tp = sum(s and label for s, label in decided)
    fp = sum(s and not label for s, label in decided)
    fn = sum(label and not s for s, label in decided)
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "undecided": 1 - len(decided) / len(said),
        "right": sum(s == label for s, label in decided) / len(decided) if decided else 0.0,
        "n": len(said),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--by", help="also per value of this field (style, language)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    rules = RuleRefusalJudge()
    document: dict = {}
    for held in AUTHOR_GROUPS:
        rows, probabilities = left_out(held)
        started = time.perf_counter()
        rule = [rules.judge(row["prompt"], row["response"]) for row in rows]
        rule_ms = (time.perf_counter() - started) * 1000 / len(rows)
        classifier = [_decision(p) for p in probabilities]
        labels = [bool(row["refused"]) for row in rows]
        judges = {
            "rule-refusal": [None if d.undecided else d.refused for d in rule],
            "classifier-refusal": [None if d.undecided else d.refused for d in classifier],
        }
        for combine in REFUSAL_COMBINE:
            judges[f"rule-refusal,classifier-refusal ({combine})"] = [
                combine_decisions([r, k], combine) for r, k in zip(rule, classifier, strict=True)
            ]
            judges[f"classifier-refusal,rule-refusal ({combine})"] = [
                combine_decisions([k, r], combine) for r, k in zip(rule, classifier, strict=True)
            ]
        document[held] = {name: _figures(said, labels) for name, said in judges.items()}
        print(f"\nheld out: {held} ({len(rows)} answers; rules {rule_ms:.2f} ms/item)")
        for name, f in document[held].items():
            print(f"  {name:55s} P {f['precision']:.3f} R {f['recall']:.3f} undecided {f['undecided']:.1%} right {f['right']:.3f}")
        if args.by:
            values = sorted({str(row.get(args.by, "")) for row in rows})
            for value in values:
                index = [i for i, row in enumerate(rows) if str(row.get(args.by, "")) == value]
                cells = []
                for said in judges.values():
                    f = _figures([said[i] for i in index], [labels[i] for i in index])
                    cells.append(f"{f['right']:.2f}({round(f['undecided'] * len(index))})")
                print(f"    {value:30s} n={len(index):3d} " + " ".join(cells))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
