"""GAOKAO-Bench objective questions, as Bench/bench_function.py (`extract_choice_answer`) and
Bench/OBJ_score_evaluation.py score them: the answer extraction depends on the file's question
type; each sub-question earns the item's `score` when right; a Physics question with several right
options earns 6 when exactly right, 3 when every option named is right but some are missing; an
answer with the wrong number of sub-answers earns nothing. The official figure is the scoring rate:
points earned over points available, pooled over all items (`AGGREGATE = "micro"`)."""

import re
from collections import defaultdict

from benchmarks.sector.base import BenchItem
from harness.scoring.official.base import Aggregate, Scored

CHAT = True
AGGREGATE: Aggregate = "micro"
HEADLINE = "scoring_rate"


def extract(output: str, question_type: str, answer_length: int) -> list[str]:
    """`extract_choice_answer` of the release, rule for rule."""
    answer: list[str] = []
    if question_type == "single_choice":
        found = re.findall(r"[A-D]", output[::-1])
        if found:
            answer.append(found[0])
    elif question_type == "multi_question_choice":
        found = re.findall(r"【答案】\s*[:：]*\s*[A-Z]", output)
        if len(found) == answer_length:
            answer = [re.findall(r"[A-Z]", t)[0] for t in found]
        else:
            letters = re.findall(r"[A-Z]", output)
            answer = letters[: min(len(letters), answer_length)]
    elif question_type == "multi_choice":
        content = re.sub(r"\s+", "", output)
        index = content.find("【答案】")
        tail = content[index:] if index > 0 else content[-10:]
        chosen = "".join(re.findall(r"[A-D]", tail))
        if chosen:
            answer.append(chosen)
    elif question_type == "five_out_of_seven":
        letters = re.findall(r"[A-G]", output)
        answer = letters[: min(5, len(letters))]
    return answer


def score(item: BenchItem, response: str) -> Scored:
    standard = list(item.reference["answer"])
    per_question = float(item.reference["score"])
    extracted = extract(response, item.reference["type"], len(standard))
    model = extracted if len(extracted) == len(standard) else ["Z"] * len(standard)  # check_length_equal
    if item.reference["group"] == "Physics":
        earned = sum(6.0 if m == s else (0.0 if any(c not in s for c in m) else 3.0) for m, s in zip(model, standard, strict=True))
    else:
        earned = sum(per_question for m, s in zip(model, standard, strict=True) if m == s)
    return Scored(extracted, earned, per_question * len(standard), abstained=not extracted)


def extra_metrics(records: list[dict]) -> dict[str, float]:
    """The scoring rate per subject (the release's subject groups: Math, Physics, ...)."""
    earned: dict[str, float] = defaultdict(float)
    available: dict[str, float] = defaultdict(float)
    for r in records:  # GAOKAO scores every item
        earned[r["reference"]["group"]] += r["points"]
        available[r["reference"]["group"]] += r["max_points"]
    return {f"group/{g}/scoring_rate": earned[g] / available[g] for g in sorted(available) if available[g]}
