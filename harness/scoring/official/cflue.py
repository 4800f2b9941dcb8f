"""CFLUE knowledge, scored as exec_knowledge_eval.py does: when the response has exactly two
lines only the first is read; utils/extract_choice.py takes the letters after "答案" (or letters
at the start) once separators are removed, else "X"; accuracy is an exact match of the letter
string (all or nothing on multiple-answer questions), pooled over all items, and the weighted F1
of the letter strings as labels (scikit-learn's, as the release computes it)."""

import re

from sklearn.metrics import f1_score

from benchmarks.sector.base import BenchItem
from harness.scoring.official.base import Aggregate, Scored

CHAT = True
AGGREGATE: Aggregate = "micro"


def extract(response: str) -> str:
    gen = response.strip()
    for separator in ("、", ",", "，", " "):
        gen = gen.replace(separator, "")
    found = re.search(r"答案[是：:]+([ABCDEF]+)", gen) or re.search(r"(^[ABCDEF]+)", gen)
    return found.group(1) if found else "X"


def score(item: BenchItem, response: str) -> Scored:
    lines = response.split("\n")
    prediction = extract(lines[0] if len(lines) == 2 else response)
    return Scored(prediction, float(prediction == item.reference["answer"]), abstained=prediction == "X")


def extra_metrics(records: list[dict]) -> dict[str, float]:
    truth = [r["reference"]["answer"] for r in records]
    predicted = [r["prediction"] for r in records]
    return {"weighted_f1": float(f1_score(truth, predicted, average="weighted"))}
