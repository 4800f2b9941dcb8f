"""CMExam, scored as src/evaluation/evaluate_chatglm_result.py does: the answer is what follows
"答案：" up to the last "，" on its line; a response without one has no answer and, as the release's
CSV round trip turns it into a missing value, is left out of the accuracy (`<suite>/excluded`
counts these; `<suite>/answered_rate` is the share kept). Accuracy is an exact match of the letter
string, pooled; the weighted F1 over the kept items is scikit-learn's, as in the release."""

import re

from sklearn.metrics import precision_recall_fscore_support

from benchmarks.sector.base import BenchItem
from harness.scoring.official.base import Aggregate, Scored

CHAT = True
AGGREGATE: Aggregate = "micro"


def score(item: BenchItem, response: str) -> Scored:
    found = re.findall(r"答案：(.*)，", response)
    if not found or not found[0]:
        return Scored("", None, abstained=True)
    return Scored(found[0], float(found[0] == item.reference["answer"]))


def extra_metrics(records: list[dict]) -> dict[str, float]:
    kept = [r for r in records if r["points"] is not None]
    out = {"answered_rate": len(kept) / len(records)}
    if kept:
        _, _, f1, _ = precision_recall_fscore_support([r["reference"]["answer"] for r in kept], [r["prediction"] for r in kept], average="weighted", zero_division=0)
        out["weighted_f1"] = float(f1)
    return out
