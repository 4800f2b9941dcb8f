"""CMB-Exam, scored as the release does (src/utils.py `match_choice` and `extract_ans`, score.py):
the letters after "答案/正确选项 是/为/：" up to the first full stop, else every option letter in the
response; a single-answer question keeps only the first letter; right when equal to the answer.
score.py reports accuracy per sub-category (exam_class) and, per category (exam_type), the mean of
its sub-categories' accuracies; the overall figure here is the mean over sub-categories."""

import re
from collections import defaultdict

from benchmarks.sector.base import BenchItem
from harness.scoring.official.base import Aggregate, Scored

CHAT = True
AGGREGATE: Aggregate = "macro"
OPTIONS = "ABCDEFG"


def match_choice(text: str) -> str:
    found = re.search(r"(答案|正确选项)(?:是|：|为|应该是|应该为)(.*?)(。|\.|$)", text, re.S)
    return "".join(x for x in (found.group(2) if found else text) if x in OPTIONS)


def score(item: BenchItem, response: str) -> Scored:
    choice = match_choice(response)
    if len(choice) > 1 and item.reference["question_type"] != "多项选择题":
        choice = choice[0]
    return Scored(choice, float(choice == item.reference["answer"]), abstained=not choice)


def extra_metrics(records: list[dict]) -> dict[str, float]:
    """score.py's accuracy per category: the mean of its sub-categories' accuracies."""
    by_class: dict[str, list[float]] = defaultdict(list)
    for r in records:
        by_class[r["subject"]].append(r["points"])
    by_type: dict[str, list[float]] = defaultdict(list)
    for subject, points in by_class.items():
        by_type[subject.split("/", 1)[0]].append(sum(points) / len(points))
    return {f"category/{t}/accuracy": sum(v) / len(v) for t, v in sorted(by_type.items())}
