"""FinanceIQ's official scoring (src/utils.py `compute_accuracy` and `extract_choice`): the
response, newlines removed (as the release stores it), is read by its patterns in order; a response
matching none gets a random letter "to ensure fair comparison". The release draws it unseeded; here
it is drawn from a generator seeded by the item id, so a run is reproducible. Accuracy per subject,
and the overall figure is the mean of the ten subjects' accuracies."""

import random
import re

from benchmarks.sector.base import BenchItem
from harness.scoring.official.base import Aggregate, Scored

CHAT = False
AGGREGATE: Aggregate = "macro"
LETTERS = ["A", "B", "C", "D"]

_SINGLE = [
    (r"答案(选项)?(是|为)：? ?([ABCD])", 3), (r"答案(是|为)选项 ?([ABCD])", 2), (r"故?选择?：? ?([ABCD])", 1),
    (r"([ABCD]) ?选?项(是|为)?正确", 1), (r"正确的?选项(是|为) ?([ABCD])", 2), (r"答案(应该)?(是|为)([ABCD])", 3),
    (r"选项 ?([ABCD]) ?(是|为)?正确", 1), (r"选择答案 ?([ABCD])", 1), (r"答案?：?([ABCD])", 1),
    (r"([ABCD])(选?项)?是?符合题意", 1), (r"答案选项：? ?([ABCD])", 1), (r"答案(选项)?为(.*?)([ABCD])", 3),
]
_RECURSIVE = [(r"([ABCD])(.*?)当选", 1), (r"([ABCD])(.*?)正确", 1)]


def extract_choice(response: str, rng: random.Random) -> tuple[str, bool]:
    """(letter, matched): the release's rules in order; `matched` is False for the random fallback."""
    if response[0] in LETTERS:
        return response[0], True
    for pattern, group in _SINGLE:
        m = re.search(pattern, response, re.M)
        if m:
            return m.group(group), True
    for pattern, group in _RECURSIVE:
        m = re.search(pattern, response, re.M)
        if m:
            while m:
                answer = m.group(group)
                m = re.search(pattern, m.group(0)[1:], re.M)
            return answer, True
    m = re.search(r"[^不]是：? ?([ABCD])", response, re.M)
    if m:
        return m.group(1), True
    m = re.match(r"^[^ABCD]*([ABCD])[^ABCD]*$", response)
    if m:
        return m.group(1), True
    return LETTERS[rng.randint(0, 3)], False


def score(item: BenchItem, response: str) -> Scored:
    # The release stores the response without newlines in a CSV; an empty one reads back as "nan".
    stored = response.replace("\n", "") or "nan"
    prediction, matched = extract_choice(stored, random.Random(item.id))
    return Scored(prediction, float(prediction == item.reference["answer"]), abstained=not matched)
